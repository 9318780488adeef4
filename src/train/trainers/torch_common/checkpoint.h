#pragma once
// What a torch_* trainer saves through TrainHooks::SaveCheckpoint at every epoch boundary.
// No LibTorch types: the states are already serialized (SaveStateDict, SaveOptimizerState).
//
// Encoding (version 1): a safetensors file (common/safetensors.h) whose U8 1-D tensors
// "model_state", "optimizer_state" and "blob.<name>" hold the byte strings, and whose metadata
// holds "easel_checkpoint": "1", "epoch": decimal, "extra": JSON text. Reusing safetensors
// gives bounds-checked parsing for free and lets `python -m safetensors` style tools peek.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "common/json.h"
#include "common/status.h"

namespace easel::train::torch_util {

inline constexpr std::string_view kCheckpointVersion = "1";

struct TrainCheckpoint {
  int64_t epoch = 0;            // epochs completed; training resumes at this 0-based epoch
  std::string model_state;      // SaveStateDict bytes
  std::string optimizer_state;  // SaveOptimizerState bytes
  Json extra = Json::object();  // trainer bookkeeping: best metric, patience counter...
  // Other named byte strings, e.g. "best_model" (the best epoch's weights for early stopping).
  // Names are non-empty.
  std::map<std::string, std::string> blobs;
};

// Deterministic bytes for equal checkpoints.
std::string EncodeCheckpoint(const TrainCheckpoint& c);

// INVALID_ARGUMENT when the bytes are damaged, of another version, or not a checkpoint.
Result<TrainCheckpoint> DecodeCheckpoint(std::string_view bytes);

}  // namespace easel::train::torch_util
