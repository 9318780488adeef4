#include "serving_load.h"

#include <grpc/impl/codegen/grpc_types.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <exception>
#include <latch>
#include <mutex>
#include <thread>

#include "grpc_service.grpc.pb.h"

namespace easel::bench {

struct RequestSet::Encoded {
  std::vector<std::string> bodies;        // HTTP
  std::vector<httplib::Headers> headers;  // HTTP binary: one per body (header length)
  std::vector<inference::ModelInferRequest> grpc;
};

namespace {

using Clock = std::chrono::steady_clock;

std::vector<float> FloatsOf(std::string_view bytes) {
  std::vector<float> out(bytes.size() / 4);
  std::memcpy(out.data(), bytes.data(), out.size() * 4);
  return out;
}

std::string HttpFailure(const httplib::Result& res) {
  if (!res) return std::string("HTTP transport error: ") + httplib::to_string(res.error());
  return "HTTP " + std::to_string(res->status) + ": " + res->body.substr(0, 300);
}

class HttpConnection final : public InferConnection {
 public:
  HttpConnection(std::unique_ptr<httplib::Client> client, const std::string& path,
                 const std::string& token, const RequestSet::Encoded& set, bool binary)
      : client_(std::move(client)), path_(path), set_(set), binary_(binary) {
    json_headers_ = {{"Authorization", "Bearer " + token}};
  }

  std::string Infer(size_t i, std::vector<float>* probabilities) override {
    const httplib::Headers& headers = binary_ ? set_.headers[i] : json_headers_;
    auto res = client_->Post(path_, headers, set_.bodies[i],
                             binary_ ? "application/octet-stream" : "application/json");
    if (!res || res->status != 200) return HttpFailure(res);
    if (probabilities == nullptr) return "";
    return binary_ ? DecodeBinary(*res, *probabilities) : DecodeJson(res->body, *probabilities);
  }

  std::string Ping() override {
    auto res = client_->Get("/v2/health/live");
    return res && res->status == 200 ? "" : HttpFailure(res);
  }

 private:
  static std::string DecodeJson(const std::string& body, std::vector<float>& out) {
    Json answer = Json::parse(body, nullptr, /*allow_exceptions=*/false);
    for (const Json& o : answer.value("outputs", Json::array())) {
      if (o.value("name", "") != "probabilities") continue;
      for (const Json& v : o.value("data", Json::array())) out.push_back(v.get<float>());
      return "";
    }
    return "no 'probabilities' output in " + body.substr(0, 300);
  }

  static std::string DecodeBinary(const httplib::Response& res, std::vector<float>& out) {
    const size_t length =
        std::strtoul(res.get_header_value("Inference-Header-Content-Length").c_str(), nullptr, 10);
    if (length == 0 || length > res.body.size())
      return "no binary answer: " + res.body.substr(0, 300);
    Json header = Json::parse(res.body.substr(0, length), nullptr, false);
    size_t at = length;
    for (const Json& o : header.value("outputs", Json::array())) {
      const size_t size = o.value("parameters", Json::object()).value("binary_data_size", 0);
      if (o.value("name", "") == "probabilities" && at + size <= res.body.size()) {
        out = FloatsOf(std::string_view(res.body).substr(at, size));
        return "";
      }
      at += size;
    }
    return "no binary 'probabilities' output in " + res.body.substr(0, length);
  }

