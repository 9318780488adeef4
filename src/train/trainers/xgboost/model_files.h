#pragma once
// The files of a trained model besides booster.json: easel's descriptor (model.json), feature
// importance and the SHAP summary. Formats: xgboost_trainer.h.

#include <string>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "data/transforms/types.h"
#include "train/trainer_api.h"
#include "train/trainers/xgboost/xgb_api.h"

namespace easel::train::xgboost {

struct ModelDescriptor {
  Task task = Task::kRegression;
  std::vector<std::string> feature_names;
  std::vector<std::string> classes;
  int best_iteration = 0;
  int num_rounds = 0;
  int rounds_trained = 0;

  // XGBoost's output groups: num_classes for multiclass, else 1.
  size_t num_groups() const { return task == Task::kMulticlass ? classes.size() : 1; }
};

Json DescriptorToJson(const ModelDescriptor& d);
// INVALID_ARGUMENT naming the field that is missing, of the wrong type or inconsistent.
Result<ModelDescriptor> DescriptorFromJson(const Json& j);

Result<Json> ImportanceJson(const Booster& booster, const std::vector<std::string>& names);

// Rows of `x` at most `max_rows`, evenly spaced, first row included.
data::transforms::FeatureMatrix SampleRows(const data::transforms::FeatureMatrix& x,
                                           size_t max_rows);

// How many rows a SHAP summary of the model in `booster_json` explains: TreeSHAP costs each
// row about the sum over trees of leaves x depth^2, so big models get fewer rows (2000 for
// small models, down to 100), keeping the summary near half a second of one core (measured:
// ~9 ns per unit, 2000 rows of 100 depth-6 trees took 4 s). A function of the model only, so
// repeated and resumed runs write the same shap.json.
size_t ShapRows(std::string_view booster_json);

// SHAP summary of `booster` on the rows of `x`, taken from split `split_name`.
Result<Json> ShapSummaryJson(const Booster& booster, const ModelDescriptor& d,
                             const data::transforms::FeatureMatrix& x,
                             const std::string& split_name, int threads);

}  // namespace easel::train::xgboost
