#include "data/dataset_type.h"

namespace easel::data {

namespace {
struct TypeName {
  DatasetType type;
  std::string_view name;
};
constexpr TypeName kTypeNames[] = {
    {DatasetType::kImageClassification, "image_classification"},
    {DatasetType::kObjectDetection, "object_detection"},
    {DatasetType::kTabular, "tabular"},
    {DatasetType::kTextClassification, "text_classification"},
    {DatasetType::kTimeSeries, "time_series"},
};
}  // namespace

std::string_view ToString(DatasetType type) {
  for (const TypeName& t : kTypeNames) {
    if (t.type == type) return t.name;
  }
  return "unknown";
}

Result<DatasetType> ParseDatasetType(std::string_view name) {
  std::string known;
  for (const TypeName& t : kTypeNames) {
    if (t.name == name) return t.type;
    if (!known.empty()) known += ", ";
    known += t.name;
  }
  return InvalidArgument("unknown dataset type; known types: " + known);
}

const std::vector<DatasetType>& AllDatasetTypes() {
  static const auto* all = [] {
    auto* v = new std::vector<DatasetType>;
    for (const TypeName& t : kTypeNames) v->push_back(t.type);
    return v;
  }();
  return *all;
}

}  // namespace easel::data
