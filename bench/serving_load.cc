#include "serving_load.h"

#include <arpa/inet.h>
#include <grpc/impl/codegen/grpc_types.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <latch>
#include <mutex>
#include <thread>

#include "grpc_service.grpc.pb.h"

namespace easel::bench {

struct RequestSet::Encoded {
  std::vector<std::string> http;  // whole requests: request line, headers and body
  std::vector<grpc::ByteBuffer> grpc;  // serialized ModelInferRequests
  grpc::ByteBuffer grpc_live;          // a serialized ServerLiveRequest
};

namespace {

using Clock = std::chrono::steady_clock;

// The "rows" input of a request: one JSON object of column values per row.
Json RowsInput(const RowRequest& row) {
  const int64_t count = row.empty() ? 0 : row.front().rows;
  Json objects = Json::array();
  for (int64_t k = 0; k < count; ++k) {
    Json object = Json::object();
    for (const RowInput& in : row) object[in.name] = in.json.is_array() ? in.json[k] : in.json;
    objects.push_back(object.dump());
  }
  return {{"name", "rows"}, {"datatype", "BYTES"}, {"shape", {count}}, {"data", objects}};
}

// A message's bytes as gRPC sends them, serialized once.
grpc::ByteBuffer Serialized(const google::protobuf::MessageLite& message) {
  grpc::ByteBuffer out;
  bool own = false;
  grpc::SerializationTraits<google::protobuf::MessageLite>::Serialize(message, &out, &own);
  return out;
}

std::vector<float> FloatsOf(std::string_view bytes) {
  std::vector<float> out(bytes.size() / 4);
  std::memcpy(out.data(), bytes.data(), out.size() * 4);
  return out;
}

// A minimal HTTP/1.1 keep-alive client: a request, prepared whole, leaves in one send() and the
// answer is read in as few recv() calls as it arrives in, as wrk or libcurl do. cpp-httplib's
// client sends a request's headers and its body in two writes (two segments, and often two
// wake-ups of the server) and polls before every read; on this loopback that cost the client
// tens of microseconds per request, which are not the server's.
class WireClient {
 public:
  explicit WireClient(int port) : port_(port) {}
  ~WireClient() { Close(); }
  WireClient(const WireClient&) = delete;
  WireClient& operator=(const WireClient&) = delete;

  struct Answer {
    int status = 0;
    size_t header_length = 0;  // Inference-Header-Content-Length, 0 when absent
    std::string_view body;     // valid until the next request
  };

  // Sends `request` and reads the answer; an empty string on success, else what went wrong.
  std::string RoundTrip(std::string_view request, Answer& answer) {
    if (fd_ < 0 && !Connect()) return "cannot connect: " + std::string(std::strerror(errno));
    for (size_t sent = 0; sent < request.size();) {
      const ssize_t n = ::send(fd_, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return Fail("send failed: " + std::string(std::strerror(errno)));
      sent += static_cast<size_t>(n);
    }
    in_.clear();
    size_t head_end;
    while ((head_end = in_.find("\r\n\r\n")) == std::string::npos) {
      if (in_.size() > (64 << 10)) return Fail("the answer's headers exceed 64 KB");
      if (!ReceiveMore()) return Fail("the connection ended before the answer's headers");
    }
    const std::string_view head = std::string_view(in_).substr(0, head_end + 2);
    if (head.size() < 12 || head.substr(0, 5) != "HTTP/") return Fail("not an HTTP answer");
    answer.status = std::atoi(head.data() + 9);
    size_t content_length = 0;
    bool close = false;
    answer.header_length = 0;
    for (size_t at = head.find("\r\n") + 2; at < head.size();) {
      const size_t end = head.find("\r\n", at);
      const std::string_view line = head.substr(at, end - at);
      at = end + 2;
      const size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      const std::string_view name = line.substr(0, colon);
      const std::string_view value = line.substr(colon + 1);
      if (NameIs(name, "content-length")) content_length = Count(value);
      if (NameIs(name, "inference-header-content-length")) answer.header_length = Count(value);
      if (NameIs(name, "connection")) close = value.find("close") != std::string_view::npos;
      if (NameIs(name, "transfer-encoding")) return Fail("chunked answers are not read here");
    }
    const size_t body_start = head_end + 4;
    while (in_.size() < body_start + content_length) {
      if (!ReceiveMore()) return Fail("the connection ended inside the answer's body");
    }
    answer.body = std::string_view(in_).substr(body_start, content_length);
    if (close) Close();  // the server ends the connection; the next request opens another
    return "";
  }

 private:
  // A header's decimal value (0 when it is not one), without copying it out of the buffer.
  static size_t Count(std::string_view value) {
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    size_t n = 0;
    std::from_chars(value.data(), value.data() + value.size(), n);
    return n;
  }
  static bool NameIs(std::string_view name, std::string_view lower) {
    return name.size() == lower.size() &&
           std::equal(name.begin(), name.end(), lower.begin(),
                      [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
  }

  bool Connect() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return false;
    int yes = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      Close();
      return false;
    }
    return true;
  }

  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  std::string Fail(std::string why) {
    Close();
    return why;
  }

  bool ReceiveMore() {
    char buf[16 << 10];
    for (;;) {
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      in_.append(buf, static_cast<size_t>(n));
      return true;
    }
  }

  const int port_;
  int fd_ = -1;
  std::string in_;
};

std::string HttpFailure(const WireClient::Answer& answer) {
  return "HTTP " + std::to_string(answer.status) + ": " +
         std::string(answer.body.substr(0, 300));
}

class HttpConnection final : public InferConnection {
 public:
  HttpConnection(int port, const RequestSet::Encoded& set, bool binary)
      : client_(port), set_(set), binary_(binary) {}

