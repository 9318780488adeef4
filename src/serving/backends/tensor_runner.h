#pragma once
// Imported models that map one float tensor to another (TorchScript through LibTorch, ONNX
// through OpenCV's DNN module), behind a seam that names no library type: serving's raw-tensor
// backend (serving/tensor_backend.cc) drives them, and LibTorch and OpenCV stay in the .cc files
// here. Errors of the libraries become INVALID_ARGUMENT (a bad input for the model) or
// FAILED_PRECONDITION (a file that cannot be loaded); nothing throws.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace easel::serving {

struct RunnerOutput {
  std::vector<float> values;   // row-major
  std::vector<int64_t> shape;  // shape[0] is the batch
};

class TensorRunner {
 public:
  virtual ~TensorRunner() = default;
  // Runs the model on `input` of `shape` (shape[0] rows). May be called from several threads.
  virtual Result<RunnerOutput> Run(std::span<const float> input,
                                   std::span<const int64_t> shape) const = 0;
};

// A TorchScript module (torch.jit.save) whose forward takes one float tensor and returns a
// tensor (or a tuple or list whose first element is one). `device` is "cpu" or "cuda".
Result<std::unique_ptr<TensorRunner>> LoadTorchScriptRunner(std::string_view bytes,
                                                            const std::string& device);

// An ONNX graph with one input. OpenCV's network is not reentrant: calls are serialized.
Result<std::unique_ptr<TensorRunner>> LoadOnnxRunner(std::string_view bytes);

}  // namespace easel::serving
