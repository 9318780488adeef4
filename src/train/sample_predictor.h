#pragma once
// A registered classifier ready to score samples of a dataset version, for pre-labeling and
// batch scoring: image samples go through the image model's own pipeline, record samples
// through the tabular pipeline stored with the model.

#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "data/datasets.h"
#include "data/sample.h"
#include "models/model_store.h"
#include "store/blob_store.h"
#include "train/algorithms.h"

namespace easel::train {

struct SamplePredictor {
  std::vector<std::string> classes;
  // Probabilities, row-major samples.size() x classes.size(). Safe to call from one thread at
  // a time per predictor; the blob store must outlive it.
  std::function<Result<std::vector<float>>(const std::vector<data::Sample>& samples)> predict;
};

// FAILED_PRECONDITION for a regression model or a model of another kind of data than the
// version's; INVALID_ARGUMENT when a record version's columns differ from the model's.
Result<SamplePredictor> LoadSamplePredictor(const AlgorithmRegistry& algorithms,
                                            store::BlobStore& blobs,
                                            const models::ModelVersion& model,
                                            const data::Dataset& dataset,
                                            const data::DatasetVersion& version);

}  // namespace easel::train
