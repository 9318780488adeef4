#pragma once
// The `evaluate` job kind: evaluates a registered model version on any dataset version (the
// model's own stored pipeline prepares the rows; nothing is refitted) and records the
// evaluation with the version.
//
// Spec: {model, version: number | "latest" | alias, dataset: {name, version}, split?: "test"
// (default) | "val" | "train" | "all"}. Result: {evaluation_id, model, version, dataset:
// {name, version}, split, num_samples, metrics}.

#include "jobs/job_kind.h"
#include "train/algorithms.h"

namespace easel::train {

// `algorithms` must outlive the job kind registry.
jobs::JobKind EvaluateJobKind(const AlgorithmRegistry& algorithms);

}  // namespace easel::train
