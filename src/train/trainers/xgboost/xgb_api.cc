#include "train/trainers/xgboost/xgb_api.h"

#include <fmt/format.h>

#include <charconv>
#include <cstring>

namespace easel::train::xgboost {

namespace {

// strict_shape keeps the output shape the same for every objective. In-place prediction also
// wants "missing" (NaN, which XGBoost's JSON reader accepts, as its Python package sends) and
// "cache_id" (0: none).
std::string PredictConfig(PredictType type, bool in_place) {
  return fmt::format(
      R"({{"type": {}, "training": false, "iteration_begin": 0, "iteration_end": 0, )"
      R"("strict_shape": true{}}})",
      static_cast<int>(type), in_place ? R"(, "missing": NaN, "cache_id": 0)" : "");
}

Prediction CopyPrediction(const bst_ulong* shape, bst_ulong dim, const float* result) {
  Prediction p;
  size_t n = dim == 0 ? 0 : 1;
  for (bst_ulong i = 0; i < dim; ++i) {
    p.shape.push_back(shape[i]);
    n *= shape[i];
  }
  p.values.assign(result, result + n);
  return p;
}

// The proxy DMatrix that in-place prediction reads its input through: one per thread, reused.
// Left to XGBoost, every call builds a new one, and building one re-reads the cgroup CPU quota
// from /sys (two file opens per prediction, a third of a one-row call). nullptr (XGBoost then
// makes its own) if it cannot be created.
DMatrixHandle ThreadProxy() {
  struct Holder {
    DMatrixHandle handle = nullptr;
    ~Holder() {
      if (handle != nullptr) XGDMatrixFree(handle);
    }
  };
  thread_local Holder proxy;
  if (proxy.handle == nullptr && XGProxyDMatrixCreate(&proxy.handle) != 0) proxy.handle = nullptr;
  return proxy.handle;
}

}  // namespace

Status XgbStatus(int rc, std::string_view what, StatusCode code) {
  if (rc == 0) return OkStatus();
  const char* err = XGBGetLastError();
  std::string text = err == nullptr ? "" : err;
  // XGBoost appends a stack trace after the first line of a failed check; the first line is
  // the sentence a user can act on.
  if (size_t nl = text.find("\nStack trace"); nl != std::string::npos) text.resize(nl);
  return Status(code, fmt::format("xgboost {}: {}", what, text));
}

Result<bool> BuiltWithCuda() {
  const char* info = nullptr;
  EASEL_RETURN_IF_ERROR(XgbStatus(XGBuildInfo(&info), "build info"));
  EASEL_ASSIGN_OR_RETURN(Json j, ParseJson(info == nullptr ? "{}" : info));
  auto it = j.find("USE_CUDA");
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

Result<DMatrix> DMatrix::FromFeatures(const data::transforms::FeatureMatrix& x, int threads) {
  DMatrixHandle h = nullptr;
  int rc = XGDMatrixCreateFromMat_omp(x.data.data(), x.rows, x.cols, NAN, &h, threads);
  EASEL_RETURN_IF_ERROR(XgbStatus(rc, "reading the feature matrix", StatusCode::kInvalidArgument));
  return DMatrix(h);
}

Status DMatrix::SetLabels(std::span<const float> y) {
  return XgbStatus(XGDMatrixSetFloatInfo(get(), "label", y.data(), y.size()), "setting labels",
                   StatusCode::kInvalidArgument);
}

Status DMatrix::SetFeatureNames(const std::vector<std::string>& names) {
  std::vector<const char*> c_names;
  for (const std::string& n : names) c_names.push_back(n.c_str());
  return XgbStatus(
      XGDMatrixSetStrFeatureInfo(get(), "feature_name", c_names.data(), c_names.size()),
      "setting feature names", StatusCode::kInvalidArgument);
}

Result<Booster> Booster::Create(std::span<const DMatrix* const> cache) {
  std::vector<DMatrixHandle> handles;
  for (const DMatrix* m : cache) handles.push_back(m->get());
  BoosterHandle h = nullptr;
  EASEL_RETURN_IF_ERROR(
      XgbStatus(XGBoosterCreate(handles.data(), handles.size(), &h), "creating a booster"));
  return Booster(h);
}

Result<Booster> Booster::FromModelBytes(std::string_view bytes) {
  EASEL_ASSIGN_OR_RETURN(Booster b, Create({}));
  EASEL_RETURN_IF_ERROR(b.LoadModel(bytes));
  return b;
}

Status Booster::SetParam(const std::string& name, const std::string& value) {
  return XgbStatus(XGBoosterSetParam(get(), name.c_str(), value.c_str()),
                   fmt::format("setting {}={}", name, value), StatusCode::kInvalidArgument);
}

Status Booster::SetFeatureNames(const std::vector<std::string>& names) {
  std::vector<const char*> c_names;
  for (const std::string& n : names) c_names.push_back(n.c_str());
  return XgbStatus(
      XGBoosterSetStrFeatureInfo(get(), "feature_name", c_names.data(), c_names.size()),
      "naming features", StatusCode::kInvalidArgument);
}

Status Booster::UpdateOneIter(int iteration, const DMatrix& train) {
  return XgbStatus(XGBoosterUpdateOneIter(get(), iteration, train.get()),
                   fmt::format("boosting round {}", iteration + 1));
}

Result<std::string> Booster::EvalOneIter(
    int iteration, std::span<const std::pair<const DMatrix*, std::string>> sets) {
  std::vector<DMatrixHandle> handles;
  std::vector<const char*> names;
  for (const auto& [m, name] : sets) {
    handles.push_back(m->get());
    names.push_back(name.c_str());
  }
  const char* out = nullptr;
  EASEL_RETURN_IF_ERROR(XgbStatus(
      XGBoosterEvalOneIter(get(), iteration, handles.data(), names.data(), handles.size(), &out),
      "evaluating"));
  return std::string(out == nullptr ? "" : out);
}

Result<std::string> Booster::SaveModel(std::string_view format) const {
  std::string config = fmt::format(R"({{"format": "{}"}})", format);
  bst_ulong len = 0;
  const char* out = nullptr;
  EASEL_RETURN_IF_ERROR(
      XgbStatus(XGBoosterSaveModelToBuffer(get(), config.c_str(), &len, &out), "saving a model"));
  return std::string(out, len);
}

Status Booster::LoadModel(std::string_view bytes) {
  return XgbStatus(XGBoosterLoadModelFromBuffer(get(), bytes.data(), bytes.size()),
                   "loading a model", StatusCode::kInvalidArgument);
}

Result<Booster> Booster::Slice(int begin, int end) const {
  BoosterHandle h = nullptr;
  EASEL_RETURN_IF_ERROR(XgbStatus(XGBoosterSlice(get(), begin, end, 1, &h), "slicing the model"));
  return Booster(h);
}

Result<int> Booster::BoostedRounds() const {
  int rounds = 0;
  EASEL_RETURN_IF_ERROR(XgbStatus(XGBoosterBoostedRounds(get(), &rounds), "counting rounds"));
  return rounds;
}

Result<Prediction> Booster::Predict(const DMatrix& data, PredictType type) const {
  std::string config = PredictConfig(type, false);
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* result = nullptr;
  EASEL_RETURN_IF_ERROR(XgbStatus(
      XGBoosterPredictFromDMatrix(get(), data.get(), config.c_str(), &shape, &dim, &result),
      "predicting"));
  return CopyPrediction(shape, dim, result);
}

Result<Prediction> Booster::PredictDense(data::transforms::FeatureView x, PredictType type) const {
  // __array_interface__ of the caller's buffer: XGBoost reads it in place, never writes.
  std::string array =
      fmt::format(R"({{"data": [{}, true], "shape": [{}, {}], "typestr": "<f4", "version": 3}})",
                  reinterpret_cast<uintptr_t>(x.data.data()), x.rows, x.cols);
  std::string config = PredictConfig(type, true);
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* result = nullptr;
  EASEL_RETURN_IF_ERROR(XgbStatus(XGBoosterPredictFromDense(get(), array.c_str(), config.c_str(),
                                                            ThreadProxy(), &shape, &dim, &result),
                                  "predicting"));
  return CopyPrediction(shape, dim, result);
}

Result<std::vector<std::pair<size_t, double>>> Booster::FeatureScore(
    const std::string& importance_type, size_t num_features) const {
  // Index names make the answer independent of whatever names the model carries.
  Json names = Json::array();
  for (size_t i = 0; i < num_features; ++i) names.push_back(std::to_string(i));
  std::string config = DumpJson(
      {{"importance_type", importance_type}, {"feature_map", ""}, {"feature_names", names}});
  bst_ulong n_features = 0, dim = 0;
  const char** features = nullptr;
  const bst_ulong* shape = nullptr;
  const float* scores = nullptr;
  EASEL_RETURN_IF_ERROR(XgbStatus(
      XGBoosterFeatureScore(get(), config.c_str(), &n_features, &features, &dim, &shape, &scores),
      "computing feature importance"));
  std::vector<std::pair<size_t, double>> out;
  for (bst_ulong i = 0; i < n_features; ++i) {
    size_t index = 0;
    const char* name = features[i];
    auto [end, ec] = std::from_chars(name, name + std::strlen(name), index);
    if (ec != std::errc() || index >= num_features) {
      return Internal(fmt::format("xgboost feature importance names feature '{}'", name));
    }
    out.emplace_back(index, scores[i]);
  }
  return out;
}

}  // namespace easel::train::xgboost
