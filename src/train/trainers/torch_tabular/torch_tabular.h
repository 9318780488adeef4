#pragma once
// LibTorch trainers for tabular data: `linear` (logistic / softmax / linear regression) and
// `mlp` (a multilayer perceptron). Easel types only: LibTorch stays inside this folder's .cc
// files (DESIGN.md §4).
//
// Both train on the transformed feature matrix of a TabularProblem, standardize features (and
// regression targets) internally with statistics of the training rows, report every epoch,
// checkpoint at every epoch boundary and resume bit-identically on CPU from the last
// checkpoint, stop early on the validation loss (restoring the best epoch's weights) and stop
// with CANCELLED within a batch of hooks.cancelled() turning true.
//
// Model files: "model.json" ({"format": "torch_tabular", "version": 1, "arch", "task",
// "num_features", "feature_names", "classes", "num_outputs", "hidden_layers", "activation",
// "dropout", "batch_norm", "feature_mean", "feature_std", "target_mean", "target_std",
// "params", "seed", "epochs_trained", "best_epoch"}) and "weights.safetensors" (the network's
// state dict).

#include <cstdint>
#include <memory>

#include "common/json.h"
#include "common/status.h"
#include "train/trainer_api.h"

namespace easel::train::torch_tabular {

// Parameter schemas: {"type": "object", "properties": {name: {"type", "default", "minimum",
// "maximum", "enum", "items", "description"}}}. Used to validate requests and draw forms.
Json LinearParamsSchema();
Json MlpParamsSchema();

// Trains a model. `params` is validated against the schema: unknown names, wrong types and
// out-of-range values answer INVALID_ARGUMENT naming the parameter. Also INVALID_ARGUMENT for an
// inconsistent problem (shapes, labels outside the classes, fewer than 2 classes, no training
// rows) and for missing values ("feature 'x' has missing values; add an impute step").
// FAILED_PRECONDITION when resources.device is cuda and none is available. CANCELLED when the
// hooks ask. Same problem, params, seed and thread count on CPU → byte-identical files.
Result<ModelFiles> TrainLinear(const TabularProblem& problem, const Json& params, uint64_t seed,
                               const Resources& resources, TrainHooks& hooks);
Result<ModelFiles> TrainMlp(const TabularProblem& problem, const Json& params, uint64_t seed,
                            const Resources& resources, TrainHooks& hooks);

// Loads files written by TrainLinear or TrainMlp for CPU inference. INVALID_ARGUMENT when a
// file is missing or damaged.
Result<std::unique_ptr<TabularPredictor>> Load(const ModelFiles& files);

}  // namespace easel::train::torch_tabular
