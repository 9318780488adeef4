#include "train/trainers/xgboost/problem.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <set>
#include <string>

namespace easel::train::xgboost {

namespace {

Status CheckLabels(const TabularProblem& p, const TabularSplit& s, std::string_view split) {
  if (s.y.size() != s.rows()) {
    return InvalidArgument(
        fmt::format("{} split has {} labels for {} rows", split, s.y.size(), s.rows()));
  }
  for (size_t i = 0; i < s.y.size(); ++i) {
    float v = s.y[i];
    if (!std::isfinite(v)) {
      return InvalidArgument(fmt::format("{} row {} has a missing or infinite label", split, i));
    }
    if (p.task == Task::kRegression) continue;
    if (v < 0 || v >= static_cast<float>(p.num_classes()) || v != std::floor(v)) {
      return InvalidArgument(fmt::format("{} row {} has label {}, not a class index in [0, {})",
                                         split, i, v, p.num_classes()));
    }
  }
  return OkStatus();
}

}  // namespace

Status CheckFeatures(data::transforms::FeatureView x, size_t num_features, std::string_view split) {
  if (x.cols != num_features) {
    return InvalidArgument(
        fmt::format("{} has {} feature columns; the model has {}", split, x.cols, num_features));
  }
  if (x.data.size() != x.rows * x.cols) {
    return InvalidArgument(fmt::format("{} holds {} values, not rows x cols = {} x {}", split,
                                       x.data.size(), x.rows, x.cols));
  }
  // One pass on the bits, without a branch per value (it vectorizes); then the first infinity,
  // if there is one.
  uint32_t infinite = 0;
  for (float v : x.data) {
    uint32_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    infinite |= (bits & 0x7fffffffu) == 0x7f800000u;
  }
  if (infinite == 0) return OkStatus();
  const size_t i =
      std::find_if(x.data.begin(), x.data.end(), [](float v) { return std::isinf(v); }) -
      x.data.begin();
  return InvalidArgument(
      fmt::format("{} row {} feature {} is infinite", split, i / x.cols, i % x.cols));
}

Status CheckProblem(const TabularProblem& p) {
  const size_t n = p.feature_names.size();
  if (n == 0) return InvalidArgument("the problem has no features");
  std::set<std::string_view> seen;
  for (const std::string& name : p.feature_names) {
    if (!seen.insert(name).second) {
      return InvalidArgument(fmt::format("feature name '{}' appears twice", name));
    }
  }
  if (p.task == Task::kBinary && p.num_classes() != 2) {
    return InvalidArgument(fmt::format("a binary task needs 2 classes, not {}", p.num_classes()));
  }
  if (p.task == Task::kMulticlass && p.num_classes() < 2) {
    return InvalidArgument(
        fmt::format("a multiclass task needs at least 2 classes, not {}", p.num_classes()));
  }
  if (p.train.rows() == 0) return InvalidArgument("the train split is empty");
  EASEL_RETURN_IF_ERROR(CheckFeatures(p.train.x, n, "train split"));
  // An empty split may come without a column count.
  if (p.val.rows() > 0) EASEL_RETURN_IF_ERROR(CheckFeatures(p.val.x, n, "val split"));
  if (p.test.rows() > 0) EASEL_RETURN_IF_ERROR(CheckFeatures(p.test.x, n, "test split"));
  EASEL_RETURN_IF_ERROR(CheckLabels(p, p.train, "train"));
  return CheckLabels(p, p.val, "val");
}

}  // namespace easel::train::xgboost
