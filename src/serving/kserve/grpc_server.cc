#include "serving/kserve/grpc_server.h"

#include <grpcpp/grpcpp.h>
#include <pthread.h>

#include <optional>
#include <thread>
#include <vector>

#include "common/cores.h"
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

void SetDuration(const Deployment::Statistics::Duration& d, inference::StatisticDuration* out) {
  out->set_count(static_cast<uint64_t>(d.count));
  out->set_ns(static_cast<uint64_t>(d.ns));
}

void FillStatistics(const Deployment::Statistics& s, inference::ModelStatistics* out) {
  out->set_name(s.name);
  out->set_version(s.version);
  out->set_last_inference(static_cast<uint64_t>(s.last_inference_ms));
  out->set_inference_count(static_cast<uint64_t>(s.inference_count));
  out->set_execution_count(static_cast<uint64_t>(s.execution_count));
  inference::InferStatistics* stats = out->mutable_inference_stats();
  SetDuration(s.success, stats->mutable_success());
  SetDuration(s.fail, stats->mutable_fail());
  SetDuration(s.queue, stats->mutable_queue());
  SetDuration(s.compute_infer, stats->mutable_compute_infer());
  for (const Deployment::Statistics::Batch& b : s.batches) {
    inference::InferBatchStatistics* batch = out->add_batch_stats();
    batch->set_batch_size(static_cast<uint64_t>(b.batch_size));
    SetDuration(b.compute_infer, batch->mutable_compute_infer());
  }
}

// Adds the statistics of the endpoint's versions (only `version`, when given); NOT_FOUND when a
// version is named and the endpoint does not serve it.
Status AddStatistics(const LiveEndpoint& live, std::optional<int64_t> version,
                     inference::ModelStatisticsResponse& out) {
  EASEL_ASSIGN_OR_RETURN(auto serving, live.Serving(version));
  for (const auto& d : serving) FillStatistics(d->statistics(), out.add_model_stats());
  return OkStatus();
}

}  // namespace

// Every method uses gRPC's asynchronous API, on completion queues of easel's own, each drained
// by one thread. A call arrives on its queue's thread and is answered from there, or, for
// ModelInfer, from the thread that ran its batch; no thread waits for a batch (bench/README.md
// has what the callback API, used before, cost).
//
// By default there is a queue for every two cores. gRPC polls all connections from one thread
// at a time, and with more threads than calls in flight it wakes one thread after another to
// pass work and the poller's role on. The queues' threads only parse and encode (models run on
// their instances' threads, or briefly on the queue's thread for small tabular models), so half
// the cores keep them busy and leave the rest to the models. On the 2-core development machine
// (perf stat, one-row calls one at a time), two threads took 3.3 context switches, 4 futex calls
// and an eventfd write per call and 187 us of server CPU; one thread took one context switch
// and 112 us, and the p50 latency went from 191-230 to 158-188 us.
struct GrpcServer::Impl final {
  using Service = inference::GRPCInferenceService::AsyncService;

  Impl(const Endpoints& endpoints, Authorize authorize, Ready ready, int max_message_bytes)
      : endpoints(endpoints),
        authorize(std::move(authorize)),
        ready(std::move(ready)),
        max_elements(std::max<int64_t>(1, max_message_bytes)) {}
  ~Impl() { Stop(); }

  // Waits for the calls in flight, whose answers the queues' threads still send; then the
  // queues hand back the calls that never arrived, and the threads end.
  void Stop() {
    if (server) server->Shutdown();
    for (auto& cq : queues) cq->Shutdown();
    if (threads.empty()) {  // never started: the queues are drained here
      for (auto& cq : queues) Drain(cq.get());
    }
    for (auto& t : threads) t.join();
    threads.clear();
    queues.clear();
    server.reset();
  }

  // What a completion queue hands back: a call that arrived or whose answer went out.
  class Event {
   public:
    virtual ~Event() = default;
    virtual void Proceed(bool ok) = 0;
  };

  // One unary call of one method. It is asked of the server before it arrives; once it does,
  // the next one of its method is asked for, and `Answer` finishes it (now or from another
  // thread). It deletes itself when the answer is out or the server shuts down.
  template <typename Request, typename Response>
  class Call final : public Event {
   public:
    using Ask = void (Service::*)(grpc::ServerContext*, Request*,
                                  grpc::ServerAsyncResponseWriter<Response>*,
                                  grpc::CompletionQueue*, grpc::ServerCompletionQueue*, void*);
    using Answer = void (Impl::*)(Call&);

    static void Expect(Impl& impl, grpc::ServerCompletionQueue* cq, Ask ask, Answer answer) {
      auto* call = new Call(impl, cq, ask, answer);
      (impl.service.*ask)(&call->context, &call->request, &call->writer_, cq, cq, call);
    }

    void Proceed(bool ok) override {
      if (!ok || answered_) {  // shut down before it arrived, or its answer is out
        delete this;
        return;
      }
      answered_ = true;
      Expect(impl_, cq_, ask_, answer_);
      // Nothing may touch the call after this: once finished, another thread may delete it.
      (impl_.*answer_)(*this);
    }

