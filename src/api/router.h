#pragma once
// Routes of the HTTP API: a method, a path pattern with {name} segments, and a handler. Paths
// are matched segment by segment on the raw request target, each segment percent-decoded on
// its own, so an encoded "%2F" can never change which route matches and "%2e%2e" reaches the
// handler as the literal name "..", which name validation rejects.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace easel::api {

class Call;
using Handler = std::function<Status(Call&)>;

// Bodies need no declaration: a handler reads one with Call::JsonBody() (size and depth
// limits) or Call::StreamBody() (upload limit), and an unread body is drained or the
// connection closed.
struct RouteOptions {
  bool public_route = false;  // no token needed (health checks and login)
};

struct Route {
  std::string method;
  std::string pattern;  // also the metrics label
  std::vector<std::string> segments;
  Handler handler;
  RouteOptions options;
};

struct RouteMatch {
  const Route* route = nullptr;
  std::vector<std::pair<std::string, std::string>> params;
  // When no route matched: the methods that would have matched this path (for 405 + Allow).
  std::vector<std::string> allowed_methods;
};

class Router {
 public:
  void Add(std::string method, std::string pattern, Handler handler, RouteOptions options = {});
  RouteMatch Match(std::string_view method, const std::vector<std::string>& segments) const;

 private:
  std::vector<Route> routes_;
};

// Splits the path of a raw request target ("/a/b%20c?x=1") into decoded segments. Rejects
// malformed percent-escapes and empty segments ("//") with INVALID_ARGUMENT.
Result<std::vector<std::string>> SplitTarget(std::string_view target);

}  // namespace easel::api
