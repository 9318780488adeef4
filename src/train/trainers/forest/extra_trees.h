#pragma once
// The `extra_trees` trainer: a forest of extremely randomized trees (forest/grow.h) for tabular
// binary, multiclass and regression tasks, written for easel (no library).
//
// Each tree grows on a bootstrap sample of the training rows (max_samples of them, by default
// as many as there are), so every row has trees that never
// saw it; their averaged prediction (out-of-bag) is an honest estimate of the forest's error
// that needs no validation rows. Classification forests calibrate on it: averaged leaf
// frequencies are under-confident, and a power p^T (renormalized) with T fitted to minimize
// the out-of-bag log loss makes them proper probabilities, so a forest can stand in a
// log-loss-weighted ensemble beside linear models and boosted trees.
//
// Model files a Train returns:
//   model.json  {"format": "extra_trees", "version": 2, "task", "feature_names", "classes",
//                "num_outputs", "trees", "calibration_power" (1 for regression), "oob": {"rows",
//                "log_loss", "accuracy"} or {"rows", "rmse"}}
//   trees.safetensors  the trees (forest/forest_model.h); leaves hold class frequencies or
//                      means.

#include <memory>

#include "common/json.h"
#include "common/status.h"
#include "train/trainer_api.h"

namespace easel::train::forest {

// n_estimators, max_features, min_samples_leaf, max_depth, max_samples, with their meanings
// and defaults.
Json ParamsSchema();

// Grows params.n_estimators trees on problem.train with resources.threads threads (0: every
// core). Reports ten epochs, each after a tenth of the trees: train_loss is the out-of-bag
// loss so far, val_loss the validation loss (log loss, or RMSE for regression), val_metric
// the validation accuracy (or RMSE). A tree depends only on the seed and its index, so the
// files are the same for any thread count, and a resumed run (checkpoints: the trees grown so
// far, saved every few seconds and when cancelled) returns the files an uninterrupted run
// returns.
//
// Errors: INVALID_ARGUMENT for params the schema refuses (train/params.h), an empty train split, a
// feature count that differs from feature_names, infinite features, labels that are not class
// indices or values that are not finite; CANCELLED once hooks.cancelled() (after saving a
// checkpoint); FAILED_PRECONDITION for a checkpoint of a different run; DATA_LOSS for an unreadable
// one; "cuda" devices are FAILED_PRECONDITION.
Result<ModelFiles> Train(const TabularProblem& problem, const Json& params, uint64_t seed,
                         const Resources& resources, TrainHooks& hooks);

// Loads the files Train returned; INVALID_ARGUMENT when model.json or trees.safetensors is
// malformed or the two disagree. The predictor is thread-safe and takes NaN as a missing value.
Result<std::unique_ptr<TabularPredictor>> Load(const ModelFiles& files);

}  // namespace easel::train::forest
