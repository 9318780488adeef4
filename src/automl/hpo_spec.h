#pragma once
// The spec of an `hpo` job: a train spec (the fixed part of every trial) plus what to search.
//
//   {algorithm, dataset: {name, version}, target?, task?, params?, transforms?, resources?,
//    model_name?, description?, seed?,                      ← as the train kind (train_kind.h)
//    search_space: {param: domain},                         ← automl/search_space.h
//    objective?: {metric: "val_loss", direction?: "minimize" | "maximize"},
//    sampler?: {type: "tpe", ...},                          ← automl/sampler.h (default tpe)
//    scheduler?: {type: "asha", ...},                       ← automl/scheduler.h (default none)
//    max_trials?: 20, max_concurrent_trials?: 2, time_budget_s?}
//
// `params` holds the values every trial shares; a searched parameter may not also be fixed.
// The objective is a metric series the trials' trainer reports each epoch or boosting round:
// "val_loss", "val_accuracy" (classification), "val_rmse" (regression) or "train_loss". Its
// direction defaults to maximize for accuracy and minimize otherwise. A trial's value is that
// of the model it delivers (TrialFinalValue).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "automl/search_space.h"
#include "common/json.h"
#include "common/status.h"
#include "train/algorithms.h"

namespace easel::automl {

struct Objective {
  std::string metric = "val_loss";
  bool maximize = false;
  // Values as samplers and schedulers take them: minimized.
  double Minimized(double v) const { return maximize ? -v : v; }
  Json ToJson() const;
};

struct HpoSpec {
  Json train;  // the train spec of a trial, before its sampled params are merged in
  std::optional<SearchSpace> space;
  Objective objective;
  Json sampler = {{"type", "tpe"}};
  Json scheduler = {{"type", "none"}};
  int64_t max_trials = 20;
  int64_t max_concurrent_trials = 2;
  std::optional<int64_t> time_budget_s;
  uint64_t seed = 0;
  std::string model_name;  // where the best trial's model is registered

  // A portfolio search (automl): the space has a categorical "algorithm" and each algorithm's
  // parameters as "<algorithm>.<param>", active only for that algorithm; `portfolio_fixed`
  // holds each algorithm's fixed params. Schedulers compare a trial only with trials of the
  // same algorithm (their steps mean different things).
  bool portfolio = false;
  std::map<std::string, Json> portfolio_fixed;
  // Assignments tried before the sampler proposes any: trial i of the first
  // initial_points.size() takes initial_points[i] (automl: each algorithm's defaults).
  std::vector<Json> initial_points;

  // CPU threads each trial gets when the spec's resources do not say: the machine's cores
  // shared among the trials that run at once (0: the trainer's default, all cores). Trials that
  // each use every core fight over them, and LibTorch's and XGBoost's spinning thread pools
  // then run several times slower.
  int trial_threads = 0;

  // What a portfolio search registers (automl): with `ensemble`, a weighted ensemble of the best
  // trials' models chosen greedily on validation predictions; with `refit`, each model retrained
  // on train + validation for the epochs early stopping found. A refit search stops starting
  // trials at kSearchShareWithRefit of its budget, leaving the rest to the refits.
  bool ensemble = false;
  bool refit = false;
  // Whether an ensemble chosen on out-of-fold predictions is stacked (final_model.h): "auto"
  // (when stacking cross-validates better), "always" or "never".
  std::string stacking = "auto";
  static constexpr double kSearchShareWithRefit = 0.8;

  // The train spec of a trial with `assignment` (sampled params) merged over the fixed ones.
  Json TrialTrainSpec(const Json& assignment) const;
  // The spec with every default filled in (what the study stores and shows).
  Json ToJson() const;
};

// True when the trainer keeps the epoch (or boosting round) with the lowest validation loss
// rather than the last one: early stopping is on (`early_stopping_rounds` of xgboost,
// `early_stopping_patience` of the LibTorch trainers, > 0 in the resolved params).
bool KeepsBestEpoch(const Json& resolved_params);

// `params` of a trial for its final refit on train + validation: the epoch (or boosting round)
// count set to `epochs` and early stopping off (there is nothing left to stop on).
Json RefitParams(const Json& params, int64_t epochs);

// The step (epoch) of a trial's lowest `val_loss` in its metric series ({name: [{step, value}]}),
// nullopt without one: the epoch a trainer that keeps its best epoch ends with.
std::optional<int64_t> BestEpoch(const Json& series);

// The minimized objective of a finished trial's model, from the job's metric series
// ({name: [{step, value}]}): at the step with the lowest `val_loss` when the trainer keeps the
// best epoch, else at the last step. nullopt when the objective was never reported.
std::optional<double> TrialFinalValue(const Json& series, const Objective& objective,
                                      bool keeps_best_epoch);

// Parses and validates; INVALID_ARGUMENT naming the field (search-space errors name the
// parameter, train-spec errors the train field).
Result<HpoSpec> ParseHpoSpec(const train::AlgorithmRegistry& algorithms, const Json& spec);

// The JSON-schema-like description of the spec shown by GET /api/v1/job-kinds.
Json HpoSpecSchema();

}  // namespace easel::automl
