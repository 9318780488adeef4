#pragma once
// The KServe Open Inference Protocol v2 over gRPC (service inference.GRPCInferenceService,
// proto/grpc_service.proto) on its own port, answering from the same live endpoints as the
// HTTP data plane. No gRPC or protobuf type appears in this header.
//
// Every call but ServerLive and ServerReady needs "authorization: Bearer <token>" metadata,
// checked by `authorize` against the endpoint's project; a caller who may not read it is told
// the model does not exist. Errors carry the canonical code and the same sentences as HTTP.

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "serving/endpoints.h"

namespace easel::serving::kserve {

class GrpcServer {
 public:
  // OK when `bearer_token` may read project `project_name`; otherwise UNAUTHENTICATED,
  // PERMISSION_DENIED or NOT_FOUND.
  using Authorize =
      std::function<Status(std::string_view bearer_token, const std::string& project_name)>;
  // Whether the server takes inference (false while draining).
  using Ready = std::function<bool()>;

  // Listens on `address` ("HOST:PORT", port 0 picks one) and serves on `threads` threads of
  // its own; 0 means half the cores, at least one (see grpc_server.cc). UNAVAILABLE when the
  // address cannot be bound.
  static Result<std::unique_ptr<GrpcServer>> Start(const std::string& address,
                                                   const Endpoints& endpoints, Authorize authorize,
                                                   Ready ready, int max_message_bytes,
                                                   int threads = 0);
  ~GrpcServer();  // stops, waiting for calls in flight

  int port() const;
  // Stops taking calls and waits for those in flight.
  void Stop();

 private:
  struct Impl;
  explicit GrpcServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace easel::serving::kserve
