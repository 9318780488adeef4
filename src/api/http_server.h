#pragma once
// The HTTP/1.1 front door: cpp-httplib for parsing and writing, with easel owning each
// connection's loop so that it can cut off slow clients (a deadline for the request line and
// headers, a minimum rate for bodies), keep connections alive, and drain gracefully.
//
// Every request goes through the Router; routes that are not public need a bearer token,
// resolved by `authenticate`. Errors are JSON bodies (errors.h), including 404 for unknown
// paths and 405 (with Allow) for a known path with the wrong method. Thread-safe.

#include <functional>
#include <memory>
#include <string>

#include "api/call.h"
#include "api/router.h"
#include "auth/identity.h"
#include "common/metrics.h"

namespace easel::api {

using Authenticator = std::function<Result<auth::Principal>(std::string_view token)>;

class HttpServer {
 public:
  HttpServer(const Router& router, Authenticator authenticate, MetricsRegistry& metrics,
             HttpLimits limits);
  ~HttpServer();

  // Binds HOST:PORT (port 0 picks a free one) and returns the port. UNAVAILABLE if taken.
  Result<int> Bind(const std::string& host, int port);
  // Serves until Stop(); returns once in-flight requests have finished.
  void Serve();
  // Stops accepting at once; requests in flight finish, idle keep-alive connections close, and
  // long-lived streams (log follows) see draining() and end. Safe from any thread.
  void Stop();
  bool draining() const;

 private:
  class Transport;
  std::unique_ptr<Transport> transport_;
};

}  // namespace easel::api
