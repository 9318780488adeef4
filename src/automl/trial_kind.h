#pragma once
// The `hpo_trial` job kind: one trial of a study, submitted by the study's job as its child.
// Spec: {study, number, train: {a train spec with the trial's params}, refit?: false}. It trains
// and evaluates like the train kind (same checkpoints, resume, metric series, cancel), then keeps
// the model with the trial instead of registering it: the study registers only its best.
// A refit (train.train_on_validation set) retrains a finished trial on train + validation and
// replaces the model the trial kept.
// Result: {study, number, refit, metrics}.

#include "jobs/job_kind.h"
#include "train/algorithms.h"

namespace easel::automl {

inline constexpr const char* kTrialKind = "hpo_trial";

// `algorithms` must outlive the job kind registry.
jobs::JobKind TrialJobKind(const train::AlgorithmRegistry& algorithms);

}  // namespace easel::automl
