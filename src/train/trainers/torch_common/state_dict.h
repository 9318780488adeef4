#pragma once
// Module weights as safetensors: how torch_* trainers store models and read pretrained ones.

#include <torch/nn/module.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace easel::train::torch_util {

// Safetensors bytes of m's named_parameters() and named_buffers() (dotted names as LibTorch
// gives them, e.g. "layer1.0.conv1.weight"; undefined buffers are left out), copied to CPU,
// contiguous, dtype kept (BatchNorm's num_batches_tracked is I64). Deterministic for equal
// weights. `metadata` goes into the "__metadata__" header. Never throws.
Result<std::string> SaveStateDict(const torch::nn::Module& m,
                                  const std::map<std::string, std::string>& metadata = {});

enum class LoadMode {
  // Every module tensor must be in the file with the same shape, and nothing else may be.
  kStrict,
  // For fine-tuning from other weights (a classifier head with another class count): tensors
  // whose shape differs are left as initialized and listed in `skipped`; module tensors absent
  // from the file are left as initialized and listed in `missing`; file tensors the module does
  // not have are listed in `unexpected`. Fails when not a single tensor could be loaded.
  kSkipMismatchedShapes,
};

struct LoadReport {                     // each list sorted by name
  std::vector<std::string> missing;     // in the module, not in the file
  std::vector<std::string> unexpected;  // in the file, not in the module
  std::vector<std::string> skipped;     // in both, shapes differ (kSkipMismatchedShapes only)
};

// Copies the file's tensors into m's parameters and buffers, on their device, converting
// floating dtypes (F16/BF16/F64 → the module tensor's dtype). INVALID_ARGUMENT naming the
// tensor for a malformed file, a floating/integer kind mismatch, or (kStrict) any missing,
// unexpected or mismatched tensor. Everything is checked before anything is copied, so on
// error the module is unchanged. Never throws.
Result<LoadReport> LoadStateDict(torch::nn::Module& m, std::string_view safetensors_bytes,
                                 LoadMode mode);

}  // namespace easel::train::torch_util
