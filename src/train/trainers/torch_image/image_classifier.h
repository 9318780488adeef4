#pragma once
// The `image_classifier` trainer: ResNet-18/34/50 and MobileNetV2 written in LibTorch's C++
// frontend with torchvision's module names, so a torchvision state dict saved as safetensors
// loads as initial weights. No LibTorch type crosses this header (DESIGN.md §4).
//
// What a trained model is (ModelFiles):
//  - "model.json": {"format": "torch_image", "arch", "width", "input_size", "channels",
//    "stem": "imagenet"|"cifar", "classes": [names], "pipeline": Pipeline::ToJson()};
//  - "weights.safetensors": the state dict (float32, torchvision names), metadata
//    {"format": "torch_image", "arch"}. It is also the export format: nothing else is needed to
//    use the weights elsewhere.
//
// Inputs smaller than 64 pixels use a CIFAR-style stem (ResNet: conv1 is 3×3 stride 1 and the
// max-pool is skipped; MobileNetV2: features.0 and the first 24-channel block use stride 1), so
// a 32×32 image keeps enough resolution. Module names stay torchvision's; only ResNet's conv1
// weight changes shape (3×3 instead of 7×7).

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "common/json.h"
#include "common/status.h"
#include "train/trainer_api.h"

namespace easel::train::torch_image {

// The trainer's parameters: {"type": "object", "properties": {name: {"type", "default",
// "minimum"?, "maximum"?, "enum"?, "description"}}}. Train rejects names not listed here.
// Initial weights are not a parameter: the job resolves them (e.g. from a model version) and
// passes their bytes to Train.
Json ParamsSchema();

// Trains on problem.train, validating on problem.val after every epoch (problem.test is left to
// the evaluator). `params` is an object of ParamsSchema's properties (null: all defaults).
//
// Reproducible on the CPU: the same problem, params, seed and thread count give the same
// weights bytes, whatever the number of decode workers (CUDA kernels may not be deterministic); a
// run resumed from hooks.LoadCheckpoint() gives the same weights as one that was never interrupted.
// A checkpoint is saved after every epoch.
//
// `initial_weights_safetensors` (optional) is a state dict with torchvision names. Tensors of
// the classification head (ResNet's "fc.", MobileNetV2's "classifier.1.") whose shape differs
// (another class count) are skipped and logged; any other missing, unexpected or mismatched
// tensor is INVALID_ARGUMENT naming it (another arch, width, channel count or stem).
//
// Errors: INVALID_ARGUMENT for bad params (naming the parameter), an empty train list, a label
// outside classes, or an image that does not decode (naming the sample id and path);
// FAILED_PRECONDITION when resources.device is unavailable ("cuda" on a CPU build/machine);
// CANCELLED within one batch of hooks.cancelled() turning true; INTERNAL for a LibTorch
// failure. Never throws. Uses resources.threads intra-op threads plus `workers` decode threads.
Result<ModelFiles> Train(
    const ImageProblem& problem, const Json& params, uint64_t seed, const Resources& resources,
    TrainHooks& hooks, std::optional<std::string_view> initial_weights_safetensors = std::nullopt);

// Loads a model written by Train, in eval mode on resources.device. INVALID_ARGUMENT for files
// that are missing, damaged or of another format. When resources.threads > 0 it also sets
// LibTorch's (process-wide) intra-op thread count; with 0 the process's setting is kept.
// The predictor is thread-safe: Predict runs the stored pipeline in inference mode and the
// forward pass under a no-grad guard, which only reads the module (eval-mode batch norm reads
// its running statistics), so several threads may predict at once without a lock.
Result<std::unique_ptr<ImagePredictor>> Load(const ModelFiles& files,
                                             const Resources& resources = {});

}  // namespace easel::train::torch_image
