#pragma once
// The explicit list of every job kind the server and its workers know (DESIGN.md §4: one list
// file, no static registration), and the built-in data formats those kinds and the API use.

#include "data/formats.h"
#include "jobs/job_kind.h"
#include "labeling/prelabel_model.h"
#include "serving/backend.h"
#include "train/algorithms.h"

namespace easel::server {

// Every built-in importer and exporter, registered on first use; shared read-only.
const data::Formats& BuiltinFormats();

// Every built-in training algorithm and model loader; shared read-only.
const train::AlgorithmRegistry& BuiltinAlgorithms();

// Every built-in serving backend (endpoints and batch predictions); shared read-only.
const serving::BackendRegistry& BuiltinBackends();

// Loads registered classifiers for the labeling module's pre-labels (labeling knows no models).
labeling::PrelabelModelLoader PrelabelLoader();

void RegisterJobKinds(jobs::JobKindRegistry& registry, bool enable_test_kinds);

}  // namespace easel::server
