#include "api/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

#include "api/errors.h"
#include "common/log.h"

namespace easel::api {
namespace {

using Clock = std::chrono::steady_clock;

int64_t MillisSince(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

// Waits until `fd` is ready for `events` or `timeout_ms` passes. True when ready.
bool PollFor(int fd, short events, int64_t timeout_ms) {
  if (timeout_ms <= 0) return false;
  pollfd p{fd, events, 0};
  for (;;) {
    int rc = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(timeout_ms, 60000)));
    if (rc < 0 && errno == EINTR) continue;
    return rc > 0;
  }
}

void AddressOf(int fd, bool peer, std::string& ip, int& port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  int rc = peer ? ::getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len)
                : ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  if (rc != 0) return;
  char buf[INET6_ADDRSTRLEN] = {0};
  if (addr.ss_family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&addr);
    ::inet_ntop(AF_INET, &a->sin_addr, buf, sizeof buf);
    port = ntohs(a->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
    ::inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof buf);
    port = ntohs(a->sin6_port);
  }
  ip = buf;
}

// One client connection. Reads are bounded by the phase the request is in: the request line
// and headers must arrive before a deadline; a body may pause up to the idle timeout and must
// keep an average minimum rate.
class ConnectionStream final : public httplib::Stream {
 public:
  ConnectionStream(int fd, const HttpLimits& limits) : fd_(fd), limits_(limits) {}

  void BeginRequest() {
    in_body_ = false;
    must_close_ = false;
    hold_next_write_ = true;
    request_start_ = Clock::now();
  }
  void BeginBody() {
    in_body_ = true;
    body_start_ = Clock::now();
    body_bytes_ = 0;
  }
  void MustClose() { must_close_ = true; }
  bool must_close() const { return must_close_; }

  bool is_readable() const override {
    // A held write ("100 Continue") must reach the client before we wait for its body.
    if (!Flush()) return false;
    return buffered() > 0 || PollFor(fd_, POLLIN, AllowedWaitMs());
  }
  bool is_writable() const override { return PollFor(fd_, POLLOUT, limits_.write_timeout_ms); }
  size_t buffered() const { return buf_len_ - buf_pos_; }

