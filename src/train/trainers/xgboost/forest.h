#pragma once
// A gbtree model laid out for predicting a few rows at a time: what XGBoost's in-place predict
// computes, without what a call through its C API costs besides the trees. That call parses two
// JSON documents (the prediction config and the array interface) and sets up a proxy matrix:
// for a one-row request, three times the work of the 100 tree walks themselves.
//
// The arithmetic is XGBoost's: per row, the base margin plus each tree's leaf in tree order,
// summed in float per output group; a missing (NaN) feature takes the node's default branch,
// any other goes left when below the split value; then the objective's transform (the logistic
// sigmoid, softmax, or none). Whether the result is bit for bit XGBoost's is not assumed: the
// predictor compares the two on probe rows when it loads a model and keeps XGBoost when they
// differ (predictor.cc).

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace easel::train::xgboost {

class Forest {
 public:
  // The model in XGBoost's UBJSON (floats exact, as XGBoost holds them). UNIMPLEMENTED for a
  // model this does not evaluate (another booster or objective, categorical splits).
  static Result<Forest> FromUbjson(std::string_view ubj);

  size_t num_features() const { return num_features_; }
  size_t num_groups() const { return num_groups_; }

  // `rows` × num_features() values, row-major, into `rows` × num_groups() predictions.
  void Predict(const float* x, size_t rows, float* out) const;

  // Split thresholds seen in the trees, one per distinct (feature, value) pair: rows built from
  // them probe both branches and the equality case of each split.
  std::vector<std::pair<uint32_t, float>> Splits() const;

 private:
  enum class Transform { kNone, kSigmoid, kSoftmax };

  // An internal node branches on `feature` (low 31 bits; the top bit set when a missing value
  // goes left) at `value`; a leaf has left == -1 and holds its output in `value`. Children are
  // indices into nodes_.
  struct Node {
    float value = 0;
    uint32_t feature = 0;
    int32_t left = -1;
    int32_t right = -1;
  };
  static constexpr uint32_t kDefaultLeft = 1u << 31;

  float Walk(uint32_t node, const float* row) const;
  // The objective's transform of one row's margins, in place.
  void Finish(float* margin) const;

  std::vector<Node> nodes_;
  std::vector<uint32_t> roots_;   // each tree's first node
  std::vector<uint32_t> groups_;  // each tree's output group
  float base_margin_ = 0;
  Transform transform_ = Transform::kNone;
  size_t num_features_ = 0;
  size_t num_groups_ = 1;
};

}  // namespace easel::train::xgboost
