#pragma once
// Between the protocol's gRPC messages and easel's tensors: the one place besides grpc_server.cc
// that sees generated protobuf types. Pure and thread-safe; a malformed request is
// INVALID_ARGUMENT naming the input, in the same words as the JSON codec where they overlap.

#include "common/status.h"
#include "grpc_service.pb.h"
#include "serving/tensor.h"

namespace easel::serving::kserve {

// Inputs from raw_input_contents (all of them, in input order) or from each input's typed
// contents; `max_elements` bounds what one input may declare. Fixed-size raw contents are moved
// into the tensors, not copied: the request's raw_input_contents are left unspecified.
Result<InferRequest> FromProto(inference::ModelInferRequest& request, int64_t max_elements);

// Outputs as raw_output_contents, in output order.
void ToProto(const InferResponse& response, inference::ModelInferResponse& out);

}  // namespace easel::serving::kserve