    // Sends `response` when `st` is OK, else the error alone. Once per call.
    void Finish(const Status& st) { writer_.Finish(response, ToGrpc(st), this); }

    grpc::ServerContext context;
    Request request;
    Response response;

   private:
    Call(Impl& impl, grpc::ServerCompletionQueue* cq, Ask ask, Answer answer)
        : impl_(impl), cq_(cq), ask_(ask), answer_(answer) {}

    Impl& impl_;
    grpc::ServerCompletionQueue* const cq_;
    const Ask ask_;
    const Answer answer_;
    grpc::ServerAsyncResponseWriter<Response> writer_{&context};
    bool answered_ = false;
  };

  // A queue's thread: runs what the queue hands back until it is shut down and empty.
  static void Drain(grpc::ServerCompletionQueue* cq) {
    void* tag = nullptr;
    bool ok = false;
    while (cq->Next(&tag, &ok)) static_cast<Event*>(tag)->Proceed(ok);
  }

  // The call's bearer token; UNAUTHENTICATED without one.
  static Result<std::string_view> Token(const grpc::ServerContext& context) {
    const auto& metadata = context.client_metadata();
    if (auto it = metadata.find("authorization"); it != metadata.end()) {
      const std::string_view value(it->second.data(), it->second.size());
      constexpr std::string_view kBearer = "Bearer ";
      if (value.size() > kBearer.size() && value.substr(0, kBearer.size()) == kBearer) {
        return value.substr(kBearer.size());
      }
    }
    return Unauthenticated("missing bearer token: send metadata 'authorization: Bearer <token>'");
  }

  // The endpoint `name`, if the call's token may read its project.
  Result<std::shared_ptr<LiveEndpoint>> Find(const grpc::ServerContext& context,
                                             const std::string& name) const {
    auto live = endpoints.Find(name);
    if (!live.ok()) return NotFound("model '" + name + "' not found");
    EASEL_ASSIGN_OR_RETURN(std::string_view token, Token(context));
    Status st = authorize(token, (*live)->project_name());
    if (st.ok()) return *live;
    if (st.code() == StatusCode::kUnauthenticated || st.code() == StatusCode::kPermissionDenied) {
      return st;
    }
    return NotFound("model '" + name + "' not found");
  }

  using LiveCall = Call<inference::ServerLiveRequest, inference::ServerLiveResponse>;
  using ReadyCall = Call<inference::ServerReadyRequest, inference::ServerReadyResponse>;
  using ServerMetadataCall =
      Call<inference::ServerMetadataRequest, inference::ServerMetadataResponse>;
  using ModelReadyCall = Call<inference::ModelReadyRequest, inference::ModelReadyResponse>;
  using ModelMetadataCall = Call<inference::ModelMetadataRequest, inference::ModelMetadataResponse>;
  using InferCall = Call<inference::ModelInferRequest, inference::ModelInferResponse>;
  using StatisticsCall =
      Call<inference::ModelStatisticsRequest, inference::ModelStatisticsResponse>;

  void ServerLive(LiveCall& call) {
    call.response.set_live(true);
    call.Finish(OkStatus());
  }

  void ServerReady(ReadyCall& call) {
    call.response.set_ready(ready());
    call.Finish(OkStatus());
  }

  void ServerMetadata(ServerMetadataCall& call) {
    call.response.set_name("easel");
    call.response.set_version(kVersion);
    for (const char* e : {"binary_tensor_data", "classification", "statistics"}) {
      call.response.add_extensions(e);
    }
    call.Finish(OkStatus());
  }

  void ModelReady(ModelReadyCall& call) {
    call.Finish([&]() -> Status {
      EASEL_ASSIGN_OR_RETURN(auto live, Find(call.context, call.request.name()));
      EASEL_ASSIGN_OR_RETURN(auto version, ParseVersionNumber(call.request.version()));
      auto picked = live->Pick(version);
      if (!picked.ok() && picked.status().code() != StatusCode::kUnavailable) {
        return picked.status();
      }
      call.response.set_ready(picked.ok());
      return OkStatus();
    }());
  }

  void ModelMetadata(ModelMetadataCall& call) {
    call.Finish([&]() -> Status {
      const inference::ModelMetadataRequest& in = call.request;
      EASEL_ASSIGN_OR_RETURN(auto live, Find(call.context, in.name()));
      EASEL_ASSIGN_OR_RETURN(auto version, ParseVersionNumber(in.version()));
      EASEL_ASSIGN_OR_RETURN(auto picked, live->Pick(version));
      inference::ModelMetadataResponse& out = call.response;
      out.set_name(in.name());
      for (const auto& d : live->routing()->deployments) {
        out.add_versions(std::to_string(d->version().version));
      }
      const serving::ModelMetadata& m = picked->metadata();
      out.set_platform(m.platform);
      FillSpecs(m.inputs, out.mutable_inputs());
      FillSpecs(m.outputs, out.mutable_outputs());
      return OkStatus();
    }());
  }

