#pragma once
// What a portfolio search (automl) registers once its trials are done: the best trial's model,
// or a weighted ensemble of the best trials' models, each optionally refit on train +
// validation.
//
// 1. Ensemble (spec.ensemble): up to 4 complete trials of each algorithm, its best and those
//    that differ most from them (ensemble_candidates.h), are judged on predictions they did
//    not train on:
//    5-fold cross-validation over train + validation for tables up to 5,000 rows (each fold
//    fitted in this job, for the epochs the trial kept), else the validation split. Greedy
//    selection with replacement (train/ensemble.h) weighs them; one member left means the best
//    trial alone. A classifier judged on out-of-fold predictions is stacked instead (a logistic
//    regression over every candidate's log probabilities) when cross-validating the two ways
//    of combining them says stacking predicts better. The choice is the job's checkpoint, so a
//    re-queued job keeps it instead of choosing again from refit models that have seen the
//    validation rows.
// 2. Refit (spec.refit): each member retrains as an `hpo_trial` child with train_on_validation,
//    for the epochs (boosting rounds) its early stopping kept. Refits still running at the
//    deadline are cancelled; those members keep their trial's model.
// 3. Several members are packed into one "ensemble" (or "image_ensemble") version and evaluated
//    on the evaluation split as any trained model is.

#include <cstdint>
#include <vector>

#include "automl/hpo_spec.h"
#include "automl/study_store.h"
#include "common/json.h"
#include "common/status.h"
#include "models/model_store.h"
#include "train/algorithms.h"

namespace easel::jobs {
class JobContext;
}  // namespace easel::jobs

namespace easel::automl {

struct FinalModel {
  models::NewModelVersion version;  // ready to register; the caller adds the study's lineage
  // {"members": [{"trial", "algorithm", "weight", "refit"}], and when candidates were compared:
  // "selected_on", "rows", "metric" (log_loss or mse), "loss", "best_single_loss",
  // "candidates": [{"trial", "algorithm", "loss"}], each compared trial's own loss there,
  // "combiner" ("weighted_average" or "stacking") and, when both were cross-validated,
  // "combiners": {"weighted_average", "stacking"}, their log losses}.
  Json summary;
};

// `best` is the study's best trial. CANCELLED when the job is cancelled while refits run.
Result<FinalModel> BuildFinalModel(const train::AlgorithmRegistry& algorithms,
                                   jobs::JobContext& ctx, const HpoSpec& spec, const Study& study,
                                   const std::vector<Trial>& trials, const Trial& best,
                                   int64_t deadline_ms);

}  // namespace easel::automl
