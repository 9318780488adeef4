#include "cli/client.h"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <regex>

#include "common/version.h"

namespace easel::cli {
namespace {

constexpr int kConnectTimeoutS = 10;
constexpr int kReadTimeoutS = 120;
constexpr size_t kMaxErrorBody = 64 * 1024;
constexpr size_t kUploadChunk = 256 * 1024;

StatusCode CodeForHttpStatus(int status) {
  switch (status) {
    case 400:
      return StatusCode::kInvalidArgument;
    case 401:
      return StatusCode::kUnauthenticated;
    case 403:
      return StatusCode::kPermissionDenied;
    case 404:
      return StatusCode::kNotFound;
    case 409:
      return StatusCode::kAlreadyExists;
    case 412:
      return StatusCode::kFailedPrecondition;
    case 413:
    case 429:
      return StatusCode::kResourceExhausted;
    case 499:
      return StatusCode::kCancelled;
    case 501:
      return StatusCode::kUnimplemented;
    case 502:
    case 503:
      return StatusCode::kUnavailable;
    case 504:
      return StatusCode::kDeadlineExceeded;
    default:
      return status >= 500 ? StatusCode::kInternal : StatusCode::kUnknown;
  }
}

// Why a request got no response, in words a user can act on.
std::string TransportReason(httplib::Error error) {
  switch (error) {
    case httplib::Error::Connection:
      return "connection refused or host unreachable";
    case httplib::Error::ConnectionTimeout:
      return "connection timed out";
    case httplib::Error::Read:
      return "the connection broke while reading the response";
    case httplib::Error::Write:
      return "the connection broke while sending the request";
    case httplib::Error::SSLConnection:
      return "TLS handshake failed";
    case httplib::Error::SSLServerVerification:
      return "the server's TLS certificate is not trusted";
    default:
      return "HTTP error " + httplib::to_string(error);
  }
}

Result<Json> BodyJson(const std::string& body) {
  if (body.empty()) return Json();
  Result<Json> json = ParseJson(body);
  if (!json.ok()) return Internal("the server answered a body that is not JSON");
  return json;
}

std::string_view TrimLine(std::string_view s) {
  s = s.substr(0, std::min(s.find('\n'), s.size()));
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ')) s.remove_suffix(1);
  return s.substr(0, 200);
}

}  // namespace

Status StatusFromResponse(int http_status, std::string_view body) {
  Result<Json> json = ParseJson(body);
  if (json.ok() && json->is_object() && json->contains("error") && (*json)["error"].is_object()) {
    const Json& error = (*json)["error"];
    StatusCode code = CodeForHttpStatus(http_status);
    if (auto name = error.find("code"); name != error.end() && name->is_string()) {
      if (auto parsed = StatusCodeFromName(name->get<std::string>())) code = *parsed;
    }
    auto m = error.find("message");
    std::string message = m != error.end() && m->is_string() ? m->get<std::string>() : "";
    if (message.empty()) message = "the server answered HTTP " + std::to_string(http_status);
    if (code == StatusCode::kOk) code = StatusCode::kUnknown;
    auto d = error.find("details");
    Json details = d != error.end() ? *d : Json::object();
    if (details.is_object()) details.erase(kClientErrorKey);
    if (details.is_object() && !details.empty()) return Status(code, message, details);
    return Status(code, message);
  }
  std::string message = "the server answered HTTP " + std::to_string(http_status);
  if (std::string_view line = TrimLine(body); !line.empty()) {
    message += ": " + std::string(line);
  }
  return Status(CodeForHttpStatus(http_status), message);
}

Status Unreachable(const std::string& server, std::string_view reason) {
  return Status(StatusCode::kUnavailable,
                "cannot reach the server at " + server + ": " + std::string(reason),
                Json{{kClientErrorKey, "unreachable"}});
}

bool IsUnreachable(const Status& status) {
  if (status.code() != StatusCode::kUnavailable || !status.details().is_object()) return false;
  auto it = status.details().find(kClientErrorKey);
  return it != status.details().end() && *it == "unreachable";
}

std::string EncodeComponent(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string QueryString(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [key, value] : params) {
    if (value.empty()) continue;
    out += out.empty() ? '?' : '&';
    out += EncodeComponent(key) + "=" + EncodeComponent(value);
  }
  return out;
}

Result<std::unique_ptr<ApiClient>> ApiClient::Create(Connection connection) {
  static const std::regex kUrl(R"(^(https?)://([^/?#\s]+)(/[^?#\s]*)?$)", std::regex::icase);
  std::smatch m;
  if (!std::regex_match(connection.server, m, kUrl)) {
    return InvalidArgument("server '" + connection.server + "' is not a URL like http://HOST:PORT");
  }
  Target target;
  std::string scheme = m[1].str();
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), ::tolower);
  target.scheme_host_port = scheme + "://" + m[2].str();
  target.base_path = m[3].str();
  while (!target.base_path.empty() && target.base_path.back() == '/') target.base_path.pop_back();
  auto client = std::unique_ptr<ApiClient>(new ApiClient(std::move(connection), std::move(target)));
  if (!client->http_->is_valid()) {
    return InvalidArgument("cannot use server '" + client->server() + "'");
  }
  return client;
}

