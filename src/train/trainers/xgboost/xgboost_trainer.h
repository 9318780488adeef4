#pragma once
// The `xgboost` trainer: gradient-boosted trees for tabular binary, multiclass and regression
// tasks, through XGBoost's C API (CPU). No XGBoost type appears here.
//
// Model files (ModelFiles) a Train returns:
//   model.json       {"format": "xgboost", "task": "binary|multiclass|regression",
//                     "num_features", "feature_names", "classes", "best_iteration",
//                     "num_rounds", "rounds_trained"}: best_iteration is the 0-based round the
//                     model ends with (the best validation round under early stopping, else the
//                     last), num_rounds the rounds booster.json holds (best_iteration + 1),
//                     rounds_trained how many ran.
//   booster.json     XGBoost's own JSON model, loadable by any XGBoost >= 1.7 (xgb.Booster(
//                     model_file=...)); binary models predict P(class 1).
//   importance.json  {"gain"|"weight"|"cover"|"total_gain": {feature name: score}}, XGBoost's
//                     definitions, every feature listed (0 when no split uses it).
//   shap.json        TreeSHAP summary on the test split (val, or train, when it is empty):
//                     evenly spaced rows, 2000 for small models and fewer (down to 100) for
//                     big ones, so that it costs about half a second of CPU. {"split", "rows",
//                     "output": "log_odds" | "class_margin" | "value", "base_value" (number;
//                     per class for multiclass), "features": [{"feature", "mean_abs",
//                     "per_class"?}] sorted by mean_abs descending}. mean_abs is the mean
//                     |SHAP value| of the feature; for multiclass the sum of the per-class means.

#include <cstdint>
#include <memory>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "data/transforms/types.h"
#include "train/trainer_api.h"

namespace easel::train::xgboost {

// {"type": "object", "properties": {name: {"type", "default", "minimum"|"exclusiveMinimum",
// "maximum", "enum"?, "description"}}} for n_estimators, max_depth, learning_rate,
// min_child_weight, subsample, colsample_bytree, reg_lambda, reg_alpha, gamma, max_bin,
// tree_method, early_stopping_rounds, scale_pos_weight (XGBoost's meanings and defaults).
Json ParamsSchema();

// Trains a booster on problem.train, evaluating train and val after every round
// (hooks.ReportEpoch: logloss / mlogloss / rmse as losses, val accuracy or RMSE as val_metric).
// With val rows and early_stopping_rounds > 0 it stops after that many rounds without a lower
// val loss and keeps the trees up to the best round.
//
// `params` are resolved (every parameter present). resources.device "cpu"; "cuda" answers
// FAILED_PRECONDITION (this XGBoost build has no CUDA); resources.threads 0 uses every core.
//
// Checkpoints go to hooks.SaveCheckpoint at most every few seconds (so their cost stays
// small) and when the run is cancelled; hooks.LoadCheckpoint resumes a run. A resumed run
// returns byte-for-byte the files an uninterrupted run with the same problem, params, seed and
// thread count returns, row and column sampling included. (A resumed run keeps the thread
// count it started with: XGBoost's results depend on it.)
//
// Errors: INVALID_ARGUMENT for bad params or data (empty train split, labels that are not
// class indices or are missing, a feature count that differs from feature_names, infinite
// features); CANCELLED once hooks.cancelled() (after saving a checkpoint); FAILED_PRECONDITION
// for a checkpoint of a different run; DATA_LOSS for an unreadable checkpoint; INTERNAL for an
// XGBoost failure, with XGBoost's message.
//
// Two runs in one process at once may perturb each other's sampling (XGBoost's random
// generator is global); easel runs every job in its own process.
Result<ModelFiles> Train(const TabularProblem& problem, const Json& params, uint64_t seed,
                         const Resources& resources, TrainHooks& hooks);

// Loads the files Train returned. INVALID_ARGUMENT when model.json or booster.json is
// malformed or inconsistent (booster.json is checked structurally before XGBoost reads it, so
// a corrupt or hostile file cannot make prediction read out of bounds). The predictor is
// thread-safe: XGBoost's in-place prediction keeps its output per thread.
Result<std::unique_ptr<TabularPredictor>> Load(const ModelFiles& files);

// TreeSHAP values of the rows of `x` (NaN: missing): row-major rows x outputs x (cols + 1),
// outputs = 1 for binary (log-odds of class 1) and regression, num_classes for multiclass
// (each class's margin); the last entry of each row/output is the bias. Each row/output sums
// to the model's margin for that row. INVALID_ARGUMENT as Load, or when x.cols differs from
// the model's feature count.
Result<std::vector<float>> Contributions(const ModelFiles& files,
                                         const data::transforms::FeatureMatrix& x);

}  // namespace easel::train::xgboost
