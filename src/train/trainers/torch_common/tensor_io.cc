#include "train/trainers/torch_common/tensor_io.h"

#include <ATen/Functions.h>

#include <cstring>

#include "train/trainers/torch_common/torch_util.h"

namespace easel::train::torch_util {

Result<safetensors::DType> ToSafetensorsDType(c10::ScalarType type) {
  using safetensors::DType;
  switch (type) {
    case c10::kFloat:
      return DType::kF32;
    case c10::kHalf:
      return DType::kF16;
    case c10::kBFloat16:
      return DType::kBF16;
    case c10::kDouble:
      return DType::kF64;
    case c10::kLong:
      return DType::kI64;
    case c10::kInt:
      return DType::kI32;
    case c10::kShort:
      return DType::kI16;
    case c10::kChar:
      return DType::kI8;
    case c10::kByte:
      return DType::kU8;
    case c10::kBool:
      return DType::kBool;
    default:
      return InvalidArgument(std::string("tensor dtype ") + c10::toString(type) +
                             " has no safetensors equivalent");
  }
}

c10::ScalarType ToScalarType(safetensors::DType dtype) {
  using safetensors::DType;
  switch (dtype) {
    case DType::kF32:
      return c10::kFloat;
    case DType::kF16:
      return c10::kHalf;
    case DType::kBF16:
      return c10::kBFloat16;
    case DType::kF64:
      return c10::kDouble;
    case DType::kI64:
      return c10::kLong;
    case DType::kI32:
      return c10::kInt;
    case DType::kI16:
      return c10::kShort;
    case DType::kI8:
      return c10::kChar;
    case DType::kU8:
      return c10::kByte;
    case DType::kBool:
      return c10::kBool;
  }
  return c10::kFloat;
}

Status AddTensor(safetensors::Writer& writer, std::string name, const at::Tensor& tensor) {
  if (!tensor.defined()) return InvalidArgument("tensor '" + name + "' is undefined");
  EASEL_ASSIGN_OR_RETURN(safetensors::DType dtype, ToSafetensorsDType(tensor.scalar_type()));
  at::Tensor cpu;
  std::vector<int64_t> shape;
  EASEL_RETURN_IF_ERROR(Guard("copying tensor '" + name + "' to CPU", [&] {
    cpu = tensor.detach().to(c10::kCPU).contiguous();
    shape = cpu.sizes().vec();
  }));
  std::string_view bytes(static_cast<const char*>(cpu.data_ptr()),
                         static_cast<size_t>(cpu.numel()) * cpu.element_size());
  return writer.Add(std::move(name), dtype, std::move(shape), bytes);
}

Result<at::Tensor> ToTensor(const safetensors::TensorInfo& info) {
  at::Tensor t;
  EASEL_RETURN_IF_ERROR(Guard("reading tensor '" + info.name + "'", [&] {
    t = at::empty(info.shape, at::TensorOptions().dtype(ToScalarType(info.dtype)));
    if (!info.data.empty()) std::memcpy(t.data_ptr(), info.data.data(), info.data.size());
  }));
  return t;
}

}  // namespace easel::train::torch_util