  // The library reads request lines and headers a byte at a time: serve those from a buffer
  // filled by one recv() rather than a poll() and a recv() per byte.
  ssize_t read(char* ptr, size_t size) override {
    if (buffered() == 0) {
      // A held write ("100 Continue") must reach the client before we wait for its body.
      if (!Flush()) {
        must_close_ = true;
        return -1;
      }
      // Large reads go straight to the caller.
      const bool direct = size >= sizeof buf_;
      char* into = direct ? ptr : buf_;
      const size_t room = direct ? size : sizeof buf_;
      // What has already arrived is taken without a poll() first (a request's body usually
      // comes with its headers); only an empty socket is waited on, within the phase's limit.
      ssize_t n = Receive(into, room, MSG_DONTWAIT);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        n = PollFor(fd_, POLLIN, AllowedWaitMs()) ? Receive(into, room, 0) : -1;
      }
      if (n < 0) must_close_ = true;
      if (n <= 0 || direct) return n;
      buf_pos_ = 0;
      buf_len_ = static_cast<size_t>(n);
    }
    size_t n = std::min(size, buffered());
    std::memcpy(ptr, buf_ + buf_pos_, n);
    buf_pos_ += n;
    return static_cast<ssize_t>(n);
  }

  // The library writes a response's headers and its body separately. The headers are held and
  // go out with the body in one send: one TCP segment and one wake-up of the client instead of
  // two. Not for chunked responses, whose first chunk may be long in coming (a log being
  // followed): their headers go at once.
  ssize_t write(const char* ptr, size_t size) override {
    if (std::exchange(hold_next_write_, false) &&
        std::string_view(ptr, size).find("Transfer-Encoding: chunked") == std::string_view::npos) {
      held_.assign(ptr, size);
      return static_cast<ssize_t>(size);
    }
    if (held_.empty()) return Send(ptr, size);
    if (held_.size() + size <= kCoalesceBytes) {
      held_.append(ptr, size);
      return Flush() ? static_cast<ssize_t>(size) : -1;
    }
    if (!Flush()) return -1;
    return Send(ptr, size);
  }

  // Sends what write() holds, if anything. False when the connection failed.
  bool Flush() const {
    size_t sent = 0;
    while (sent < held_.size()) {
      ssize_t n = Send(held_.data() + sent, held_.size() - sent);
      if (n <= 0) {
        held_.clear();
        return false;
      }
      sent += static_cast<size_t>(n);
    }
    held_.clear();
    return true;
  }

  // Asked for on every request; a connection's addresses never change, so they are looked up
  // once.
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    if (!remote_.known) AddressOf(fd_, true, remote_.ip, remote_.port);
    remote_.known = true;
    ip = remote_.ip;
    port = remote_.port;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    if (!local_.known) AddressOf(fd_, false, local_.ip, local_.port);
    local_.known = true;
    ip = local_.ip;
    port = local_.port;
  }
  socket_t socket() const override { return fd_; }

 private:
  static constexpr size_t kCoalesceBytes = 64 << 10;

  // One send, waiting (up to the write timeout) only when the socket's buffer is full.
  ssize_t Send(const char* ptr, size_t size) const {
    for (;;) {
      ssize_t n = ::send(fd_, ptr, size, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n >= 0) return n;
      if (errno == EINTR) continue;
      if ((errno != EAGAIN && errno != EWOULDBLOCK) || !is_writable()) return -1;
    }
  }

  ssize_t Receive(char* ptr, size_t size, int flags) {
    ssize_t n;
    do {
      n = ::recv(fd_, ptr, size, flags);
    } while (n < 0 && errno == EINTR);
    if (n > 0 && in_body_) body_bytes_ += static_cast<uint64_t>(n);
    return n;
  }

  int64_t AllowedWaitMs() const {
    if (!in_body_) return limits_.header_timeout_ms - MillisSince(request_start_);
    int64_t elapsed = MillisSince(body_start_);
    if (elapsed > limits_.body_idle_timeout_ms &&
        body_bytes_ * 1000 < limits_.min_body_rate_bps * static_cast<uint64_t>(elapsed)) {
      return 0;  // too slow on average: a trickle attack or a dead link
    }
    return limits_.body_idle_timeout_ms;
  }

  struct Address {
    bool known = false;
    std::string ip;
    int port = 0;
  };

  int fd_;
  const HttpLimits& limits_;
  mutable Address remote_, local_;
  bool in_body_ = false;
  bool must_close_ = false;
  bool hold_next_write_ = false;
  // A response's headers until its body is written; mutable so that the const is_readable()
  // can send them before waiting.
  mutable std::string held_;
  Clock::time_point request_start_ = Clock::now();
  Clock::time_point body_start_ = Clock::now();
  uint64_t body_bytes_ = 0;
  char buf_[4096];
  size_t buf_pos_ = 0;
  size_t buf_len_ = 0;
};

thread_local ConnectionStream* current_stream = nullptr;
thread_local Clock::time_point request_started;
thread_local const std::string* current_route = nullptr;

const std::string kUnmatchedRoute = "unmatched";

}  // namespace