ApiClient::ApiClient(Connection connection, Target target)
    : connection_(std::move(connection)),
      target_(std::move(target)),
      http_(std::make_unique<httplib::Client>(target_.scheme_host_port)) {
  http_->set_connection_timeout(kConnectTimeoutS, 0);
  http_->set_read_timeout(kReadTimeoutS, 0);
  http_->set_write_timeout(kReadTimeoutS, 0);
  http_->set_keep_alive(true);
  http_->set_follow_location(false);
  http_->set_default_headers({{"User-Agent", std::string("easel-cli/") + kVersion}});
  if (!connection_.token.empty()) http_->set_bearer_token_auth(connection_.token);
}

ApiClient::~ApiClient() = default;

namespace {

Result<Json> Finish(const std::string& server, const httplib::Result& r) {
  if (!r) return Unreachable(server, TransportReason(r.error()));
  if (r->status < 200 || r->status >= 300) return StatusFromResponse(r->status, r->body);
  return BodyJson(r->body);
}

}  // namespace

Result<Json> ApiClient::Get(const std::string& path) {
  return Finish(server(), http_->Get(target_.base_path + path));
}

Result<Json> ApiClient::Post(const std::string& path, const Json& body) {
  return Finish(server(),
                http_->Post(target_.base_path + path, DumpJson(body), "application/json"));
}

Result<Json> ApiClient::Put(const std::string& path, const Json& body) {
  return Finish(server(), http_->Put(target_.base_path + path, DumpJson(body), "application/json"));
}

Result<Json> ApiClient::Patch(const std::string& path, const Json& body) {
  return Finish(server(),
                http_->Patch(target_.base_path + path, DumpJson(body), "application/json"));
}

std::string ApiClient::RawResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (std::equal(key.begin(), key.end(), name.begin(), name.end(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return value;
    }
  }
  return "";
}

Result<ApiClient::RawResponse> ApiClient::PostRaw(const std::string& path, const std::string& body,
                                                  const std::string& content_type,
                                                  const Headers& headers) {
  httplib::Headers request_headers(headers.begin(), headers.end());
  httplib::Result r = http_->Post(target_.base_path + path, request_headers, body, content_type);
  if (!r) return Unreachable(server(), TransportReason(r.error()));
  if (r->status < 200 || r->status >= 300) return StatusFromResponse(r->status, r->body);
  return RawResponse{std::move(r->body), Headers(r->headers.begin(), r->headers.end())};
}

Result<Json> ApiClient::Delete(const std::string& path) {
  return Finish(server(), http_->Delete(target_.base_path + path));
}

Status ApiClient::Stream(const std::string& path,
                         const std::function<Status(std::string_view)>& on_data,
                         int read_timeout_s) {
  http_->set_read_timeout(read_timeout_s, 0);
  int status = 0;
  std::string error_body;
  Status stopped;
  httplib::Result r = http_->Get(
      target_.base_path + path,
      [&](const httplib::Response& res) {
        status = res.status;
        return true;
      },
      [&](const char* data, size_t n) {
        if (status < 200 || status >= 300) {
          size_t room = kMaxErrorBody > error_body.size() ? kMaxErrorBody - error_body.size() : 0;
          error_body.append(data, std::min(n, room));
          return true;
        }
        stopped = on_data(std::string_view(data, n));
        return stopped.ok();
      });
  http_->set_read_timeout(kReadTimeoutS, 0);
  if (!stopped.ok()) return stopped;
  if (!r) return Unreachable(server(), TransportReason(r.error()));
  if (r->status < 200 || r->status >= 300) {
    return StatusFromResponse(r->status, error_body.empty() ? r->body : error_body);
  }
  return OkStatus();
}

Result<Json> ApiClient::Upload(const std::string& path, uint64_t size,
                               const std::string& content_type, const BodyReader& read) {
  Status failed;
  httplib::Result r = http_->Post(
      target_.base_path + path, static_cast<size_t>(size),
      [&](size_t offset, size_t length, httplib::DataSink& sink) {
        std::string buf(std::min(length, kUploadChunk), '\0');
        Result<size_t> n = read(offset, buf.data(), buf.size());
        if (!n.ok()) {
          failed = n.status();
          return false;
        }
        if (*n == 0) {
          failed = DataLoss("the file got shorter while it was being uploaded");
          return false;
        }
        return sink.write(buf.data(), *n);
      },
      content_type);
  if (!failed.ok()) return failed;
  return Finish(server(), r);
}

}  // namespace easel::cli