  std::string Infer(size_t i, std::vector<float>* probabilities) override {
    WireClient::Answer answer;
    if (std::string error = client_.RoundTrip(set_.http[i], answer); !error.empty()) {
      return error;
    }
    if (answer.status != 200) return HttpFailure(answer);
    if (probabilities == nullptr) return "";
    return binary_ ? DecodeBinary(answer, *probabilities)
                   : DecodeJson(answer.body, *probabilities);
  }

  std::string Ping() override {
    static constexpr std::string_view kLive =
        "GET /v2/health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    WireClient::Answer answer;
    if (std::string error = client_.RoundTrip(kLive, answer); !error.empty()) return error;
    return answer.status == 200 ? "" : HttpFailure(answer);
  }

 private:
  static std::string DecodeJson(std::string_view body, std::vector<float>& out) {
    Json answer = Json::parse(body, nullptr, /*allow_exceptions=*/false);
    for (const Json& o : answer.value("outputs", Json::array())) {
      if (o.value("name", "") != "probabilities") continue;
      for (const Json& v : o.value("data", Json::array())) out.push_back(v.get<float>());
      return "";
    }
    return "no 'probabilities' output in " + std::string(body.substr(0, 300));
  }

  static std::string DecodeBinary(const WireClient::Answer& answer, std::vector<float>& out) {
    const std::string_view body = answer.body;
    const size_t length = answer.header_length;
    if (length == 0 || length > body.size()) {
      return "no binary answer: " + std::string(body.substr(0, 300));
    }
    Json header = Json::parse(body.substr(0, length), nullptr, false);
    size_t at = length;
    for (const Json& o : header.value("outputs", Json::array())) {
      const size_t size = o.value("parameters", Json::object()).value("binary_data_size", 0);
      if (o.value("name", "") == "probabilities" && at + size <= body.size()) {
        out = FloatsOf(body.substr(at, size));
        return "";
      }
      at += size;
    }
    return "no binary 'probabilities' output in " + std::string(body.substr(0, length));
  }

