#pragma once
// ApiClient: the REST API of one easel server as the CLI uses it. Every call answers a Status
// built from the server's error body, so commands print the server's own sentence.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/config.h"
#include "common/json.h"
#include "common/status.h"

namespace httplib {
class Client;
}

namespace easel::cli {

// Errors the client itself raises carry {kClientErrorKey: "usage" | "unreachable"} as details
// (the exit code depends on it); StatusFromResponse strips the key from server details, so a
// server can never pose as one.
inline constexpr const char* kClientErrorKey = "_easel_cli";

// The Status for a non-2xx response: the error body's code name and message verbatim (details
// kept), or, for a body that is not an easel error (a proxy's HTML page), a code derived from
// the HTTP status and a sentence quoting the start of the body.
Status StatusFromResponse(int http_status, std::string_view body);

// The Status for a server that could not be reached at all; `reason` is the transport error.
// Commands exit with kExitUnreachable for it (IsUnreachable).
Status Unreachable(const std::string& server, std::string_view reason);
bool IsUnreachable(const Status& status);

// Percent-encodes one path segment or query value (everything outside A-Z a-z 0-9 - . _ ~).
std::string EncodeComponent(std::string_view s);

// Builds "?a=1&b=x" from the pairs whose value is not empty ("" when none are).
std::string QueryString(const std::vector<std::pair<std::string, std::string>>& params);

// Not thread-safe: one client per thread. Paths start with "/api/v1/..." and must already be
// encoded (EncodeComponent for every name or id that goes into them).
class ApiClient {
 public:
  // INVALID_ARGUMENT when `connection.server` is not an http:// or https:// URL.
  static Result<std::unique_ptr<ApiClient>> Create(Connection connection);
  ~ApiClient();

  const std::string& server() const { return connection_.server; }

  // JSON requests. A 204 or empty body answers a null Json.
  Result<Json> Get(const std::string& path);
  Result<Json> Post(const std::string& path, const Json& body = Json::object());
  Result<Json> Put(const std::string& path, const Json& body);
  Result<Json> Patch(const std::string& path, const Json& body);
  Result<Json> Delete(const std::string& path);

  // POSTs `body` as is with `content_type` and the extra request `headers` (the KServe binary
  // tensor extension: a JSON header followed by raw bytes) and answers the 2xx response
  // unparsed, with its headers. An error response becomes a Status like the JSON calls.
  using Headers = std::vector<std::pair<std::string, std::string>>;
  struct RawResponse {
    std::string body;
    Headers headers;
    // The value of the header `name` (case-insensitive); "" when absent.
    std::string Header(std::string_view name) const;
  };
  Result<RawResponse> PostRaw(const std::string& path, const std::string& body,
                              const std::string& content_type, const Headers& headers = {});

  // GET whose 2xx body is handed to `on_data` chunk by chunk as it arrives (logs -f, downloads).
  // `on_data` returning a non-OK Status stops the transfer with that Status. An error response
  // is collected whole and answered like the JSON calls.
  Status Stream(const std::string& path, const std::function<Status(std::string_view)>& on_data,
                int read_timeout_s);

  // POSTs `size` bytes produced by `read` (which fills up to n bytes at `offset` and answers
  // how many it wrote, or a Status on failure) as the raw request body.
  using BodyReader = std::function<Result<size_t>(uint64_t offset, char* buf, size_t n)>;
  Result<Json> Upload(const std::string& path, uint64_t size, const std::string& content_type,
                      const BodyReader& read);

 private:
  struct Target {
    std::string scheme_host_port;
    std::string base_path;  // "" or "/prefix" when the server lives under a path
  };
  ApiClient(Connection connection, Target target);

  Connection connection_;
  Target target_;
  std::unique_ptr<httplib::Client> http_;
};

}  // namespace easel::cli
