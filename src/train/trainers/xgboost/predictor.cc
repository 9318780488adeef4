// Load and Contributions: a stored model back as a predictor, and its SHAP values.

#include <fmt/format.h>

#include "train/trainers/xgboost/booster_check.h"
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

class XgbPredictor : public TabularPredictor {
 public:
  explicit XgbPredictor(LoadedModel model) : m_(std::move(model)) {}

  // Configures the booster (XGBoost does so lazily on first use, unguarded against a second
  // thread reading the flag), so that Predict only ever reads it.
  Status WarmUp() {
    data::transforms::FeatureMatrix one{1, m_.descriptor.feature_names.size(), {}};
    one.data.assign(one.cols, NAN);
    return Predict(one).status();
  }

  Result<std::vector<float>> Predict(const data::transforms::FeatureMatrix& x) const override {
    EASEL_RETURN_IF_ERROR(CheckFeatures(x, m_.descriptor.feature_names.size(), "input"));
    if (x.rows == 0) return std::vector<float>{};
    EASEL_ASSIGN_OR_RETURN(Prediction p, m_.booster.PredictDense(x, PredictType::kValue));
    const size_t groups = m_.descriptor.num_groups();
    if (p.values.size() != x.rows * groups) {
      return Internal(fmt::format("xgboost returned {} predictions for {} rows x {}",
                                  p.values.size(), x.rows, groups));
    }
    if (m_.descriptor.task != Task::kBinary) return std::move(p.values);
    std::vector<float> out(x.rows * 2);
    for (size_t r = 0; r < x.rows; ++r) {
      out[2 * r] = 1.0f - p.values[r];
      out[2 * r + 1] = p.values[r];
    }
    return out;
  }

  size_t num_outputs() const override {
    return m_.descriptor.task == Task::kBinary ? 2 : m_.descriptor.num_groups();
  }

 private:
  LoadedModel m_;
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
