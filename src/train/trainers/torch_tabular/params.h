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

// Checks `params` (an object or null) against `schema` and returns an object holding every
// parameter of the schema: the given value, or its default. INVALID_ARGUMENT naming the
// parameter for unknown names (listing the known ones), wrong types, values outside
// minimum/maximum or enum, and bad array items. An array parameter may also be given as a
// string holding a JSON array ("[64, 64]"), as command lines and forms send it.
Result<Json> ResolveParams(const Json& schema, const Json& params);

// ResolveParams, then the typed config (`resolved` receives the resolved JSON for model.json).
Result<TabularConfig> ParseConfig(Arch arch, const Json& params, Json* resolved);

}  // namespace easel::train::torch_tabular
