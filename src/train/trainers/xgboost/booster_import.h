#pragma once
// Opening an uploaded XGBoost model in its JSON format (Booster.save_model("m.json")) for an
// import. It runs inside `easel model-check`, the child process the server starts for each
// import (models/model_check.h), so a file that crashes XGBoost crashes only that child.

#include <filesystem>

#include "common/json.h"
#include "common/status.h"
#include "train/trainer_api.h"

namespace easel::train::xgboost {

// Loads the booster at `path` with XGBoost and answers {signature, info}:
// - signature.inputs: one FP32 input of shape [-1] per feature, named by the model's
//   feature_names when it has them, else f0..fN-1 (XGBoosterGetNumFeature);
// - signature.outputs: what XGBoost predicts for the objective: "probability" (binary:logistic),
//   "margin" (binary:logitraw), "probabilities" [-1, classes] (multi:softprob), "label"
//   (multi:softmax, binary:hinge), "score" (rank:*), else "prediction";
// - info: {objective, num_class, num_features, rounds, booster, task (binary, multiclass,
//   regression or other: a hint from the objective), xgboost_version}.
// The model must also predict one row of missing values. The text is checked to be a JSON
// object nested at most 32 deep before XGBoost's recursive reader sees it. INVALID_ARGUMENT
// with a sentence (no path, no XGBoost source location) for anything XGBoost cannot use.
// Never throws.
Result<Json> CheckBoosterJsonFile(const std::filesystem::path& path);

// An imported booster as the xgboost model loader reads a trained one (for serving it).
struct TrainedForm {
  Task task = Task::kRegression;
  std::vector<std::string> classes;  // empty for a regressor
  ModelFiles files;                  // booster.json, model.json and pipeline.json
};

// The booster `booster_json`, imported with `info` (CheckBoosterJsonFile's), as a trained model
// whose features are `feature_names`: the task whose objective it has (ObjectiveFor), the
// descriptor of that task, and a pipeline that passes the features through. The classes are
// `classes` when it names one per class, else the class ids "0", "1", …. FAILED_PRECONDITION
// for an objective easel does not train, or features that are not the booster's count.
Result<TrainedForm> AsTrainedModel(const std::string& booster_json, const Json& info,
                                   const std::vector<std::string>& feature_names,
                                   const std::vector<std::string>& classes);

}  // namespace easel::train::xgboost
