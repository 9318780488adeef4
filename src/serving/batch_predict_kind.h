#pragma once
// The `batch_predict` job kind: runs a registered model version over a dataset version (one
// split or all) or an uploaded CSV / JSON-lines file, and stores one output line per input row
// as a new artifact (CSV or JSON lines). Rows go through the serving backends (Prepare, then
// Execute), so a batch prediction equals the online prediction of the same row.
//
// Spec: {model: "name" | "name@version", version?: number | "latest" | alias, dataset?: {name,
// version?}, artifact?: id, output_format?: "csv" | "jsonl", split?: "all" | "train" | "val" |
// "test", batch_size?: 1..65536, output_name?}; exactly one of dataset and artifact.
// Result: {artifact_id, output_name, rows, model, version, output_format, dataset?, split?,
// input_artifact?}.
//
// Resumable: the output grows in the job's work dir by whole batches, each synced to disk and
// followed by a checkpoint {rows_done, bytes}. An attempt after a crash cuts the file back to
// the checkpoint's bytes and skips the rows it counts, so no row is written twice. The version
// and dataset version that "latest" or an alias meant are pinned by the first attempt, and the
// artifact is created once even when an attempt dies right after creating it.

#include "jobs/job_kind.h"
#include "serving/backend.h"
#include "train/algorithms.h"

namespace easel::serving {

// `algorithms` and `backends` must outlive the job kind registry.
jobs::JobKind BatchPredictJobKind(const train::AlgorithmRegistry& algorithms,
                                  const BackendRegistry& backends);

}  // namespace easel::serving
