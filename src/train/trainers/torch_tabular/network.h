#pragma once
// The torch_tabular networks and their loss and output functions (LibTorch; only this folder's
// .cc files include it).

#include <torch/nn/modules/container/sequential.h>

#include "common/status.h"
#include "train/trainers/torch_tabular/model_config.h"

namespace easel::train::torch_tabular {

// linear: one Linear(num_features, num_outputs). mlp: for each hidden layer Linear →
// BatchNorm1d (batch_norm) → activation → Dropout (dropout > 0), then Linear to the outputs.
// State-dict names are the Sequential's indices ("0.weight"...), fixed by the config. Uses
// LibTorch's default initialization, so seed before calling. Never throws.
Result<torch::nn::Sequential> BuildNetwork(const ModelConfig& c);

// The mean training loss of network outputs `out` against targets `y`: softmax cross-entropy
// with label smoothing (multiclass, y int64 class indices), sigmoid binary cross-entropy with
// targets smoothed towards 1/2 (binary, y float 0/1), mean squared error (regression, y float,
// standardized). May throw c10::Error.
at::Tensor LossOf(Task task, const at::Tensor& out, const at::Tensor& y, double label_smoothing);

// Class probabilities (rows × classes; binary: P(class 0), P(class 1)) or, for regression, the
// standardized predictions (rows × 1). May throw c10::Error.
at::Tensor OutputsOf(Task task, const at::Tensor& out);

}  // namespace easel::train::torch_tabular
