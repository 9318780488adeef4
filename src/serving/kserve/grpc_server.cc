#include "serving/kserve/grpc_server.h"

#include <grpcpp/grpcpp.h>

#include "common/version.h"
#include "grpc_service.grpc.pb.h"
#include "serving/kserve/grpc_codec.h"

namespace easel::serving::kserve {
namespace {

grpc::Status ToGrpc(const Status& st) {
  if (st.ok()) return grpc::Status::OK;
  // easel's codes are the canonical gRPC codes, number for number.
  return grpc::Status(static_cast<grpc::StatusCode>(st.code()), st.message());
}

// The call's reactor, finished with `st`: for answers ready when the method returns.
grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* context, const Status& st) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpc(st));
  return reactor;
}

void FillSpecs(
    const std::vector<TensorSpec>& specs,
    google::protobuf::RepeatedPtrField<inference::ModelMetadataResponse::TensorMetadata>* out) {
  for (const TensorSpec& s : specs) {
    auto* t = out->Add();
    t->set_name(s.name);
    t->set_datatype(s.datatype);
    for (int64_t d : s.shape) t->add_shape(d);
  }
}

}  // namespace

// Every method uses gRPC's callback API: a call is answered by finishing its reactor, and
// ModelInfer finishes it when its batch is done, on the thread that ran the batch. No gRPC
// thread waits for a batch, and gRPC keeps a fixed set of threads (its synchronous server
// starts and retires a thread for many calls under load).
struct GrpcServer::Impl final : inference::GRPCInferenceService::CallbackService {
  Impl(const Endpoints& endpoints, Authorize authorize, Ready ready, int max_message_bytes)
      : endpoints(endpoints),
        authorize(std::move(authorize)),
        ready(std::move(ready)),
        max_elements(std::max<int64_t>(1, max_message_bytes)) {}

  // The endpoint `name`, if the call's token may read its project.
  Result<std::shared_ptr<LiveEndpoint>> Find(grpc::CallbackServerContext* context,
                                             const std::string& name) const {
    auto live = endpoints.Find(name);
    if (!live.ok()) return NotFound("model '" + name + "' not found");
    std::string_view token;
    const auto& metadata = context->client_metadata();
    if (auto it = metadata.find("authorization"); it != metadata.end()) {
      const std::string_view value(it->second.data(), it->second.size());
      constexpr std::string_view kBearer = "Bearer ";
      if (value.size() > kBearer.size() && value.substr(0, kBearer.size()) == kBearer) {
        token = value.substr(kBearer.size());
      }
    }
    if (token.empty()) {
      return Unauthenticated("missing bearer token: send metadata 'authorization: Bearer <token>'");
    }
    Status st = authorize(token, (*live)->project_name());
    if (st.ok()) return *live;
    if (st.code() == StatusCode::kUnauthenticated || st.code() == StatusCode::kPermissionDenied) {
      return st;
    }
    return NotFound("model '" + name + "' not found");
  }

  grpc::ServerUnaryReactor* ServerLive(grpc::CallbackServerContext* context,
                                       const inference::ServerLiveRequest*,
                                       inference::ServerLiveResponse* out) override {
    out->set_live(true);
    return Finish(context, OkStatus());
  }

  grpc::ServerUnaryReactor* ServerReady(grpc::CallbackServerContext* context,
                                        const inference::ServerReadyRequest*,
                                        inference::ServerReadyResponse* out) override {
    out->set_ready(ready());
    return Finish(context, OkStatus());
  }

  grpc::ServerUnaryReactor* ServerMetadata(grpc::CallbackServerContext* context,
                                           const inference::ServerMetadataRequest*,
                                           inference::ServerMetadataResponse* out) override {
    out->set_name("easel");
    out->set_version(kVersion);
    for (const char* e : {"binary_tensor_data", "classification", "statistics"}) {
      out->add_extensions(e);
    }
    return Finish(context, OkStatus());
  }

