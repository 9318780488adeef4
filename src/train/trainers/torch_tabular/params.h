#pragma once
// The parameters of the `linear` and `mlp` trainers: their schemas, and turning a request's
// params JSON into a validated TabularConfig. No LibTorch.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "train/trainers/torch_common/optim_config.h"

namespace easel::train::torch_tabular {

enum class Arch { kLinear, kMlp };
std::string_view ArchName(Arch arch);  // "linear" | "mlp"

struct TabularConfig {
  Arch arch = Arch::kLinear;
  int64_t epochs = 100;
  int64_t batch_size = 64;
  int64_t early_stopping_patience = 10;  // 0: off
  bool standardize = true;
  torch_util::OptimConfig optim;
  // mlp only.
  std::vector<int64_t> hidden_layers;
  std::string activation = "relu";  // "relu" | "gelu" | "tanh"
  double dropout = 0.0;
  bool batch_norm = false;
  double label_smoothing = 0.0;  // classification only
};

Json ParamsSchema(Arch arch);

// The parameters resolved against ParamsSchema(arch) (train/params.h: defaults fill what is not
// given), then the typed config (`resolved` receives the resolved JSON for model.json).
Result<TabularConfig> ParseConfig(Arch arch, const Json& params, Json* resolved);

}  // namespace easel::train::torch_tabular
