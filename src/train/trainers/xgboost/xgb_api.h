#pragma once
// The seam between easel and XGBoost's C API: owning wrappers for DMatrix and Booster handles
// whose methods check every return code and turn XGBGetLastError() into a Status. Only the
// files of this trainer include this header; nothing outside trainers/xgboost/ sees an XGBoost
// type. XGBoost's C API catches its own exceptions (API_BEGIN/API_END), so none crosses here.
//
// Thread safety: a Booster is not thread-safe for training or configuration. PredictDense may
// run concurrently on one Booster once it has been configured (see predictor.cc).

#include <xgboost/c_api.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "data/transforms/types.h"

namespace easel::train::xgboost {

// OK for a return code of 0; otherwise `code` with "<what>: <XGBoost's last error>".
Status XgbStatus(int rc, std::string_view what, StatusCode code = StatusCode::kInternal);

// XGBuildInfo()'s USE_CUDA.
Result<bool> BuiltWithCuda();

class DMatrix {
 public:
  // Copies `x` into a new DMatrix; NaN is a missing value. INVALID_ARGUMENT when XGBoost
  // rejects the data.
  static Result<DMatrix> FromFeatures(const data::transforms::FeatureMatrix& x, int threads);

  Status SetLabels(std::span<const float> y);
  Status SetFeatureNames(const std::vector<std::string>& names);
  DMatrixHandle get() const { return handle_.get(); }

 private:
  struct Free {
    void operator()(void* h) const { XGDMatrixFree(h); }
  };
  explicit DMatrix(DMatrixHandle h) : handle_(h) {}
  std::unique_ptr<void, Free> handle_;
};

// A prediction as XGBoost shapes it: values row-major over `shape`.
struct Prediction {
  std::vector<uint64_t> shape;
  std::vector<float> values;
};

// XGBoost's prediction types (XGBoosterPredictFromDMatrix "type").
enum class PredictType { kValue = 0, kMargin = 1, kContributions = 2 };

class Booster {
 public:
  // A new booster caching predictions for `cache` (the matrices it will train and evaluate on).
  static Result<Booster> Create(std::span<const DMatrix* const> cache);
  // A booster holding the model in `bytes` (JSON or UBJSON). INVALID_ARGUMENT when XGBoost
  // cannot read them.
  static Result<Booster> FromModelBytes(std::string_view bytes);

  Status SetParam(const std::string& name, const std::string& value);
  // The names a saved model carries. XGBoost's C API does not take them from the training
  // DMatrix (its Python package copies them explicitly, as this does).
  Status SetFeatureNames(const std::vector<std::string>& names);
  Status UpdateOneIter(int iteration, const DMatrix& train);
  // XGBoost's evaluation line: "[i]\t<name>-<metric>:<value>...".
  Result<std::string> EvalOneIter(int iteration,
                                  std::span<const std::pair<const DMatrix*, std::string>> sets);
  // "json" or "ubj".
  Result<std::string> SaveModel(std::string_view format) const;
  Status LoadModel(std::string_view bytes);
  // A new booster with the trees of rounds [begin, end).
  Result<Booster> Slice(int begin, int end) const;
  Result<int> BoostedRounds() const;

  Result<Prediction> Predict(const DMatrix& data, PredictType type) const;
  // In-place prediction from a dense row-major matrix; NaN is missing. Safe to call from
  // several threads at once on a configured booster: XGBoost keeps the output per thread.
  Result<Prediction> PredictDense(data::transforms::FeatureView x, PredictType type) const;

  // Per-feature scores of `importance_type` ("gain", "weight", "cover", "total_gain",
  // "total_cover") as (feature index, score) for the features the trees split on.
  Result<std::vector<std::pair<size_t, double>>> FeatureScore(const std::string& importance_type,
                                                              size_t num_features) const;

  BoosterHandle get() const { return handle_.get(); }

 private:
  struct Free {
    void operator()(void* h) const { XGBoosterFree(h); }
  };
  explicit Booster(BoosterHandle h) : handle_(h) {}
  std::unique_ptr<void, Free> handle_;
};

}  // namespace easel::train::xgboost
