// The KServe v2 gRPC service as an outside client uses it: a stub generated from
// proto/grpc_service.proto, raw and typed tensor contents, predictions equal to the offline
// ones, and each bad request answered with its canonical code.

#include <grpcpp/grpcpp.h>

#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "grpc_service.grpc.pb.h"
#include "serving_fixture.h"

namespace easel::testing {
namespace {

class ServingGrpcTest : public ServingTest {
 protected:
  // Several completion queues whatever the core count, so that calls arrive on one thread and
  // are answered on another, and queues share the connections.
  std::vector<std::string> ExtraServerArgs() const override { return {"--grpc-threads", "3"}; }
  void SetUp() override {
    ServingTest::SetUp();
    if (IsSkipped()) return;
    ASSERT_GT(server_->grpc_port(), 0) << server_->output();
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->grpc_port()),
                                   grpc::InsecureChannelCredentials());
    stub_ = inference::GRPCInferenceService::NewStub(channel_);
  }
  // A call context with the admin's token (or none).
  std::unique_ptr<grpc::ClientContext> Context(bool with_token = true) {
    auto context = std::make_unique<grpc::ClientContext>();
    if (with_token) context->AddMetadata("authorization", "Bearer " + token_);
    return context;
  }
  // The iris columns of rows [first, first + rows) as FP32 inputs: raw bytes, or typed
  // fp32_contents.
  inference::ModelInferRequest Request(size_t rows, bool raw, size_t first = 0) const {
    inference::ModelInferRequest request;
    request.set_model_name("iris");
    for (int c = 0; c < 4; ++c) {
      auto* in = request.add_inputs();
      in->set_name(Column(c));
      in->set_datatype("FP32");
      in->add_shape(static_cast<int64_t>(rows));
      std::string bytes;
      for (size_t r = 0; r < rows; ++r) {
        const float v = iris_.features[(first + r) * 4 + c];
        if (raw) {
          bytes.append(reinterpret_cast<const char*>(&v), 4);
        } else {
          in->mutable_contents()->add_fp32_contents(v);
        }
      }
      if (raw) request.add_raw_input_contents(bytes);
    }
    return request;
  }

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<inference::GRPCInferenceService::Stub> stub_;
};

std::vector<float> RawFloats(const std::string& bytes) {
  std::vector<float> out(bytes.size() / 4);
  std::memcpy(out.data(), bytes.data(), out.size() * 4);
  return out;
}

TEST_F(ServingGrpcTest, PredictionsEqualTheOfflinePredictions) {
  Train("xgboost", "iris-gbm");
  ASSERT_EQ(Post("/endpoints", Endpoint("iris", {{{"model", "iris-gbm"}}})).status, 201);
  const std::vector<float> offline = Offline("iris-gbm", 1);
  const size_t n = iris_.cells.size();

  inference::ServerLiveResponse live;
  ASSERT_TRUE(stub_->ServerLive(Context().get(), {}, &live).ok());
  EXPECT_TRUE(live.live());
  inference::ServerReadyResponse ready;
  ASSERT_TRUE(stub_->ServerReady(Context().get(), {}, &ready).ok());
  EXPECT_TRUE(ready.ready());
  inference::ServerMetadataResponse server;
  ASSERT_TRUE(stub_->ServerMetadata(Context().get(), {}, &server).ok());
  EXPECT_EQ(server.name(), "easel");

  inference::ModelMetadataRequest meta_request;
  meta_request.set_name("iris");
  inference::ModelMetadataResponse meta;
  ASSERT_TRUE(stub_->ModelMetadata(Context().get(), meta_request, &meta).ok());
  ASSERT_EQ(meta.inputs_size(), 4);
  EXPECT_EQ(meta.inputs(0).name(), "f0");
  EXPECT_EQ(meta.platform(), "easel_xgboost");
  inference::ModelReadyRequest ready_request;
  ready_request.set_name("iris");
  inference::ModelReadyResponse model_ready;
  ASSERT_TRUE(stub_->ModelReady(Context().get(), ready_request, &model_ready).ok());
  EXPECT_TRUE(model_ready.ready());

  for (bool raw : {true, false}) {
    inference::ModelInferResponse response;
    auto request = Request(n, raw);
    request.set_id(raw ? "raw" : "typed");
    grpc::Status st = stub_->ModelInfer(Context().get(), request, &response);
    ASSERT_TRUE(st.ok()) << st.error_message();
    EXPECT_EQ(response.model_name(), "iris");
    EXPECT_EQ(response.model_version(), "1");
    EXPECT_EQ(response.id(), raw ? "raw" : "typed");
    ASSERT_EQ(response.outputs_size(), 2);
    EXPECT_EQ(response.outputs(0).name(), "probabilities");
    EXPECT_EQ(response.outputs(0).datatype(), "FP32");
    ASSERT_EQ(response.raw_output_contents_size(), 2);
    EXPECT_EQ(RawFloats(response.raw_output_contents(0)), offline);
    // Labels: BYTES, each a 4-byte length and the name.
    const std::string& labels = response.raw_output_contents(1);
    uint32_t length = 0;
    std::memcpy(&length, labels.data(), 4);
    EXPECT_EQ(labels.substr(4, length), "setosa");
  }

  // The same request over HTTP gives the same numbers.
  auto http = Infer("iris", Columns(n).dump());
  ASSERT_EQ(http.status, 200);
  EXPECT_EQ(Floats(http.body["outputs"][0]["data"]), offline);
}

