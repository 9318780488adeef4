#pragma once
// The optimizer settings every torch_* trainer exposes, as plain data (no LibTorch), so
// parameter parsing compiles without torch headers. optim.h turns them into an optimizer.

#include <cstdint>
#include <string>

namespace easel::train::torch_util {

struct OptimConfig {
  std::string optimizer = "adamw";  // "sgd" | "adamw"
  double lr = 1e-3;
  double weight_decay = 0.0;        // L2 for sgd, decoupled decay for adamw
  double momentum = 0.9;            // sgd only
  bool nesterov = false;            // sgd only; needs momentum > 0
  std::string schedule = "cosine";  // "cosine" | "step" | "constant"
  int64_t step_size = 10;           // "step": epochs between decays
  double gamma = 0.1;               // "step": decay factor
  int64_t warmup_epochs = 0;        // linear warmup before the schedule
};

}  // namespace easel::train::torch_util