class HttpServer::Transport final : public httplib::Server {
 public:
  Transport(const Router& router, Authenticator authenticate, MetricsRegistry& metrics,
            HttpLimits limits)
      : router_(router),
        authenticate_(std::move(authenticate)),
        metrics_(metrics),
        limits_(limits) {
    set_payload_max_length(std::max(limits_.max_body_bytes, limits_.max_upload_bytes));
    // Only used for the Keep-Alive header the library writes; the loop below enforces them.
    set_keep_alive_max_count(kMaxRequestsPerConnection);
    set_keep_alive_timeout(std::max(1, limits_.keep_alive_timeout_ms / 1000));
    int threads = limits_.threads;
    new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    // The library listens with a backlog of 5, so a burst of clients connecting at once (an
    // inference load) saw connections refused; Bind() listens again with the system's limit,
    // which needs the socket. SO_REUSEADDR as usual; not SO_REUSEPORT, which would let a second
    // server take the same port.
    set_socket_options([this](int sock) {
      int yes = 1;
      ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
      listen_socket_ = sock;
    });

    set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (current_stream) current_stream->BeginBody();
      // Bodies on methods without a body route are read into memory by the library: refuse
      // anything large before that happens.
      bool buffered = req.method == "GET" || req.method == "HEAD" || req.method == "OPTIONS";
      if (buffered && (req.get_header_value("Transfer-Encoding") == "chunked" ||
                       std::strtoull(req.get_header_value("Content-Length").c_str(), nullptr, 10) >
                           limits_.max_body_bytes)) {
        WriteError(res, BodyTooLarge(limits_.max_body_bytes));
        if (current_stream) current_stream->MustClose();
        return HandlerResponse::Handled;
      }
      return HandlerResponse::Unhandled;
    });
    Get(".*", [this](const httplib::Request& req, httplib::Response& res) {
      Dispatch(req, res, nullptr);
    });
    Options(".*", [this](const httplib::Request& req, httplib::Response& res) {
      Dispatch(req, res, nullptr);
    });
    auto with_body = [this](const httplib::Request& req, httplib::Response& res,
                            const httplib::ContentReader& reader) { Dispatch(req, res, &reader); };
    Post(".*", with_body);
    Put(".*", with_body);
    Patch(".*", with_body);
    Delete(".*", with_body);

    set_error_handler([](const httplib::Request&, httplib::Response& res) {
      if (!res.body.empty()) return;
      Status st = res.status == 404 ? NotFound("no such route")
                  : res.status == 413
                      ? Status(StatusCode::kResourceExhausted, "request body is too large",
                               Json{{"limit_bytes", 0}})
                  : res.status == 416 ? OutOfRange("requested range is not satisfiable")
                  : res.status >= 500 ? Internal("internal error")
                                      : InvalidArgument("malformed HTTP request");
      int keep = res.status;
      WriteError(res, st);
      res.status = keep;
    });
    set_exception_handler(
        [](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
          try {
            if (ep) std::rethrow_exception(ep);
          } catch (const std::exception& e) {
            EASEL_LOG_ERROR("unhandled exception in {} {}: {}", req.method, req.path, e.what());
          } catch (...) {
            EASEL_LOG_ERROR("unhandled exception in {} {}", req.method, req.path);
          }
          WriteError(res, Internal("internal error"));
        });
    // Counted before the response goes out, so a client that reads /metrics right after a
    // response on another connection already sees it.
    set_post_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      const std::string& route = current_route ? *current_route : kUnmatchedRoute;
      double seconds = std::chrono::duration<double>(Clock::now() - request_started).count();
      const AccessSeries& series = SeriesFor(route, req.method, res.status);
      series.requests.Increment();
      series.duration.Observe(seconds);
      current_route = nullptr;
    });
  }

  bool draining() const { return draining_.load(); }
  // Raises the listen backlog of the bound socket to the system's limit.
  void WidenBacklog() {
    if (listen_socket_ >= 0) ::listen(listen_socket_, SOMAXCONN);
  }

  void BeginDrain() {
    draining_ = true;
    stop();
  }

 private:
  bool process_and_close_socket(socket_t sock) override {
    // Headers and body go out in separate writes: without this, Nagle's algorithm holds the
    // body back until the client's delayed ACK (~40 ms per keep-alive request).
    int one = 1;
    ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ConnectionStream strm(sock, limits_);
    current_stream = &strm;
    for (int served = 0; served < kMaxRequestsPerConnection; ++served) {
      int64_t wait_ms = served == 0 ? limits_.header_timeout_ms : limits_.keep_alive_timeout_ms;
      // A pipelined request may already sit in the stream's buffer.
      if (strm.buffered() == 0 && !WaitForRequest(sock, wait_ms)) break;
      strm.BeginRequest();
      bool closed = false;
      bool close = served + 1 == kMaxRequestsPerConnection || draining_;
      bool ok = process_request(strm, close, closed,
                                [](httplib::Request&) { request_started = Clock::now(); });
      if (!strm.Flush()) break;  // a response without a body is all headers
      if (!ok || closed || close || strm.must_close()) break;
    }
    current_stream = nullptr;
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return true;
  }

  // Waits for the next request on a kept-alive connection, giving up early when draining.
  bool WaitForRequest(int fd, int64_t timeout_ms) {
    auto start = Clock::now();
    while (!draining_) {
      int64_t left = timeout_ms - MillisSince(start);
      if (left <= 0) return false;
      if (PollFor(fd, POLLIN, std::min<int64_t>(left, 100))) return true;
    }
    return false;
  }

  void Dispatch(const httplib::Request& req, httplib::Response& res,
                const httplib::ContentReader* reader) {
    auto segments = SplitTarget(req.target);
    if (!segments.ok()) {
      FinishWithError(req, res, segments.status(), reader);
      return;
    }
    std::string method = req.method == "HEAD" ? "GET" : req.method;
    RouteMatch m = router_.Match(method, *segments);
    if (m.route == nullptr) {
      if (m.allowed_methods.empty()) {
        FinishWithError(req, res, NotFound("no such route: " + req.method + " " + req.path),
                        reader);
        return;
      }
      std::string allow;
      for (const auto& a : m.allowed_methods) allow += (allow.empty() ? "" : ", ") + a;
      res.set_header("Allow", allow);
      FinishWithError(req, res,
                      Status(StatusCode::kInvalidArgument, "method not allowed",
                             Json{{"allowed", m.allowed_methods}}),
                      reader);
      res.status = 405;
      return;
    }
    current_route = &m.route->pattern;
    Call call(req, res, reader, *m.route, std::move(m.params), limits_,
              reader != nullptr && IsPlainBody(req) ? current_stream : nullptr);
    if (!m.route->options.public_route) {
      Status st = Authenticate(req, call);
      if (!st.ok()) {
        FinishWithError(req, res, st, reader);
        return;
      }
    }
    Status st = m.route->handler(call);
    if (!st.ok()) {
      res.body.clear();
      WriteError(res, st);
    }
    if (reader == nullptr) return;
    switch (call.body_state()) {
      case Call::BodyState::kUnread:
        DiscardBody(req, *reader, res);
        break;
      case Call::BodyState::kPartlyRead:
        // The rest of a plain body, as an unread one: read and dropped when small.
        if (call.plain_left() <= kDrainLimit && call.SkipBodyRest().ok()) break;
        if (current_stream) current_stream->MustClose();
        break;
      case Call::BodyState::kAbandoned:
        // Reading it again would wait for bytes the client has already sent.
        if (current_stream) current_stream->MustClose();
        break;
      case Call::BodyState::kRead:
        break;
    }
  }

  // A body with a Content-Length, sent as is: no Content-Encoding, not chunked.
  static bool IsPlainBody(const httplib::Request& req) {
    const std::string& encoding = req.get_header_value("Content-Encoding");
    return req.has_header("Content-Length") && !req.has_header("Transfer-Encoding") &&
           (encoding.empty() || encoding == "identity") && !req.is_multipart_form_data();
  }

  Status Authenticate(const httplib::Request& req, Call& call) {
    const std::string& header = req.get_header_value("Authorization");
    constexpr std::string_view kBearer = "Bearer ";
    if (header.size() <= kBearer.size() || header.compare(0, kBearer.size(), kBearer) != 0) {
      return Unauthenticated("missing bearer token: send 'Authorization: Bearer <token>'");
    }
    EASEL_ASSIGN_OR_RETURN(auth::Principal p,
                           authenticate_(std::string_view(header).substr(kBearer.size())));
    call.set_principal(std::move(p));
    return OkStatus();
  }

  void FinishWithError(const httplib::Request& req, httplib::Response& res, const Status& st,
                       const httplib::ContentReader* reader) {
    WriteError(res, st);
    if (reader != nullptr) DiscardBody(req, *reader, res);
  }

  // A body the handler did not read would be parsed as the next request. Small ones (up to
  // kDrainLimit) are read and dropped; for anything bigger the connection closes after this
  // response.
  void DiscardBody(const httplib::Request& req, const httplib::ContentReader& reader,
                   httplib::Response& res) {
    uint64_t read = 0;
    auto count = [&](const char*, size_t n) {
      read += n;
      return read <= kDrainLimit;
    };
    // httplib reads a multipart body only through the multipart form of the reader (the plain
    // form throws std::bad_function_call on it).
    // httplib marks a read it had to stop as 400; the response already says what went wrong.
    const int status = res.status;
    bool ok = req.is_multipart_form_data()
                  ? reader([](const httplib::MultipartFormData&) { return true; }, count)
                  : reader(count);
    res.status = status;
    if (!ok && current_stream) current_stream->MustClose();
  }

  static constexpr int kMaxRequestsPerConnection = 10000;
  // The most of a body the handler left that is read to keep the connection.
  static constexpr uint64_t kDrainLimit = 1 << 20;

  // The metric series a response is counted in, looked up once per route, method and status
  // rather than by rendering their labels on every request.
  struct AccessSeries {
    MetricsRegistry::SeriesHandle requests;  // easel_http_requests_total
    MetricsRegistry::SeriesHandle duration;  // easel_http_request_duration_seconds
  };
  const AccessSeries& SeriesFor(const std::string& route, const std::string& method,
                                int status) {
    std::lock_guard lock(access_mu_);
    auto it = access_series_.find(std::tuple<std::string_view, std::string_view, int>(
        route, method, status));
    if (it == access_series_.end()) {
      AccessSeries series{
          .requests = metrics_.Handle(
              "easel_http_requests_total",
              {{"route", route}, {"method", method}, {"code", std::to_string(status)}}),
          .duration = metrics_.Handle("easel_http_request_duration_seconds", {{"route", route}})};
      it = access_series_.emplace(std::tuple(route, method, status), series).first;
    }
    return it->second;  // map nodes stay put, and none is ever erased
  }

  const Router& router_;
  Authenticator authenticate_;
  MetricsRegistry& metrics_;
  HttpLimits limits_;
  std::atomic<bool> draining_{false};
  int listen_socket_ = -1;
  std::mutex access_mu_;
  std::map<std::tuple<std::string, std::string, int>, AccessSeries, std::less<>> access_series_;
};

HttpServer::HttpServer(const Router& router, Authenticator authenticate, MetricsRegistry& metrics,
                       HttpLimits limits)
    : transport_(std::make_unique<Transport>(router, std::move(authenticate), metrics, limits)) {
  metrics.DeclareCounter("easel_http_requests_total", "HTTP requests by route, method and status.");
  metrics.DeclareHistogram(
      "easel_http_request_duration_seconds",
      "HTTP request latency by route, from headers read to response sent.",
      {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10});
}

HttpServer::~HttpServer() = default;

Result<int> HttpServer::Bind(const std::string& host, int port) {
  if (port == 0) {
    int p = transport_->bind_to_any_port(host);
    if (p <= 0) return Unavailable("cannot listen on " + host);
    transport_->WidenBacklog();
    return p;
  }
  if (!transport_->bind_to_port(host, port)) {
    return Unavailable("cannot listen on " + host + ":" + std::to_string(port));
  }
  transport_->WidenBacklog();
  return port;
}

void HttpServer::Serve() { transport_->listen_after_bind(); }
void HttpServer::Stop() { transport_->BeginDrain(); }
bool HttpServer::draining() const { return transport_->draining(); }

}  // namespace easel::api
