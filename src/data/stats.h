#pragma once
// Statistics of a dataset version, computed in one streaming pass while the version is built
// (memory bounded by the number of columns and classes, not by the number of rows) and stored
// with it. The `stats` object of the API:
//  - every type: {"num_samples", "class_counts": {label: n}} (class_counts when labeled);
//  - images: {"images": {"width": {min,max,mean}, "height": {...}, "formats": {png: n}},
//    detection adds "boxes": {"count", "per_class": {label: n}, "per_image": {min,max,mean}}};
//  - records: {"columns": [{"name", "type", "count", "missing", "distinct",
//    "distinct_approximate", numeric: "min","max","mean","std", categorical: "top": [[v,n]..],
//    boolean: "true","false", datetime: "min","max", text: "length": {min,max,mean}}]};
//    text classification adds "text_length": {min,max,mean}; time series adds
//    "time": {"start", "end", "frequency" (e.g. "1h", "1d", or null), "series": n}.
// Column types: "numeric", "categorical", "boolean", "datetime", "text".

#include <memory>
#include <string>
#include <vector>

#include "common/json.h"
#include "data/dataset_type.h"
#include "data/sample.h"

namespace easel::data {

class StatsBuilder {
 public:
  virtual ~StatsBuilder() = default;
  virtual void Add(const Sample& sample) = 0;
  // The stats object (see above); call once, after the last Add.
  virtual Json Finish() = 0;
};

// Image datasets (images/image_stats.cc).
std::unique_ptr<StatsBuilder> MakeImageStats(DatasetType type);
// Record datasets (tabular/record_stats.cc): `columns` as given to ImportSink::SetColumns.
std::unique_ptr<StatsBuilder> MakeRecordStats(DatasetType type, std::vector<std::string> columns);

// The version's schema derived from its stats: {"columns": [{"name", "type"}]} for records,
// {} for images.
Json SchemaFromStats(const Json& stats);

}  // namespace easel::data