  std::unique_ptr<httplib::Client> client_;
  const std::string& path_;
  const RequestSet::Encoded& set_;
  const bool binary_;
  httplib::Headers json_headers_;
};

class GrpcConnection final : public InferConnection {
 public:
  GrpcConnection(int port, const std::string& token, const RequestSet::Encoded& set)
      : authorization_("Bearer " + token), set_(set) {
    grpc::ChannelArguments args;
    // Channels to one address share their connection unless told otherwise; each client
    // thread here must have a connection of its own, as an HTTP client does.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetMaxReceiveMessageSize(-1);
    stub_ = inference::GRPCInferenceService::NewStub(grpc::CreateCustomChannel(
        "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials(), args));
  }

  std::string Infer(size_t i, std::vector<float>* probabilities) override {
    grpc::ClientContext context;
    context.AddMetadata("authorization", authorization_);
    inference::ModelInferResponse response;
    grpc::Status st = stub_->ModelInfer(&context, set_.grpc[i], &response);
    if (!st.ok()) {
      return "gRPC status " + std::to_string(st.error_code()) + ": " + st.error_message();
    }
    if (probabilities == nullptr) return "";
    for (int o = 0; o < response.outputs_size(); ++o) {
      if (response.outputs(o).name() == "probabilities" &&
          o < response.raw_output_contents_size()) {
        *probabilities = FloatsOf(response.raw_output_contents(o));
        return "";
      }
    }
    return "no raw 'probabilities' output in " + response.ShortDebugString().substr(0, 300);
  }

  std::string Ping() override {
    grpc::ClientContext context;
    inference::ServerLiveResponse response;
    grpc::Status st = stub_->ServerLive(&context, inference::ServerLiveRequest(), &response);
    if (!st.ok()) return "gRPC status " + std::to_string(st.error_code()) + ": " + st.error_message();
    return response.live() ? "" : "the server says it is not live";
  }

 private:
  const std::string authorization_;
  const RequestSet::Encoded& set_;
  std::unique_ptr<inference::GRPCInferenceService::Stub> stub_;
};

}  // namespace

const char* ProtocolName(Protocol p) {
  switch (p) {
    case Protocol::kHttpJson:
      return "http json";
    case Protocol::kHttpBinary:
      return "http binary";
    case Protocol::kGrpc:
      return "grpc";
  }
  return "?";
}

RequestSet::RequestSet(Protocol protocol, ServerTarget target, const std::string& endpoint,
                       const std::vector<RowRequest>& rows)
    : protocol_(protocol),
      target_(std::move(target)),
      path_("/v2/models/" + endpoint + "/infer"),
      size_(rows.size()),
      encoded_(std::make_unique<Encoded>()) {
  for (const RowRequest& row : rows) {
    if (protocol == Protocol::kGrpc) {
      inference::ModelInferRequest& r = encoded_->grpc.emplace_back();
      r.set_model_name(endpoint);
      for (const RowInput& in : row) {
        auto* tensor = r.add_inputs();
        tensor->set_name(in.name);
        tensor->set_datatype(in.datatype);
        tensor->add_shape(1);
        r.add_raw_input_contents(in.raw);
      }
      continue;
    }
    Json inputs = Json::array();
    std::string binary;
    for (const RowInput& in : row) {
      Json tensor = {{"name", in.name}, {"datatype", in.datatype}, {"shape", {1}}};
      if (protocol == Protocol::kHttpJson) {
        tensor["data"] = Json::array({in.json});
      } else {
        tensor["parameters"] = {{"binary_data_size", in.raw.size()}};
        binary += in.raw;
      }
      inputs.push_back(std::move(tensor));
    }
    Json request = {{"inputs", std::move(inputs)}};
    if (protocol == Protocol::kHttpJson) {
      encoded_->bodies.push_back(request.dump());
      continue;
    }
    request["parameters"] = {{"binary_data_output", true}};
    const std::string header = request.dump();
    encoded_->bodies.push_back(header + binary);
    encoded_->headers.push_back(
        {{"Authorization", "Bearer " + target_.token},
         {"Inference-Header-Content-Length", std::to_string(header.size())}});
  }
}

RequestSet::~RequestSet() = default;

std::unique_ptr<InferConnection> RequestSet::Connect() const {
  if (protocol_ == Protocol::kGrpc) {
    return std::make_unique<GrpcConnection>(target_.grpc_port, target_.token, *encoded_);
  }
  return std::make_unique<HttpConnection>(target_.http_client(), path_, target_.token, *encoded_,
                                          protocol_ == Protocol::kHttpBinary);
}

LoadResult RunLoad(const LoadOptions& options) {
  const int n = options.concurrency;
  std::latch ready(n);
  std::latch go(1);
  Clock::time_point start, deadline;
  std::mutex mu, connect_mu;
  LoadResult result;
  std::vector<std::vector<float>> latencies(n);
  std::vector<int64_t> answered(n, 0);
  std::atomic<int64_t> errors{0};
  auto fail = [&](const std::string& error) {
    errors.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard lock(mu);
    if (result.first_error.empty()) result.first_error = error;
  };

  std::vector<std::thread> threads;
  for (int t = 0; t < n; ++t) {
    threads.emplace_back([&, t] {
      std::unique_ptr<InferConnection> connection = options.requests->Connect();
      // A malformed answer may throw while it is decoded; it is one more failed request.
      auto infer = [&](size_t i, std::vector<float>* probabilities) -> std::string {
        try {
          if (options.ping) return connection->Ping();
          return connection->Infer(i, probabilities);
        } catch (const std::exception& e) {
          return std::string("unreadable answer: ") + e.what();
        }
      };
      const size_t size = options.requests->size();
      size_t i = static_cast<size_t>(t) * 7919 % size;
      std::vector<float> probabilities;
      std::string error;
      {
        // One connection opens at a time: a burst of connects overflows easel's HTTP listen
        // backlog (cpp-httplib's default of 5), and what is measured here is the steady state.
        std::lock_guard lock(connect_mu);
        error = infer(i, &probabilities);
      }
      if (error.empty() && options.check && !options.ping) error = options.check(i, probabilities);
      if (!error.empty()) fail("first request: " + error);
      ready.count_down();
      go.wait();
      std::vector<float>& mine = latencies[t];
      mine.reserve(1 << 16);
      for (;;) {
        i = (i + 1) % size;
        const auto sent = Clock::now();
        if (sent >= deadline) break;
        error = infer(i, nullptr);
        const auto done = Clock::now();
        if (!error.empty()) {
          fail(error);
          continue;
        }
        if (done > deadline) break;
        mine.push_back(std::chrono::duration<float, std::micro>(done - sent).count());
        ++answered[t];
      }
    });
  }
  ready.wait();
  std::exception_ptr failed;
  try {
    if (options.before_start) options.before_start();
  } catch (...) {
    failed = std::current_exception();
  }
  start = Clock::now();
  deadline = failed ? start
                    : start + std::chrono::duration_cast<Clock::duration>(
                                  std::chrono::duration<double>(options.seconds));
  go.count_down();
  for (std::thread& t : threads) t.join();
  if (failed) std::rethrow_exception(failed);

  result.seconds = std::chrono::duration<double>(deadline - start).count();
  result.errors = errors.load();
  std::vector<float> all;
  for (int t = 0; t < n; ++t) {
    result.requests += answered[t];
    all.insert(all.end(), latencies[t].begin(), latencies[t].end());
  }
  if (!all.empty()) {
    auto at = [&](double q) {
      auto it = all.begin() + static_cast<ptrdiff_t>(q * (all.size() - 1));
      std::nth_element(all.begin(), it, all.end());
      return static_cast<double>(*it);
    };
    result.p50_us = at(0.5);
    result.p99_us = at(0.99);
  }
  return result;
}

}  // namespace easel::bench
