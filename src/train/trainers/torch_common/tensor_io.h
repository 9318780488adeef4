#pragma once
// Converting between LibTorch tensors and safetensors entries (common/safetensors.h).

#include <ATen/core/Tensor.h>

#include <string>

#include "common/safetensors.h"
#include "common/status.h"

namespace easel::train::torch_util {

// The safetensors dtype of a LibTorch scalar type; INVALID_ARGUMENT for types the format has
// no name for (complex, quantized...).
Result<safetensors::DType> ToSafetensorsDType(c10::ScalarType type);
c10::ScalarType ToScalarType(safetensors::DType dtype);

// Adds `tensor` to `writer` under `name`, copied to CPU and made contiguous, keeping its dtype.
// Errors: undefined tensor, unsupported dtype, or what Writer::Add refuses. Never throws.
Status AddTensor(safetensors::Writer& writer, std::string name, const at::Tensor& tensor);

// A new CPU tensor owning a copy of `info`'s bytes (so it outlives the file's bytes and is
// properly aligned whatever the header length was). Never throws.
Result<at::Tensor> ToTensor(const safetensors::TensorInfo& info);

}  // namespace easel::train::torch_util
