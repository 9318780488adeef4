#pragma once
// The declared inputs and outputs of an ONNX model, read from its protobuf encoding without
// protobuf: OpenCV DNN validates and runs an ONNX file but cannot list its input names, types
// or shapes, and generated protobuf headers stay out of train/ (DESIGN.md §4). Only the few
// fields below are decoded; everything else is skipped by its length. Bounds-checked
// throughout; used by the import check (onnx_check.h), which runs in a child process.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace easel::train {

struct OnnxValue {
  std::string name;
  int32_t elem_type = 0;       // TensorProto.DataType; 0: not a tensor or not declared
  bool has_shape = false;      // false: the rank is unknown
  std::vector<int64_t> shape;  // -1 for a symbolic or missing dimension
};

struct OnnxGraph {
  int64_t ir_version = 0;
  std::string producer;            // "pytorch 1.13.0"
  int64_t opset = 0;               // of the default ("" or "ai.onnx") domain
  std::vector<OnnxValue> inputs;   // graph.input without the initializers (old IR lists both)
  std::vector<OnnxValue> outputs;  // graph.output
};

// INVALID_ARGUMENT "it is not an ONNX model: ..." when `bytes` is not a well-formed protobuf
// ModelProto with a graph. Never throws.
Result<OnnxGraph> ReadOnnxGraph(std::string_view bytes);

// The inference-protocol datatype of a TensorProto.DataType ("FP32" for 1...), "OTHER" for
// types it has no name for.
std::string OnnxDatatype(int32_t elem_type);

}  // namespace easel::train
