#pragma once
// Tensors as the inference data plane carries them: the KServe Open Inference Protocol v2
// datatypes, a shape, and the elements. Fixed-size elements are packed little-endian and
// row-major in `data` (the layout of the protocol's binary tensor extension); BYTES elements
// are whole strings in `strings`. Protocol codecs (kserve/) and backends share this type, so
// no protocol or library type reaches a backend.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"

namespace easel::serving {

enum class DataType {
  kBool,
  kUint8,
  kUint16,
  kUint32,
  kUint64,
  kInt8,
  kInt16,
  kInt32,
  kInt64,
  kFp16,
  kFp32,
  kFp64,
  kBytes,
};

// "BOOL", "UINT8", ..., "FP16", "FP32", "FP64", "BYTES".
std::string_view DataTypeName(DataType type);
// INVALID_ARGUMENT naming the unknown datatype (and listing the known ones).
Result<DataType> ParseDataType(std::string_view name);
// Bytes per element; 0 for BYTES.
size_t ElementSize(DataType type);

// IEEE 754 half precision, round to nearest even (FP16 tensors).
uint16_t FloatToHalf(float value);
float HalfToFloat(uint16_t half);
// The double that the half's shortest text reads as (the fewest significant digits that read
// back as the same half): 0x2e66, 0.0999755859375, gives 0.1. What a CSV cell holding the
// value's text would read, as FloatTextValue is for FP32. NaN and infinities stay as they are.
double HalfTextValue(uint16_t half);

struct Tensor {
  std::string name;
  DataType datatype = DataType::kFp32;
  std::vector<int64_t> shape;
  std::string data;                  // fixed-size datatypes
  std::vector<std::string> strings;  // BYTES
  Json parameters;                   // an object, or null when there are none

  // The product of the dimensions (1 for a scalar shape []).
  int64_t element_count() const;

  // Every element as a float (numbers and BOOL; FP64 and 64-bit integers rounded).
  // INVALID_ARGUMENT for BYTES.
  Result<std::vector<float>> ToFloats() const;
  // The same as doubles: integers exact up to 2^53, FP32 and FP16 at their exact values.
  Result<std::vector<double>> ToDoubles() const;

  static Tensor Fp32(std::string name, std::vector<int64_t> shape, std::span<const float> values);
  static Tensor Bytes(std::string name, std::vector<int64_t> shape,
                      std::vector<std::string> values);
};

// The element count of `shape`, or INVALID_ARGUMENT for a negative dimension or a product past
// `max_elements` (which also keeps it clear of int64 overflow). `what` names the tensor in the
// message ("input 'x'").
Result<int64_t> CheckedElementCount(std::span<const int64_t> shape, int64_t max_elements,
                                    std::string_view what);

// Fills `tensor` (datatype set) with `count` elements from raw little-endian bytes, the layout
// of the binary tensor extension and of gRPC's raw contents: fixed-size elements packed, or for
// BYTES each element a 4-byte little-endian length followed by its bytes. INVALID_ARGUMENT
// naming `what` when the bytes do not hold exactly that.
Status SetRawData(Tensor& tensor, std::string_view bytes, int64_t count, std::string_view what);
// The same, taking `bytes` over as the tensor's data where its datatype has fixed-size elements
// (no copy); `bytes` is left empty or unspecified.
Status TakeRawData(Tensor& tensor, std::string&& bytes, int64_t count, std::string_view what);
// Appends the raw form of the tensor's elements (the inverse of SetRawData).
void AppendRawData(std::string& out, const Tensor& tensor);

// What a client asks for: the inputs, and optionally which outputs and in what form.
struct RequestedOutput {
  std::string name;
  bool binary = false;      // parameters.binary_data: the raw bytes after the JSON header
  int64_t class_count = 0;  // parameters.classification: top-k labels instead of the tensor
};

struct InferRequest {
  std::string id;
  std::vector<Tensor> inputs;
  std::vector<RequestedOutput> outputs;  // empty: every output, in the model's order
  bool binary_outputs = false;           // parameters.binary_data_output: the default form
  Json parameters;                       // an object, or null when the request has none

  const Tensor* FindInput(std::string_view name) const;
};

struct InferResponse {
  std::string model_name;
  std::string model_version;
  std::string id;
  std::vector<Tensor> outputs;
};

}  // namespace easel::serving
