#pragma once
// What model.json records about a torch_tabular model: enough to rebuild the network and to
// prepare inputs and outputs exactly as training did. No LibTorch.

#include <cstdint>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "train/trainer_api.h"
#include "train/trainers/torch_tabular/params.h"

namespace easel::train::torch_tabular {

inline constexpr std::string_view kFormat = "torch_tabular";
inline constexpr int64_t kFormatVersion = 1;

struct ModelConfig {
  Arch arch = Arch::kLinear;
  Task task = Task::kMulticlass;
  std::vector<std::string> feature_names;
  std::vector<std::string> classes;
  int64_t num_outputs = 0;  // network outputs: classes, or 1 for binary (a logit) and regression
  std::vector<int64_t> hidden_layers;
  std::string activation = "relu";
  double dropout = 0.0;
  bool batch_norm = false;
  std::vector<float> feature_mean;  // inputs are (x - mean) / std
  std::vector<float> feature_std;
  double target_mean = 0.0;  // regression: outputs are y * std + mean
  double target_std = 1.0;

  size_t num_features() const { return feature_names.size(); }
};

// The network outputs a task needs for `num_classes` classes.
int64_t NumOutputs(Task task, size_t num_classes);

// model.json: the config plus `info` (resolved params, seed, epochs trained...) merged in.
Json ModelConfigToJson(const ModelConfig& c, const Json& info);
// INVALID_ARGUMENT naming the field when model.json is malformed or inconsistent.
Result<ModelConfig> ModelConfigFromJson(const Json& j);

}  // namespace easel::train::torch_tabular