  grpc::ServerUnaryReactor* ModelReady(grpc::CallbackServerContext* context,
                                       const inference::ModelReadyRequest* in,
                                       inference::ModelReadyResponse* out) override {
    auto live = Find(context, in->name());
    if (!live.ok()) return Finish(context, live.status());
    auto version = ParseVersionNumber(in->version());
    if (!version.ok()) return Finish(context, version.status());
    auto picked = (*live)->Pick(*version);
    if (!picked.ok() && picked.status().code() != StatusCode::kUnavailable) {
      return Finish(context, picked.status());
    }
    out->set_ready(picked.ok());
    return Finish(context, OkStatus());
  }

  grpc::ServerUnaryReactor* ModelMetadata(grpc::CallbackServerContext* context,
                                          const inference::ModelMetadataRequest* in,
                                          inference::ModelMetadataResponse* out) override {
    auto live = Find(context, in->name());
    if (!live.ok()) return Finish(context, live.status());
    auto version = ParseVersionNumber(in->version());
    if (!version.ok()) return Finish(context, version.status());
    auto picked = (*live)->Pick(*version);
    if (!picked.ok()) return Finish(context, picked.status());
    out->set_name(in->name());
    for (const auto& d : (*live)->routing()->deployments) {
      out->add_versions(std::to_string(d->version().version));
    }
    const serving::ModelMetadata& m = (*picked)->metadata();
    out->set_platform(m.platform);
    FillSpecs(m.inputs, out->mutable_inputs());
    FillSpecs(m.outputs, out->mutable_outputs());
    return Finish(context, OkStatus());
  }

  grpc::ServerUnaryReactor* ModelInfer(grpc::CallbackServerContext* context,
                                       const inference::ModelInferRequest* in,
                                       inference::ModelInferResponse* out) override {
    auto live = Find(context, in->model_name());
    if (!live.ok()) return Finish(context, live.status());
    auto version = ParseVersionNumber(in->model_version());
    if (!version.ok()) return Finish(context, version.status());
    Result<InferRequest> request = FromProto(*in, max_elements);
    if (!request.ok()) return Finish(context, request.status());
    auto picked = (*live)->Pick(*version);
    if (!picked.ok()) return Finish(context, picked.status());
    // The callback keeps the request alive until the answer is in. The deployment needs no
    // reference held: it answers all it has queued before it goes.
    auto held = std::make_shared<const InferRequest>(std::move(*request));
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    (*picked)->InferAsync(*held, [held, reactor, out](Result<InferResponse> response) {
      if (response.ok()) ToProto(*response, *out);
      reactor->Finish(ToGrpc(response.status()));
    });
    return reactor;
  }

  const Endpoints& endpoints;
  const Authorize authorize;
  const Ready ready;
  const int64_t max_elements;
  std::unique_ptr<grpc::Server> server;
  int port = 0;
};

GrpcServer::GrpcServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

GrpcServer::~GrpcServer() { Stop(); }

Result<std::unique_ptr<GrpcServer>> GrpcServer::Start(const std::string& address,
                                                      const Endpoints& endpoints,
                                                      Authorize authorize, Ready ready,
                                                      int max_message_bytes) {
  auto impl =
      std::make_unique<Impl>(endpoints, std::move(authorize), std::move(ready), max_message_bytes);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &impl->port);
  builder.SetMaxReceiveMessageSize(max_message_bytes);
  builder.SetMaxSendMessageSize(max_message_bytes);
  builder.RegisterService(impl.get());
  impl->server = builder.BuildAndStart();
  if (!impl->server || impl->port == 0) {
    return Unavailable("cannot listen for gRPC on " + address);
  }
  return std::unique_ptr<GrpcServer>(new GrpcServer(std::move(impl)));
}

int GrpcServer::port() const { return impl_->port; }

void GrpcServer::Stop() {
  if (impl_ && impl_->server) {
    impl_->server->Shutdown();
    impl_->server->Wait();
    impl_->server.reset();
  }
}

}  // namespace easel::serving::kserve
