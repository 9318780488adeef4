#pragma once
// The `train` job kind: trains one algorithm on a dataset version and registers the result as
// a new model version, evaluated on the test split, with full lineage.
//
// Spec (API.md "Jobs"):
//   {algorithm, dataset: {name, version: 3 | "latest"}, target?, task?, params?, transforms?,
//    resources?: {device: "cpu" | "cuda" | "cuda:N", threads?}, model_name?, description?,
//    seed?, parent?: {model, version}, train_on_validation?: false}
//  - target: the column to predict (tabular datasets); task: binary | multiclass |
//    classification | regression (inferred from the target when absent).
//  - params: the algorithm's parameters (GET /api/v1/algorithms); defaults fill the rest.
//  - transforms: a transform pipeline spec for tabular data (docs/transforms.md); default: a
//    pipeline derived from the column statistics.
//  - model_name: default "<dataset>-<algorithm>"; seed: default 0; parent: a version of an
//    image classifier to fine-tune from (its weights initialise the new model).
//  - train_on_validation: the validation split joins the training data (a final refit with an
//    epoch count found earlier); the tabular pipeline is still fitted on the train split alone.
// Result: {model, version, metrics, evaluation_split}.
//
// A retried attempt resumes from the trainer's last checkpoint; an attempt that follows a
// crash after registration answers the registered version instead of registering twice.

#include <string>

#include "jobs/job_kind.h"
#include "models/model_store.h"
#include "train/algorithms.h"

namespace easel::jobs {
class JobContext;
}  // namespace easel::jobs

namespace easel::train {

// `algorithms` must outlive the job kind registry.
jobs::JobKind TrainJobKind(const AlgorithmRegistry& algorithms);

// The parts of the kind, for job kinds that run train specs of their own (a search's trials).
//
// INVALID_ARGUMENT naming the field for a spec the train kind would reject.
Status ValidateTrainSpec(const AlgorithmRegistry& algorithms, const Json& spec);
// What the spec refers to exists in the project (dataset version, target column, parent).
Status CheckTrainSpec(const AlgorithmRegistry& algorithms, const Json& spec, store::Database& db,
                      const std::string& project_id);

// A finished run that is not registered yet: `version` is complete (files and the evaluation
// document are already in the blob store, not yet referenced by anything).
struct TrainedVersion {
  std::string model_name;
  models::NewModelVersion version;
};
// Trains and evaluates `spec` inside the job of `ctx` (its checkpoints, metrics and log),
// without registering. The errors of the train kind.
Result<TrainedVersion> TrainForJob(const AlgorithmRegistry& algorithms, jobs::JobContext& ctx,
                                   const Json& spec);

}  // namespace easel::train
