#pragma once
// One API request as a handler sees it: path parameters, query, the authenticated principal,
// the body (parsed JSON or streamed, both under size limits), and ways to reply.

#include <httplib.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/router.h"
#include "auth/identity.h"
#include "common/json.h"
#include "common/status.h"

namespace easel::api {

struct HttpLimits {
  uint64_t max_body_bytes = 64ull << 20;    // JSON and other buffered bodies
  uint64_t max_upload_bytes = 16ull << 30;  // streamed uploads (artifacts, imports)
  int max_json_depth = 64;
  int header_timeout_ms = 10000;       // whole request line + headers
  int body_idle_timeout_ms = 30000;    // longest silence while a body arrives
  uint64_t min_body_rate_bps = 16384;  // average after the first idle window
  int keep_alive_timeout_ms = 5000;
  int write_timeout_ms = 30000;
  int threads = 32;
};

struct PageRequest {
  int limit = 100;
  std::string after;  // exclusive keyset position decoded from page_token
};

class Call {
 public:
  // `plain_body`, when given, is the request's connection, for a body sent as is (a
  // Content-Length, no Content-Encoding, not chunked): the body is read from it in large pieces
  // rather than through httplib's reader, which reads 4 KiB at a time (a recv() each) and
  // copies every piece once more. A read that fails leaves the body kAbandoned.
  Call(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader* reader,
       const Route& route, std::vector<std::pair<std::string, std::string>> params,
       const HttpLimits& limits, httplib::Stream* plain_body = nullptr)
      : req_(req),
        res_(res),
        reader_(reader),
        plain_body_(plain_body),
        route_(route),
        params_(std::move(params)),
        limits_(limits) {}

  const httplib::Request& request() const { return req_; }
  httplib::Response& response() { return res_; }
  const Route& route() const { return route_; }

  // A {name} segment of the route pattern (decoded). Empty string when absent.
  const std::string& param(std::string_view name) const;
  std::optional<std::string> query(const std::string& name) const;

  const auth::Principal& principal() const { return principal_; }
  void set_principal(auth::Principal p) { principal_ = std::move(p); }

  // The body as a JSON object (an empty body reads as {}). INVALID_ARGUMENT when malformed,
  // not an object or nested too deeply; RESOURCE_EXHAUSTED (413) when over the body limit.
  Result<Json> JsonBody();
  // Streams the body to `sink` in chunks, decoded when its Content-Encoding is gzip, deflate or
  // br; stops with the sink's error, or RESOURCE_EXHAUSTED past `max_bytes` (decoded), or
  // INVALID_ARGUMENT when the client goes away mid-body, the body does not decode, or another
  // Content-Encoding is named.
  Status StreamBody(uint64_t max_bytes, const std::function<Status(const char*, size_t)>& sink);
  // The whole body into `body` (room made for its Content-Length at once); errors as
  // StreamBody.
  Status ReadBody(uint64_t max_bytes, std::string& body);
  // For a body sent as is (a Content-Length, no Content-Encoding, not chunked): its length,
  // after which ReadBodyPart reads it in order; nullopt for any other body (read it with
  // ReadBody or StreamBody). RESOURCE_EXHAUSTED (413) past `max_bytes`, before any byte is read.
  Result<std::optional<uint64_t>> PlainBodyLength(uint64_t max_bytes);
  // The next `size` bytes of a plain body (PlainBodyLength) into `out`; INVALID_ARGUMENT when
  // the body ends early or has fewer bytes left.
  Status ReadBodyPart(char* out, size_t size);
  // The same, appended to `out`, which grows as the bytes arrive (so a client that declares a
  // large body and sends little costs little); `out` is as it was when the read fails.
  Status ReadBodyPart(size_t size, std::string& out);
  // What became of the request's body. kUnread: never read, so the transport can still drain
  // a small one and keep the connection. kPartlyRead: a plain body read part-way (a handler
  // that answered before its end), whose rest (plain_left() bytes) the transport can drain in
  // the same way. kRead: read to its end. kAbandoned: a read stopped where the rest of the body
  // cannot be found (an error, a body that does not decode, one over the limit), so the
  // connection closes after the response.
  enum class BodyState { kUnread, kPartlyRead, kRead, kAbandoned };
  BodyState body_state() const { return body_state_; }
  uint64_t plain_left() const { return plain_left_; }
  // Reads the rest of a body in kPartlyRead and drops it.
  Status SkipBodyRest();
  // True for a multipart/form-data body.
  bool is_multipart() const { return req_.is_multipart_form_data(); }
  // Streams a multipart/form-data body part by part: `on_part(name, filename)` at each part's
  // start, then `on_data` with its bytes. Errors as StreamBody; INVALID_ARGUMENT when the body
  // is not multipart or is malformed.
  Status StreamMultipart(
      uint64_t max_bytes,
      const std::function<Status(const std::string& name, const std::string& filename)>& on_part,
      const std::function<Status(const char*, size_t)>& on_data);

  // ?limit= (1..1000, default 100) and ?page_token= (opaque; from a previous next_page_token).
  Result<PageRequest> Page() const;

  void Reply(int status, const Json& body);
  void ReplyNoContent() { res_.status = 204; }

  const HttpLimits& limits() const { return limits_; }

 private:
  // The Content-Length header's value, if the request has one.
  std::optional<uint64_t> DeclaredLength() const;
  // Runs `read` (one of the reader's two forms) with a chunk receiver that enforces
  // `max_bytes` and feeds `sink`; a failure stored in `failure` (by either) is returned.
  // `ended_early` is the message for a body that stops short.
  Status ReadBodyWithin(
      uint64_t max_bytes, std::string_view ended_early,
      const std::function<bool(const httplib::ContentReceiver&, Status& failure)>& read,
      const std::function<Status(const char*, size_t)>& sink);
  // Exactly `size` bytes of a plain body into `out`; INVALID_ARGUMENT when it ends early.
  Status ReadPlain(char* out, size_t size);
  // What is left of a plain body, a piece at a time, to `sink`.
  Status StreamPlainRest(const std::function<Status(const char*, size_t)>& sink);

  const httplib::Request& req_;
  httplib::Response& res_;
  const httplib::ContentReader* reader_;
  httplib::Stream* plain_body_;
  const Route& route_;
  std::vector<std::pair<std::string, std::string>> params_;
  const HttpLimits& limits_;
  auth::Principal principal_;
  BodyState body_state_ = BodyState::kUnread;
  uint64_t plain_left_ = 0;  // bytes of a plain body not read yet
};

// Builds {"items": [...], "next_page_token": "..."}: the token is present when the page is
// full, and encodes `last_key` (the keyset position of the last item).
Json PageJson(Json items, const PageRequest& page, const std::string& last_key);

// Size limit error (413) naming the limit.
Status BodyTooLarge(uint64_t limit_bytes);

}  // namespace easel::api