// Calls in flight together are answered from shared model calls (each call is completed when its
// batch is done, on the thread that ran it), and each gets its own row's prediction.
TEST_F(ServingGrpcTest, ConcurrentCallsShareModelCallsAndEachGetsItsOwnRows) {
  Train("xgboost", "iris-gbm");
  ASSERT_EQ(Post("/endpoints", Endpoint("iris", {{{"model", "iris-gbm"}}},
                                        {{"max_batch_size", 32}, {"max_queue_delay_us", 20000}}))
                .status,
            201);
  const std::vector<float> offline = Offline("iris-gbm", 1);
  constexpr int kThreads = 8, kCalls = 10;
  const size_t n = iris_.cells.size();
  std::vector<std::string> failures(kThreads);
  std::vector<std::thread> clients;
  for (int t = 0; t < kThreads; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        const size_t row = static_cast<size_t>(t * 17 + i * 5) % n;
        inference::ModelInferResponse response;
        grpc::Status st = stub_->ModelInfer(Context().get(), Request(1, true, row), &response);
        if (!st.ok()) {
          failures[t] = st.error_message();
          return;
        }
        const std::vector<float> expected(offline.begin() + row * 3, offline.begin() + row * 3 + 3);
        if (response.raw_output_contents_size() < 1 ||
            RawFloats(response.raw_output_contents(0)) != expected) {
          failures[t] = "row " + std::to_string(row) + " got another prediction";
          return;
        }
      }
    });
  }
  for (auto& c : clients) c.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], "") << "client " << t;
  auto stats = Send(*client_, "GET", "/v2/models/iris/stats", token_);
  const Json& s = stats.body["model_stats"][0];
  EXPECT_EQ(s["inference_count"].get<int>(), kThreads * kCalls) << s.dump();
  EXPECT_LT(s["execution_count"].get<int>(), kThreads * kCalls)
      << "no call shared a model call: " << s.dump();

  // The statistics extension over gRPC reports the same counts.
  inference::ModelStatisticsRequest ask;
  ask.set_name("iris");
  inference::ModelStatisticsResponse got;
  ASSERT_TRUE(stub_->ModelStatistics(Context().get(), ask, &got).ok());
  ASSERT_EQ(got.model_stats_size(), 1);
  const inference::ModelStatistics& g = got.model_stats(0);
  EXPECT_EQ(g.name(), "iris");
  EXPECT_EQ(g.version(), "1");
  EXPECT_EQ(g.inference_count(), kThreads * kCalls);
  EXPECT_EQ(g.execution_count(), s["execution_count"].get<uint64_t>());
  EXPECT_EQ(g.inference_stats().success().count(), kThreads * kCalls);
  EXPECT_EQ(g.inference_stats().fail().count(), 0u);
  EXPECT_EQ(g.inference_stats().compute_infer().count(), g.execution_count());
  EXPECT_GT(g.inference_stats().queue().ns(), 0u);
  EXPECT_GE(g.last_inference(), s["last_inference"].get<uint64_t>());
  uint64_t rows = 0, calls = 0;
  for (const inference::InferBatchStatistics& b : g.batch_stats()) {
    rows += b.batch_size() * b.compute_infer().count();
    calls += b.compute_infer().count();
  }
  EXPECT_EQ(rows, kThreads * kCalls);
  EXPECT_EQ(calls, g.execution_count());
}

