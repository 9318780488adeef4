// Load and Contributions: a stored model back as a predictor, and its SHAP values.

#include <fmt/format.h>
#include <omp.h>

#include <cmath>
#include <cstring>
#include <optional>

#include "common/log.h"
#include "train/trainers/xgboost/booster_check.h"
#include "train/trainers/xgboost/forest.h"
#include "train/trainers/xgboost/model_files.h"
#include "train/trainers/xgboost/problem.h"
#include "train/trainers/xgboost/xgb_api.h"
#include "train/trainers/xgboost/xgboost_trainer.h"

namespace easel::train::xgboost {

namespace {

struct LoadedModel {
  ModelDescriptor descriptor;
  Booster booster;
};

Result<const std::string*> File(const ModelFiles& files, const std::string& name) {
  auto it = files.find(name);
  if (it == files.end()) return InvalidArgument("the model has no " + name);
  return &it->second;
}

Result<LoadedModel> LoadModel(const ModelFiles& files) {
  EASEL_ASSIGN_OR_RETURN(const std::string* model_json, File(files, "model.json"));
  EASEL_ASSIGN_OR_RETURN(const std::string* booster_json, File(files, "booster.json"));
  auto descriptor_json = ParseJson(*model_json);
  if (!descriptor_json.ok()) {
    return InvalidArgument("model.json: " + descriptor_json.status().message());
  }
  EASEL_ASSIGN_OR_RETURN(ModelDescriptor d, DescriptorFromJson(*descriptor_json));
  EASEL_RETURN_IF_ERROR(CheckBoosterJson(*booster_json, d));
  EASEL_ASSIGN_OR_RETURN(Booster booster, Booster::FromModelBytes(*booster_json));
  return LoadedModel{std::move(d), std::move(booster)};
}

// Rows that take each split both ways and at its threshold, with missing values among them:
// for comparing the Forest with XGBoost on what could set them apart.
data::transforms::FeatureMatrix ProbeRows(const Forest& forest) {
  constexpr size_t kRows = 64;
  const size_t cols = forest.num_features();
  std::vector<std::vector<float>> values(cols);
  for (const auto& [feature, value] : forest.Splits()) {
    values[feature].push_back(value);
    values[feature].push_back(std::nextafter(value, -INFINITY));
  }
  data::transforms::FeatureMatrix x{kRows, cols, std::vector<float>(kRows * cols, NAN)};
  for (size_t r = 1; r < kRows; ++r) {  // row 0 stays all missing
    for (size_t c = 0; c < cols; ++c) {
      const std::vector<float>& v = values[c];
      if (v.empty() || (r + c) % 7 == 0) continue;
      x.data[r * cols + c] = v[(r * 31 + c * 17) % v.size()];
    }
  }
  return x;
}

class XgbPredictor : public TabularPredictor {
 public:
  explicit XgbPredictor(LoadedModel model) : m_(std::move(model)) {}

  // Configures the booster (XGBoost does so lazily on first use, unguarded against a second
  // thread reading the flag), so that Predict only ever reads it. Then takes the Forest for
  // small batches when it predicts exactly as XGBoost does on probe rows.
  Status WarmUp() {
    data::transforms::FeatureMatrix one{1, m_.descriptor.feature_names.size(), {}};
    one.data.assign(one.cols, NAN);
    EASEL_RETURN_IF_ERROR(Predict(one));
    EASEL_ASSIGN_OR_RETURN(std::string ubj, m_.booster.SaveModel("ubj"));
    // Every model easel trains or imports is one the Forest takes (booster_check.cc), so
    // keeping XGBoost is worth a warning: a sign that XGBoost's arithmetic has changed.
    Result<Forest> forest = Forest::FromUbjson(ubj);
    if (!forest.ok() || forest->num_features() != one.cols ||
        forest->num_groups() != m_.descriptor.num_groups()) {
      EASEL_LOG_WARN(
          "xgboost model predicts through XGBoost's C API only: {}",
          forest.ok() ? "its shape differs from model.json's" : forest.status().message());
      return OkStatus();
    }
    const data::transforms::FeatureMatrix probe = ProbeRows(*forest);
    EASEL_ASSIGN_OR_RETURN(std::vector<float> expected, BoosterValues(probe));
    std::vector<float> got(expected.size());
    forest->Predict(probe.data.data(), probe.rows, got.data());
    if (std::memcmp(got.data(), expected.data(), got.size() * sizeof(float)) != 0) {
      EASEL_LOG_WARN(
          "xgboost model predicts through XGBoost's C API only: easel's tree walk differs from "
          "XGBoost's on probe rows");
      return OkStatus();
    }
    forest_ = std::move(*forest);
    return OkStatus();
  }

