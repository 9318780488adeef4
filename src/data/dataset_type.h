#pragma once
// The kinds of dataset easel knows. A dataset's type decides which importers, exporters,
// statistics, splits and labeling kinds apply to it.

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace easel::data {

enum class DatasetType {
  kImageClassification,
  kObjectDetection,
  kTabular,
  kTextClassification,
  kTimeSeries,
};

// "image_classification", "object_detection", "tabular", "text_classification", "time_series".
std::string_view ToString(DatasetType type);
// INVALID_ARGUMENT listing the known types.
Result<DatasetType> ParseDatasetType(std::string_view name);
const std::vector<DatasetType>& AllDatasetTypes();

// Samples are image files (classification, detection) or records: rows of values (tabular,
// time series, text).
inline bool IsImageType(DatasetType t) {
  return t == DatasetType::kImageClassification || t == DatasetType::kObjectDetection;
}
inline bool IsRecordType(DatasetType t) { return !IsImageType(t); }
// One class label per sample: splits are stratified by it.
inline bool IsClassificationType(DatasetType t) {
  return t == DatasetType::kImageClassification || t == DatasetType::kTextClassification;
}

}  // namespace easel::data
