#pragma once
// Opening an uploaded TorchScript file (the zip archive torch.jit.save writes) and reading the
// signature of its `forward` method. This is the only code that hands a user's TorchScript to
// LibTorch, and it runs inside `easel model-check`, the child process the server starts for
// each import (models/model_check.h): a file that crashes LibTorch crashes only that child.

#include <filesystem>

#include "common/json.h"
#include "common/status.h"

namespace easel::train::torch_util {

// Loads the module at `path` on the CPU and answers {signature, info}:
// - signature.inputs: forward's arguments after self, in order; a Tensor is
//   {name, datatype: "FP32", shape: [-1]} (TorchScript types carry neither dtype nor rank, so
//   both are guesses a declared signature should replace); int, float, bool and str are
//   INT64, FP64, BOOL and BYTES of shape [1]; any other type has datatype "OTHER". Every entry
//   also has `torch_type`, the TorchScript type as written.
// - signature.outputs: the return value: one "output", or "output0", "output1"... for a tuple.
// - info: {module, methods, parameters (the count of parameter elements), entries (zip
//   entries)}.
// Before LibTorch sees the file its zip directory is read (libarchive): a file that is not a
// zip, has more than 100,000 entries or expands to more than 4x its size plus 64 MiB (a zip
// bomb: torch.jit.save stores entries uncompressed) is refused without loading it.
// INVALID_ARGUMENT with a sentence that does not contain `path` when the file cannot be
// loaded or has no forward method. Never throws.
Result<Json> CheckTorchScriptFile(const std::filesystem::path& path);

}  // namespace easel::train::torch_util