  Result<std::vector<float>> Predict(data::transforms::FeatureView x) const override {
    EASEL_RETURN_IF_ERROR(CheckFeatures(x, m_.descriptor.feature_names.size(), "input"));
    if (x.rows == 0) return std::vector<float>{};
    std::vector<float> values;
    // XGBoost's predictor spreads a large batch over the threads OpenMP allows; held to one
    // (as serving holds tabular calls), it walks slower than the Forest.
    if (forest_ && (x.rows <= kForestRows || omp_get_max_threads() == 1)) {
      values.resize(x.rows * forest_->num_groups());
      forest_->Predict(x.data.data(), x.rows, values.data());
    } else {
      EASEL_ASSIGN_OR_RETURN(values, BoosterValues(x));
    }
    if (m_.descriptor.task != Task::kBinary) return values;
    std::vector<float> out(x.rows * 2);
    for (size_t r = 0; r < x.rows; ++r) {
      out[2 * r] = 1.0f - values[r];
      out[2 * r + 1] = values[r];
    }
    return out;
  }

  size_t num_outputs() const override {
    return m_.descriptor.task == Task::kBinary ? 2 : m_.descriptor.num_groups();
  }

 private:
  // Above this many rows XGBoost's own predictor takes the batch when it may use more than one
  // thread: it walks blocks of rows tree by tree on all of them.
  static constexpr size_t kForestRows = 256;

  // XGBoost's in-place prediction: rows x groups.
  Result<std::vector<float>> BoosterValues(data::transforms::FeatureView x) const {
    EASEL_ASSIGN_OR_RETURN(Prediction p, m_.booster.PredictDense(x, PredictType::kValue));
    if (p.values.size() != x.rows * m_.descriptor.num_groups()) {
      return Internal(fmt::format("xgboost returned {} predictions for {} rows x {}",
                                  p.values.size(), x.rows, m_.descriptor.num_groups()));
    }
    return std::move(p.values);
  }

  LoadedModel m_;
  std::optional<Forest> forest_;
};

}  // namespace

Result<std::unique_ptr<TabularPredictor>> Load(const ModelFiles& files) {
  EASEL_ASSIGN_OR_RETURN(LoadedModel model, LoadModel(files));
  auto predictor = std::make_unique<XgbPredictor>(std::move(model));
  EASEL_RETURN_IF_ERROR(predictor->WarmUp());
  return std::unique_ptr<TabularPredictor>(std::move(predictor));
}

Result<std::vector<float>> Contributions(const ModelFiles& files,
                                         const data::transforms::FeatureMatrix& x) {
  EASEL_ASSIGN_OR_RETURN(LoadedModel model, LoadModel(files));
  const ModelDescriptor& d = model.descriptor;
  EASEL_RETURN_IF_ERROR(CheckFeatures(x, d.feature_names.size(), "input"));
  if (x.rows == 0) return std::vector<float>{};
  EASEL_ASSIGN_OR_RETURN(DMatrix m, DMatrix::FromFeatures(x, 0));
  EASEL_ASSIGN_OR_RETURN(Prediction p, model.booster.Predict(m, PredictType::kContributions));
  const size_t expected = x.rows * d.num_groups() * (x.cols + 1);
  if (p.values.size() != expected) {
    return Internal(
        fmt::format("xgboost returned {} SHAP values, not {}", p.values.size(), expected));
  }
  return std::move(p.values);
}

}  // namespace easel::train::xgboost
