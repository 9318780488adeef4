#pragma once
// Optimizers, learning-rate schedules and optimizer state as safetensors, shared by the torch_*
// trainers so every trainer exposes the same optimizer parameters.

#include <torch/optim/optimizer.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "train/trainers/torch_common/optim_config.h"

namespace easel::train::torch_util {

// INVALID_ARGUMENT naming the field for unknown names or out-of-range numbers (lr must be > 0,
// weight_decay >= 0, momentum in [0, 1), gamma in (0, 1], step_size >= 1, warmup_epochs >= 0).
Status ValidateOptimConfig(const OptimConfig& c);

// A new optimizer over `params` at c.lr. Validates `c` first. Never throws.
Result<std::unique_ptr<torch::optim::Optimizer>> MakeOptimizer(std::vector<at::Tensor> params,
                                                               const OptimConfig& c);

// The learning rate for `epoch` (0-based) of `epochs`: during the first warmup_epochs it rises
// linearly, lr * (epoch + 1) / (warmup_epochs + 1); afterwards, with t epochs since warmup and
// T = epochs - warmup_epochs, "cosine" is lr * (1 + cos(pi * t / T)) / 2 (decaying towards 0),
// "step" is lr * gamma^floor(t / step_size), "constant" is lr. A pure function of its inputs,
// so a resumed run computes the same rates without saving scheduler state.
double LearningRateAt(const OptimConfig& c, int64_t epoch, int64_t epochs);

// Sets the learning rate of every parameter group.
void SetLearningRate(torch::optim::Optimizer& opt, double lr);

// The optimizer's per-parameter state as safetensors, keyed by the index of the parameter in
// `params` (the same vector, in the same order, that built the optimizer): SGD
// "<i>.momentum_buffer"; AdamW "<i>.step" (I64 scalar), "<i>.exp_avg", "<i>.exp_avg_sq" and
// "<i>.max_exp_avg_sq" when amsgrad. Metadata names the optimizer kind and the parameter count.
// Parameters without state yet (never stepped) are left out. INVALID_ARGUMENT for other optimizer
// classes.
Result<std::string> SaveOptimizerState(const torch::optim::Optimizer& opt,
                                       const std::vector<at::Tensor>& params);

// Replaces opt's state with the one saved by SaveOptimizerState, each tensor on its
// parameter's device and dtype. INVALID_ARGUMENT when the bytes are damaged or were saved for
// another optimizer kind, parameter count or parameter shape; opt is unchanged then.
Status LoadOptimizerState(torch::optim::Optimizer& opt, const std::vector<at::Tensor>& params,
                          std::string_view bytes);

}  // namespace easel::train::torch_util
