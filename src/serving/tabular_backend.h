#pragma once
// The backends over easel's own model formats and imported ones (builtin_backends.cc registers
// them).

#include <memory>

#include "serving/backend.h"
#include "train/algorithms.h"

namespace easel::serving {

// A tabular model and its stored pipeline: requests carry raw column values (tabular_backend.cc
// lists the input forms). FAILED_PRECONDITION when the version has no pipeline.
Result<std::unique_ptr<Backend>> LoadTabularBackend(const train::ModelLoader& loader,
                                                    const models::ModelVersion& version,
                                                    const train::ModelFiles& files,
                                                    ModelMetadata metadata);

// An image classifier: requests carry encoded images (BYTES), which the model's own pipeline
// decodes and prepares.
Result<std::unique_ptr<Backend>> LoadImageBackend(const train::ModelLoader& loader,
                                                  const train::ModelFiles& files,
                                                  const train::Resources& resources,
                                                  ModelMetadata metadata);

// An imported TorchScript or ONNX model: one float tensor in, one out (tensor_backend.cc).
// FAILED_PRECONDITION when the file cannot be loaded or the signature does not give the
// input's dimensions beyond the batch.
Result<std::unique_ptr<Backend>> LoadTensorBackend(const models::ModelVersion& version,
                                                   const train::ModelFiles& files,
                                                   const train::Resources& resources,
                                                   ModelMetadata metadata);

}  // namespace easel::serving