TEST_F(ServingGrpcTest, StatisticsNameTheirModelAndVersion) {
  Train("xgboost", "iris-gbm");
  Train("linear", "iris-linear");
  ASSERT_EQ(Post("/endpoints", Endpoint("iris", {{{"model", "iris-gbm"}}})).status, 201);
  ASSERT_EQ(Post("/endpoints", Endpoint("iris2", {{{"model", "iris-linear"}}})).status, 201);
  inference::ModelInferResponse answer;
  ASSERT_TRUE(stub_->ModelInfer(Context().get(), Request(3, true), &answer).ok());
  auto stats = [&](const std::string& name, const std::string& version, bool token = true) {
    inference::ModelStatisticsRequest ask;
    ask.set_name(name);
    ask.set_version(version);
    inference::ModelStatisticsResponse got;
    grpc::Status st = stub_->ModelStatistics(Context(token).get(), ask, &got);
    return std::make_pair(st, got);
  };
  auto [st, got] = stats("iris", "1");
  ASSERT_TRUE(st.ok()) << st.error_message();
  ASSERT_EQ(got.model_stats_size(), 1);
  EXPECT_EQ(got.model_stats(0).inference_count(), 3u);
  // No name: every endpoint the token may read, each with its own counts.
  std::tie(st, got) = stats("", "");
  ASSERT_TRUE(st.ok()) << st.error_message();
  ASSERT_EQ(got.model_stats_size(), 2);
  EXPECT_EQ(got.model_stats(0).name(), "iris");
  EXPECT_EQ(got.model_stats(1).name(), "iris2");
  EXPECT_EQ(got.model_stats(1).inference_count(), 0u);
  EXPECT_EQ(got.model_stats(1).last_inference(), 0u);

  std::tie(st, got) = stats("iris", "7");
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(st.error_message(), "model 'iris' has no version 7");
  EXPECT_EQ(stats("iris", "x").first.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(stats("", "1").first.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(stats("nope", "").first.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(stats("iris", "", false).first.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(stats("", "", false).first.error_code(), grpc::StatusCode::UNAUTHENTICATED);

  // Someone outside the project sees none of its endpoints, until made a viewer (the HTTP route
  // for every endpoint's statistics too).
  ASSERT_EQ(Send(*client_, "POST", "/api/v1/users", token_, R"({"name":"ada"})").status, 201);
  const std::string ada =
      Send(*client_, "POST", "/api/v1/tokens", token_, R"({"name":"t","user":"ada"})")
          .body["token"];
  auto as_ada = [&](const std::string& name) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + ada);
    inference::ModelStatisticsRequest ask;
    ask.set_name(name);
    inference::ModelStatisticsResponse got;
    grpc::Status st = stub_->ModelStatistics(&context, ask, &got);
    return std::make_pair(st, got);
  };
  std::tie(st, got) = as_ada("");
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(got.model_stats_size(), 0);
  EXPECT_EQ(as_ada("iris").first.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Send(*client_, "GET", "/v2/models/stats", ada).body["model_stats"].size(), 0u);
  ASSERT_EQ(
      Send(*client_, "PUT", "/api/v1/projects/demo/members/ada", token_, R"({"role":"viewer"})")
          .status,
      200);
  std::tie(st, got) = as_ada("");
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(got.model_stats_size(), 2);
  EXPECT_EQ(Send(*client_, "GET", "/v2/models/stats", ada).body["model_stats"].size(), 2u);
}

TEST_F(ServingGrpcTest, BadRequestsGetTheirCanonicalCodes) {
  Train("xgboost", "iris-gbm");
  ASSERT_EQ(Post("/endpoints", Endpoint("iris", {{{"model", "iris-gbm"}}})).status, 201);
  inference::ModelInferResponse response;
  auto call = [&](const inference::ModelInferRequest& r, bool token = true) {
    return stub_->ModelInfer(Context(token).get(), r, &response);
  };
  EXPECT_EQ(call(Request(2, true), false).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  auto unknown = Request(2, true);
  unknown.set_model_name("nope");
  EXPECT_EQ(call(unknown).error_code(), grpc::StatusCode::NOT_FOUND);
  auto version = Request(2, true);
  version.set_model_version("x");
  EXPECT_EQ(call(version).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  struct Case {
    std::function<void(inference::ModelInferRequest&)> mutate;
    std::string words;
  };
  const std::vector<Case> cases = {
      {[](auto& r) { r.mutable_raw_input_contents()->RemoveLast(); }, "raw_input_contents"},
      {[](auto& r) { r.mutable_raw_input_contents(0)->resize(3); }, "input 'f0'"},
      {[](auto& r) { r.mutable_inputs(1)->set_datatype("FLOAT"); }, "FLOAT"},
      {[](auto& r) { r.mutable_inputs(2)->set_shape(0, -2); }, "negative"},
      {[](auto& r) { r.mutable_inputs(0)->set_name("petal"); }, "unknown input 'petal'"},
      {[](auto& r) { r.mutable_inputs(3)->set_name("f0"); }, "input 'f0' appears more than once"},
      {[](auto& r) { r.mutable_inputs(0)->mutable_contents()->add_fp32_contents(1); }, "contents"},
      {[](auto& r) { r.add_outputs()->set_name("logits"); }, "unknown output 'logits'"},
  };
  for (const Case& c : cases) {
    auto r = Request(2, true);
    c.mutate(r);
    grpc::Status st = call(r);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.words;
    EXPECT_NE(st.error_message().find(c.words), std::string::npos) << st.error_message();
  }
  auto typed = Request(2, false);
  typed.mutable_inputs(0)->mutable_contents()->clear_fp32_contents();
  grpc::Status st = call(typed);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("fp32_contents"), std::string::npos) << st.error_message();

  // A message over the server's limit (--max-body-bytes, as for HTTP bodies) is refused whole.
  auto oversized = Request(2, true);
  oversized.mutable_raw_input_contents(0)->resize(kMaxBody + 1);
  EXPECT_EQ(call(oversized).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);

  // Still serving.
  EXPECT_TRUE(call(Request(3, true)).ok());
}

// Requests with random datatypes, shapes (negative, zero, huge), element counts and contents:
// each is answered OK with one probability per class for each row, or INVALID_ARGUMENT with a
// message, and the server goes on serving.
TEST_F(ServingGrpcTest, RandomTensorsGetAPredictionOrInvalidArgument) {
  Train("xgboost", "iris-gbm");
  ASSERT_EQ(Post("/endpoints", Endpoint("iris", {{{"model", "iris-gbm"}}})).status, 201);
  const std::vector<std::string> types = {"FP32", "FP64", "FP16", "INT64", "UINT8",
                                          "BOOL", "BYTES", "FLOAT", ""};
  const std::vector<int64_t> dims = {1, 1, 2, 3, 0, -1, int64_t{1} << 40,
                                     std::numeric_limits<int64_t>::max()};
  std::mt19937 rng(20261124);
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  int predicted = 0;
  for (int i = 0; i < 300 && !HasFailure(); ++i) {
    inference::ModelInferRequest r = Request(1 + pick(3), true);
    const bool raw = pick(4) != 0;
    if (!raw) r.clear_raw_input_contents();
    for (int c = 0; c < r.inputs_size(); ++c) {
      if (pick(2) == 0) continue;  // about half of the inputs keep their valid form
      auto* in = r.mutable_inputs(c);
      if (pick(4) == 0) in->set_datatype(types[pick(types.size())]);
      if (pick(4) == 0) {
        in->clear_shape();
        for (size_t d = pick(3); d > 0; --d) in->add_shape(dims[pick(dims.size())]);
      }
      if (raw && pick(4) == 0) {
        std::string bytes(pick(20), '\0');
        for (char& b : bytes) b = static_cast<char>(rng());
        *r.mutable_raw_input_contents(c) = bytes;
      }
      if (!raw && pick(2) == 0) {
        for (size_t n = pick(4); n > 0; --n) in->mutable_contents()->add_fp32_contents(0.5f);
        if (pick(3) == 0) in->mutable_contents()->add_bytes_contents("x");
        if (pick(3) == 0) in->mutable_contents()->add_int64_contents(-1);
      }
      if (pick(10) == 0) in->set_name(Column(static_cast<int>(pick(4))));
    }
    if (pick(10) == 0) r.mutable_inputs()->RemoveLast();
    inference::ModelInferResponse response;
    const grpc::Status st = stub_->ModelInfer(Context().get(), r, &response);
    if (!st.ok()) {
      EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
          << st.error_message() << "\n" << r.ShortDebugString();
      EXPECT_FALSE(st.error_message().empty());
      continue;
    }
    ++predicted;
    ASSERT_GE(response.outputs_size(), 1);
    ASSERT_EQ(response.raw_output_contents_size(), response.outputs_size());
    for (int o = 0; o < response.outputs_size(); ++o) {
      const auto& out = response.outputs(o);
      int64_t count = 1;
      for (int64_t d : out.shape()) count *= d;
      if (out.datatype() == "FP32") {
        EXPECT_EQ(response.raw_output_contents(o).size(), static_cast<size_t>(count) * 4)
            << out.name();
      }
    }
  }
  EXPECT_GT(predicted, 0);  // some requests stay valid
  // Still serving.
  inference::ModelInferResponse response;
  EXPECT_TRUE(stub_->ModelInfer(Context().get(), Request(3, true), &response).ok());
}

}  // namespace
}  // namespace easel::testing
