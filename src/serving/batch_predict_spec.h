#pragma once
// The spec of a `batch_predict` job (batch_predict_kind.h describes it) and what it refers to:
// parsed without side effects at submit time, resolved against the project's registry at submit
// time (a missing model is the submit's 404) and again by each attempt.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "data/datasets.h"
#include "models/model_ref.h"
#include "serving/backend.h"
#include "serving/batch_predict_output.h"
#include "store/artifacts.h"
#include "train/algorithms.h"

namespace easel::serving {

inline constexpr int64_t kDefaultBatchSize = 1024;
inline constexpr int64_t kMaxBatchSize = 65536;
inline constexpr size_t kMaxKeptColumns = 256;

struct BatchPredictSpec {
  models::ModelRef model;
  std::string dataset;  // empty: the input is `artifact`
  std::string dataset_version = "latest";
  std::string artifact;
  OutputFormat format = OutputFormat::kCsv;
  std::string split = "all";
  int64_t batch_size = kDefaultBatchSize;
  std::string output_name;  // empty: named after the model version
  // Columns of the input copied to each output line as they were read (an id the model does
  // not read, the true label...): table rows only.
  std::vector<std::string> keep_columns;
};

// INVALID_ARGUMENT with details {field} naming what is wrong.
Result<BatchPredictSpec> ParseBatchPredictSpec(const Json& spec);

struct BatchPredictTargets {
  models::ModelVersion model;
  bool images = false;  // the model reads images
  std::optional<data::Dataset> dataset;
  std::optional<data::DatasetVersion> version;
  std::optional<store::Artifact> artifact;
};

// NOT_FOUND for a model, version, dataset, dataset version or artifact that does not exist;
// FAILED_PRECONDITION for a model format no backend serves; INVALID_ARGUMENT for a model that
// cannot read the input (an imported model, images against table rows or the other way round),
// or kept columns of an image model or that a dataset version lacks.
Result<BatchPredictTargets> ResolveBatchPredict(const train::AlgorithmRegistry& algorithms,
                                                const BackendRegistry& backends,
                                                store::Database& db, const std::string& project_id,
                                                const BatchPredictSpec& spec);

}  // namespace easel::serving