  // One endpoint's versions, or without a name every endpoint the token may read.
  void ModelStatistics(StatisticsCall& call) {
    call.Finish([&]() -> Status {
      const inference::ModelStatisticsRequest& in = call.request;
      EASEL_ASSIGN_OR_RETURN(auto version, ParseVersionNumber(in.version()));
      if (in.name().empty()) {
        if (version) return InvalidArgument("a version needs a model name: give 'name' too");
        EASEL_ASSIGN_OR_RETURN(std::string_view token, Token(call.context));
        for (const auto& live : endpoints.All()) {
          Status st = authorize(token, live->project_name());
          if (st.code() == StatusCode::kUnauthenticated) return st;
          if (!st.ok()) continue;
          EASEL_RETURN_IF_ERROR(AddStatistics(*live, std::nullopt, call.response));
        }
        return OkStatus();
      }
      EASEL_ASSIGN_OR_RETURN(auto live, Find(call.context, in.name()));
      return AddStatistics(*live, version, call.response);
    }());
  }

  // Finishes the call here only when it cannot be queued; else the deployment's callback does.
  void ModelInfer(InferCall& call) {
    const Status queued = [&]() -> Status {
      inference::ModelInferRequest& in = call.request;
      EASEL_ASSIGN_OR_RETURN(auto live, Find(call.context, in.model_name()));
      EASEL_ASSIGN_OR_RETURN(auto version, ParseVersionNumber(in.model_version()));
      EASEL_ASSIGN_OR_RETURN(InferRequest request, FromProto(in, max_elements));
      EASEL_ASSIGN_OR_RETURN(auto picked, live->Pick(version));
      // The callback keeps the request alive until the answer is in. The deployment needs no
      // reference held: it answers all it has queued before it goes.
      auto held = std::make_shared<const InferRequest>(std::move(request));
      picked->InferAsync(*held, [held, &call](Result<InferResponse> response) {
        if (response.ok()) ToProto(*response, call.response);
        call.Finish(response.status());
      });
      return OkStatus();
    }();
    if (!queued.ok()) call.Finish(queued);
  }

  // Asks the server for the first call of every method on `cq`.
  void ExpectCalls(grpc::ServerCompletionQueue* cq) {
    LiveCall::Expect(*this, cq, &Service::RequestServerLive, &Impl::ServerLive);
    ReadyCall::Expect(*this, cq, &Service::RequestServerReady, &Impl::ServerReady);
    ServerMetadataCall::Expect(*this, cq, &Service::RequestServerMetadata, &Impl::ServerMetadata);
    ModelReadyCall::Expect(*this, cq, &Service::RequestModelReady, &Impl::ModelReady);
    ModelMetadataCall::Expect(*this, cq, &Service::RequestModelMetadata, &Impl::ModelMetadata);
    InferCall::Expect(*this, cq, &Service::RequestModelInfer, &Impl::ModelInfer);
    StatisticsCall::Expect(*this, cq, &Service::RequestModelStatistics, &Impl::ModelStatistics);
  }

  const Endpoints& endpoints;
  const Authorize authorize;
  const Ready ready;
  const int64_t max_elements;
  Service service;
  std::unique_ptr<grpc::Server> server;
  std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> queues;
  std::vector<std::thread> threads;
  int port = 0;
};

GrpcServer::GrpcServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

GrpcServer::~GrpcServer() { Stop(); }

Result<std::unique_ptr<GrpcServer>> GrpcServer::Start(const std::string& address,
                                                      const Endpoints& endpoints,
                                                      Authorize authorize, Ready ready,
                                                      int max_message_bytes, int threads) {
  auto impl =
      std::make_unique<Impl>(endpoints, std::move(authorize), std::move(ready), max_message_bytes);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &impl->port);
  builder.SetMaxReceiveMessageSize(max_message_bytes);
  builder.SetMaxSendMessageSize(max_message_bytes);
  builder.RegisterService(&impl->service);
  if (threads <= 0) threads = std::max(1, UsableCores() / 2);
  for (int i = 0; i < threads; ++i) impl->queues.push_back(builder.AddCompletionQueue());
  impl->server = builder.BuildAndStart();
  if (!impl->server || impl->port == 0) {
    return Unavailable("cannot listen for gRPC on " + address);
  }
  for (auto& cq : impl->queues) {
    impl->ExpectCalls(cq.get());
    impl->threads.emplace_back([cq = cq.get()] {
      // Named so that per-thread tools (top -H, perf) tell them apart.
      pthread_setname_np(pthread_self(), "easel-grpc");
      Impl::Drain(cq);
    });
  }
  return std::unique_ptr<GrpcServer>(new GrpcServer(std::move(impl)));
}

int GrpcServer::port() const { return impl_->port; }

void GrpcServer::Stop() {
  if (impl_) impl_->Stop();
}

}  // namespace easel::serving::kserve
