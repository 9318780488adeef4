#pragma once
// The KServe Open Inference Protocol v2 over HTTP/REST: infer request and response bodies as
// JSON, with the binary tensor data extension (raw tensor bytes after a JSON header whose length
// travels in the Inference-Header-Content-Length header).
//
// This is the data plane: every function here is pure, thread-safe, never throws, and answers
// malformed client input with INVALID_ARGUMENT whose message can be returned to the client as is.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "serving/tensor.h"

namespace easel::serving::kserve {

struct CodecLimits {
  // Most elements one input may declare; bounds what a request can make the server allocate.
  int64_t max_elements = 64 << 20;
  int max_json_depth = 64;
};

// Parses an infer request body. `header_length` is the value of the
// Inference-Header-Content-Length header when present: the first header_length bytes are the
// JSON header and the rest is the binary section; inputs whose parameters carry
// "binary_data_size" take their bytes from the binary section in input order, and the binary
// sizes must add up to exactly the section's length. Without `header_length` the whole body is
// JSON.
//
// On success every input holds its elements (Tensor::data or Tensor::strings) matching its
// shape, and "binary_data_size" is removed from its parameters. Each RequestedOutput's `binary`
// is already resolved: its own parameters.binary_data, else the request's binary_data_output.
Result<InferRequest> ParseInferRequest(std::string_view body, std::optional<size_t> header_length,
                                       const CodecLimits& limits = {});

// The binary section of a request whose JSON header was read apart from it: `size` bytes in all,
// which `read(out, n)` delivers in order, n at a time, as the inputs that own them are parsed.
// A fixed-size input's bytes are read straight into its tensor, never held twice.
struct BinaryReader {
  uint64_t size = 0;
  std::function<Status(char* out, size_t n)> read;
};
// The same for a request whose JSON header is `header` and whose binary section comes from
// `binary`. A request found bad stops reading: what is left of the section stays unread.
Result<InferRequest> ParseInferRequest(std::string_view header, const BinaryReader& binary,
                                       const CodecLimits& limits = {});
// INVALID_ARGUMENT unless an Inference-Header-Content-Length of `header_length` fits a body of
// `body_size` bytes.
Status CheckHeaderLength(size_t header_length, uint64_t body_size);

struct EncodedResponse {
  std::string body;
  // The JSON part's length (for Inference-Header-Content-Length); set when any output is binary.
  std::optional<size_t> header_length;
};

// Encodes {"model_name", "model_version"?, "id"?, "outputs": [{"name", "datatype", "shape",
// "parameters"?, "data" | parameters.binary_data_size}]}. An output goes binary when its entry
// in request.outputs says so, or when it has no entry and request.binary_outputs is set; binary
// bytes follow the JSON in output order (BYTES elements each prefixed by a 4-byte little-endian
// length). The caller has already dropped unrequested outputs and applied classification.
//
// JSON numbers are written in the shortest form that reads back to the same value of the
// tensor's type (FP16 as its float value); non-finite floats, which JSON cannot express, are
// written as null. A tensor whose `data` is shorter than its shape is the caller's bug: only the
// whole elements present are written.
EncodedResponse EncodeInferResponse(const InferResponse& response, const InferRequest& request);

// Parses an Inference-Header-Content-Length value (surrounding spaces allowed); INVALID_ARGUMENT
// when it is not a non-negative decimal integer.
Result<size_t> ParseHeaderLength(std::string_view value);

}  // namespace easel::serving::kserve