  WireClient client_;
  const RequestSet::Encoded& set_;
  const bool binary_;
};

// A gRPC client that sends prepared bytes, as the HTTP client does: each request was serialized
// once (RequestSet::Encoded), a call goes out through a generic stub and is waited for on the
// connection's own completion queue, and an answer is parsed only when its probabilities are
// wanted. The generated stub serialized the request's 30 inputs again on every call and set up a
// completion queue per call, client work that is not the server's.
class GrpcConnection final : public InferConnection {
 public:
  GrpcConnection(int port, const std::string& token, const RequestSet::Encoded& set)
      : authorization_("Bearer " + token), set_(set) {
    grpc::ChannelArguments args;
    // Channels to one address share their connection unless told otherwise; each client
    // thread here must have a connection of its own, as an HTTP client does.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetMaxReceiveMessageSize(-1);
    stub_ = std::make_unique<grpc::GenericStub>(grpc::CreateCustomChannel(
        "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials(), args));
  }
  ~GrpcConnection() override {
    cq_.Shutdown();
    void* tag = nullptr;
    bool ok = false;
    while (cq_.Next(&tag, &ok)) {
    }
  }

  std::string Infer(size_t i, std::vector<float>* probabilities) override {
    grpc::ByteBuffer answer;
    if (std::string error = Call(kInfer, set_.grpc[i], answer); !error.empty()) return error;
    if (probabilities == nullptr) return "";
    inference::ModelInferResponse response;
    if (!Parse(answer, response)) return "the answer is not a ModelInferResponse";
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
    grpc::ByteBuffer answer;
    if (std::string error = Call(kLive, set_.grpc_live, answer); !error.empty()) return error;
    inference::ServerLiveResponse response;
    if (!Parse(answer, response)) return "the answer is not a ServerLiveResponse";
    return response.live() ? "" : "the server says it is not live";
  }

  // A call in flight, started by Start and finished once its tag comes out of the queue.
  struct Pending {
    grpc::ClientContext context;
    std::unique_ptr<grpc::GenericClientAsyncResponseReader> reader;
    grpc::ByteBuffer answer;
    grpc::Status status;
    // What went wrong, given the queue's `ok` for the call's tag; empty on success.
    std::string Error(bool ok) const {
      if (!ok) return "the call's completion queue failed";
      if (status.ok()) return "";
      return "gRPC status " + std::to_string(status.error_code()) + ": " + status.error_message();
    }
  };

  // Starts request `i` (ServerLive when `ping`); `tag` comes out of `cq` once the answer is
  // in, and the answer is not parsed.
  std::unique_ptr<Pending> Start(size_t i, bool ping, grpc::CompletionQueue* cq, void* tag) {
    return Start(ping ? kLive : kInfer, ping ? set_.grpc_live : set_.grpc[i], cq, tag);
  }

 private:
  static constexpr const char* kInfer = "/inference.GRPCInferenceService/ModelInfer";
  static constexpr const char* kLive = "/inference.GRPCInferenceService/ServerLive";

  std::unique_ptr<Pending> Start(const char* method, const grpc::ByteBuffer& request,
                                 grpc::CompletionQueue* cq, void* tag) {
    auto call = std::make_unique<Pending>();
    call->context.AddMetadata("authorization", authorization_);
    call->reader = stub_->PrepareUnaryCall(&call->context, method, request, cq);
    call->reader->StartCall();
    call->reader->Finish(&call->answer, &call->status, tag);
    return call;
  }

  std::string Call(const char* method, const grpc::ByteBuffer& request, grpc::ByteBuffer& answer) {
    std::unique_ptr<Pending> call = Start(method, request, &cq_, this);
    void* tag = nullptr;
    bool ok = false;
    if (!cq_.Next(&tag, &ok)) return "the call's completion queue failed";
    answer = std::move(call->answer);
    return call->Error(ok);
  }

  static bool Parse(grpc::ByteBuffer& answer, google::protobuf::MessageLite& message) {
    return grpc::SerializationTraits<google::protobuf::MessageLite>::Deserialize(&answer, &message)
        .ok();
  }

  const std::string authorization_;
  const RequestSet::Encoded& set_;
  std::unique_ptr<grpc::GenericStub> stub_;
  grpc::CompletionQueue cq_;
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
    case Protocol::kHttpRows:
      return "http rows";
  }
  return "?";
}

std::vector<RowRequest> Stack(const std::vector<RowRequest>& single, size_t rows) {
  std::vector<RowRequest> out;
  for (size_t i = 0; i < single.size(); ++i) {
    RowRequest request = single[i];
    for (RowInput& in : request) {
      in.rows = static_cast<int64_t>(rows);
      in.json = in.json.is_null() ? Json() : Json::array({in.json});
    }
    for (size_t k = 1; k < rows; ++k) {
      const RowRequest& next = single[(i + k) % single.size()];
      for (size_t j = 0; j < request.size(); ++j) {
        request[j].raw += next.at(j).raw;
        if (!request[j].json.is_null()) request[j].json.push_back(next.at(j).json);
      }
    }
    out.push_back(std::move(request));
  }
  return out;
}

RequestSet::RequestSet(Protocol protocol, ServerTarget target, const std::string& endpoint,
                       const std::vector<RowRequest>& rows)
    : protocol_(protocol),
      target_(std::move(target)),
      path_("/v2/models/" + endpoint + "/infer"),
      size_(rows.size()),
      encoded_(std::make_unique<Encoded>()) {
  encoded_->grpc_live = Serialized(inference::ServerLiveRequest());
  for (const RowRequest& row : rows) {
    if (protocol == Protocol::kGrpc) {
      inference::ModelInferRequest r;
      r.set_model_name(endpoint);
      for (const RowInput& in : row) {
        auto* tensor = r.add_inputs();
        tensor->set_name(in.name);
        tensor->set_datatype(in.datatype);
        tensor->add_shape(in.rows);
        r.add_raw_input_contents(in.raw);
      }
      encoded_->grpc.push_back(Serialized(r));
      continue;
    }
    Json inputs = Json::array();
    std::string binary;
    if (protocol == Protocol::kHttpRows) {
      inputs.push_back(RowsInput(row));
    } else {
      for (const RowInput& in : row) {
        Json tensor = {{"name", in.name}, {"datatype", in.datatype}, {"shape", {in.rows}}};
        if (protocol == Protocol::kHttpJson) {
          tensor["data"] = in.json;
        } else {
          tensor["parameters"] = {{"binary_data_size", in.raw.size()}};
          binary += in.raw;
        }
        inputs.push_back(std::move(tensor));
      }
    }
    Json request = {{"inputs", std::move(inputs)}};
    std::string headers = "POST " + path_ +
                          " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                          target_.token + "\r\n";
    std::string body;
    if (protocol == Protocol::kHttpJson || protocol == Protocol::kHttpRows) {
      body = request.dump();
      headers += "Content-Type: application/json\r\n";
    } else {
      request["parameters"] = {{"binary_data_output", true}};
      body = request.dump();
      headers += "Content-Type: application/octet-stream\r\nInference-Header-Content-Length: " +
                 std::to_string(body.size()) + "\r\n";
      body += binary;
    }
    encoded_->http.push_back(headers + "Content-Length: " + std::to_string(body.size()) +
                             "\r\n\r\n" + body);
  }
}

RequestSet::~RequestSet() = default;

std::unique_ptr<InferConnection> RequestSet::Connect() const {
  if (protocol_ == Protocol::kGrpc) {
    return std::make_unique<GrpcConnection>(target_.grpc_port, target_.token, *encoded_);
  }
  return std::make_unique<HttpConnection>(target_.http_port, *encoded_,
                                          protocol_ == Protocol::kHttpBinary);
}

namespace {

// Request `i` (or a ping) on `connection`. A malformed answer may throw while it is decoded;
// it is one more failed request.
std::string Send(InferConnection& connection, size_t i, bool ping,
                 std::vector<float>* probabilities) {
  try {
    if (ping) return connection.Ping();
    return connection.Infer(i, probabilities);
  } catch (const std::exception& e) {
    return std::string("unreadable answer: ") + e.what();
  }
}

// A connection's first answer, untimed, and checked as the options say.
std::string FirstAnswer(InferConnection& connection, size_t i, const LoadOptions& options) {
  std::vector<float> probabilities;
  std::string error = Send(connection, i, options.ping, &probabilities);
  if (error.empty() && options.check && !options.ping) error = options.check(i, probabilities);
  return error.empty() ? "" : "first request: " + error;
}

// Runs the caller's hook, then the clock: `deadline` is `seconds` from now, or now when the
// hook threw (what it threw is returned, for the caller to rethrow once its load is stopped).
std::exception_ptr StartClock(const LoadOptions& options, Clock::time_point& start,
                              Clock::time_point& deadline) {
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
  return failed;
}

void SetPercentiles(std::vector<float>& latencies_us, LoadResult& result) {
  if (latencies_us.empty()) return;
  auto at = [&](double q) {
    auto it = latencies_us.begin() + static_cast<ptrdiff_t>(q * (latencies_us.size() - 1));
    std::nth_element(latencies_us.begin(), it, latencies_us.end());
    return static_cast<double>(*it);
  };
  result.p50_us = at(0.5);
  result.p99_us = at(0.99);
}

// HTTP: a thread per connection, each sending a request and waiting for its answer.
LoadResult RunThreads(const LoadOptions& options) {
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
      const size_t size = options.requests->size();
      size_t i = static_cast<size_t>(t) * 7919 % size;
      std::string error;
      {
        // One connection opens at a time: a burst of connects overflows easel's HTTP listen
        // backlog (cpp-httplib's default of 5), and what is measured here is the steady state.
        std::lock_guard lock(connect_mu);
        error = FirstAnswer(*connection, i, options);
      }
      if (!error.empty()) fail(error);
      ready.count_down();
      go.wait();
      std::vector<float>& mine = latencies[t];
      mine.reserve(1 << 16);
      for (;;) {
        i = (i + 1) % size;
        const auto sent = Clock::now();
        if (sent >= deadline) break;
        error = Send(*connection, i, options.ping, nullptr);
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
  std::exception_ptr failed = StartClock(options, start, deadline);
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
  SetPercentiles(all, result);
  return result;
}

// gRPC: one thread drives every connection through one completion queue and starts a
// connection's next call as soon as its answer is in, as gRPC's own benchmark clients and
// Triton's perf_analyzer (in its asynchronous mode) load a server. A thread per connection,
// each waiting on a queue of its own, cost the client about five times the CPU per call of
// the HTTP client's threads (bench/README.md), CPU the server, on the same cores, then lacked.
LoadResult RunCompletionQueue(const LoadOptions& options) {
  struct Slot {
    std::unique_ptr<InferConnection> connection;
    size_t i = 0;
    Clock::time_point sent;
    std::unique_ptr<GrpcConnection::Pending> call;
  };
  LoadResult result;
  auto fail = [&](const std::string& error) {
    ++result.errors;
    if (result.first_error.empty()) result.first_error = error;
  };
  const size_t size = options.requests->size();
  std::vector<Slot> slots(options.concurrency);
  for (size_t t = 0; t < slots.size(); ++t) {
    slots[t].connection = options.requests->Connect();
    slots[t].i = t * 7919 % size;
    if (std::string error = FirstAnswer(*slots[t].connection, slots[t].i, options);
        !error.empty()) {
      fail(error);
    }
  }

  grpc::CompletionQueue cq;
  Clock::time_point start, deadline;
  std::exception_ptr failed = StartClock(options, start, deadline);
  auto send = [&](Slot& slot) {
    slot.i = (slot.i + 1) % size;
    slot.sent = Clock::now();
    slot.call =
        static_cast<GrpcConnection&>(*slot.connection).Start(slot.i, options.ping, &cq, &slot);
  };
  size_t in_flight = 0;
  if (!failed) {
    for (Slot& slot : slots) send(slot);
    in_flight = slots.size();
  }
  std::vector<float> latencies;
  latencies.reserve(1 << 16);
  void* tag = nullptr;
  bool ok = false;
  while (in_flight > 0 && cq.Next(&tag, &ok)) {
    Slot& slot = *static_cast<Slot*>(tag);
    const auto done = Clock::now();
    if (std::string error = slot.call->Error(ok); !error.empty()) {
      fail(error);
    } else if (done <= deadline) {
      latencies.push_back(std::chrono::duration<float, std::micro>(done - slot.sent).count());
      ++result.requests;
    }
    if (done < deadline) {
      send(slot);
    } else {
      --in_flight;
    }
  }
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  if (failed) std::rethrow_exception(failed);

  result.seconds = std::chrono::duration<double>(deadline - start).count();
  SetPercentiles(latencies, result);
  return result;
}

}  // namespace

LoadResult RunLoad(const LoadOptions& options) {
  return options.requests->protocol() == Protocol::kGrpc ? RunCompletionQueue(options)
                                                         : RunThreads(options);
}

}  // namespace easel::bench
