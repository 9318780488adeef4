#include "api/call.h"

#include <fmt/format.h>

#include "common/append_read.h"
#include "common/random.h"
namespace easel::api {

Status BodyTooLarge(uint64_t limit_bytes) {
  return Status(StatusCode::kResourceExhausted,
                fmt::format("request body is larger than the limit of {} bytes", limit_bytes),
                Json{{"limit_bytes", limit_bytes}});
}

const std::string& Call::param(std::string_view name) const {
  static const std::string empty;
  for (const auto& [k, v] : params_) {
    if (k == name) return v;
  }
  return empty;
}

std::optional<std::string> Call::query(const std::string& name) const {
  if (!req_.has_param(name.c_str())) return std::nullopt;
  return req_.get_param_value(name.c_str());
}

std::optional<uint64_t> Call::DeclaredLength() const {
  if (!req_.has_header("Content-Length")) return std::nullopt;
  return std::strtoull(req_.get_header_value("Content-Length").c_str(), nullptr, 10);
}

Status Call::ReadBodyWithin(
    uint64_t max_bytes, std::string_view ended_early,
    const std::function<bool(const httplib::ContentReceiver&, Status& failure)>& read,
    const std::function<Status(const char*, size_t)>& sink) {
  // httplib decodes gzip, deflate (zlib) and br bodies on the way in, so the limit counts
  // decoded bytes; it would pass any other coding through as if there were none.
  const std::string encoding = req_.get_header_value("Content-Encoding");
  const bool encoded = !encoding.empty() && encoding != "identity";
  if (encoded && encoding != "gzip" && encoding != "deflate" && encoding != "br") {
    return Status(StatusCode::kInvalidArgument,
                  "Content-Encoding '" + encoding +
                      "' is not supported: send the body as is, or as gzip, deflate or br",
                  Json{{"content_encoding", encoding}});
  }
  if (std::optional<uint64_t> declared = DeclaredLength()) {
    if (*declared > max_bytes) return BodyTooLarge(max_bytes);
  }
  body_state_ = BodyState::kAbandoned;  // until the read completes
  uint64_t total = 0;
  Status failure;
  bool complete = read(
      [&](const char* data, size_t n) {
        total += n;
        if (total > max_bytes) {
          failure = BodyTooLarge(max_bytes);
          return false;
        }
        failure = sink(data, n);
        return failure.ok();
      },
      failure);
  if (!failure.ok()) return failure;
  if (!complete) {
    if (encoded) {
      return InvalidArgument(fmt::format("{} or is not valid {}", ended_early, encoding));
    }
    return InvalidArgument(std::string(ended_early));
  }
  body_state_ = BodyState::kRead;
  return OkStatus();
}

namespace {

// How much of a plain body is read at a time.
constexpr uint64_t kPlainPiece = 1 << 20;

}  // namespace

Status Call::ReadPlain(char* out, size_t size) {
  size_t got = 0;
  while (got < size) {
    const ssize_t n = plain_body_->read(out + got, size - got);
    if (n <= 0) return InvalidArgument("the request body ended early");
    got += static_cast<size_t>(n);
  }
  return OkStatus();
}

Result<std::optional<uint64_t>> Call::PlainBodyLength(uint64_t max_bytes) {
  const std::optional<uint64_t> declared = DeclaredLength();
  if (plain_body_ == nullptr || reader_ == nullptr || !declared) {
    return std::optional<uint64_t>();
  }
  if (*declared > max_bytes) return BodyTooLarge(max_bytes);  // never read
  plain_left_ = *declared;
  body_state_ = plain_left_ == 0 ? BodyState::kRead : BodyState::kPartlyRead;
  return declared;
}

Status Call::ReadBodyPart(char* out, size_t size) {
  if (size > plain_left_) return InvalidArgument("the request body ended early");
  if (Status st = ReadPlain(out, size); !st.ok()) {
    body_state_ = BodyState::kAbandoned;  // how much of the piece came is not known
    return st;
  }
  plain_left_ -= size;
  if (plain_left_ == 0) body_state_ = BodyState::kRead;
  return OkStatus();
}

Status Call::ReadBodyPart(size_t size, std::string& out) {
  return AppendRead(out, size, kPlainPiece,
                    [this](char* at, size_t n) { return ReadBodyPart(at, n); });
}

Status Call::StreamPlainRest(const std::function<Status(const char*, size_t)>& sink) {
  std::string piece(std::min(plain_left_, kPlainPiece), '\0');
  while (plain_left_ > 0) {
    const size_t n = std::min(plain_left_, kPlainPiece);
    EASEL_RETURN_IF_ERROR(ReadBodyPart(piece.data(), n));
    EASEL_RETURN_IF_ERROR(sink(piece.data(), n));
  }
  return OkStatus();
}

Status Call::SkipBodyRest() {
  return StreamPlainRest([](const char*, size_t) { return OkStatus(); });
}

Status Call::StreamBody(uint64_t max_bytes,
                        const std::function<Status(const char*, size_t)>& sink) {
  if (reader_ == nullptr) {  // GET and friends: no body to stream
    body_state_ = BodyState::kRead;
    return OkStatus();
  }
  EASEL_ASSIGN_OR_RETURN(std::optional<uint64_t> plain, PlainBodyLength(max_bytes));
  if (plain) return StreamPlainRest(sink);
  return ReadBodyWithin(
      max_bytes, "the request body ended early",
      [&](const httplib::ContentReceiver& receiver, Status&) { return (*reader_)(receiver); },
      sink);
}

Status Call::ReadBody(uint64_t max_bytes, std::string& body) {
  EASEL_ASSIGN_OR_RETURN(std::optional<uint64_t> plain, PlainBodyLength(max_bytes));
  if (plain) return ReadBodyPart(plain_left_, body);
  const std::optional<uint64_t> declared = DeclaredLength();
  if (declared && *declared <= max_bytes) body.reserve(body.size() + *declared);
  return StreamBody(max_bytes, [&](const char* p, size_t n) {
    body.append(p, n);
    return OkStatus();
  });
}

Status Call::StreamMultipart(
    uint64_t max_bytes,
    const std::function<Status(const std::string&, const std::string&)>& on_part,
    const std::function<Status(const char*, size_t)>& on_data) {
  if (!is_multipart()) return InvalidArgument("the body must be multipart/form-data");
  if (reader_ == nullptr) {
    body_state_ = BodyState::kRead;
    return InvalidArgument("the request has no body");
  }
  return ReadBodyWithin(
      max_bytes, "the multipart body is malformed or ended early",
      [&](const httplib::ContentReceiver& receiver, Status& failure) {
        return (*reader_)(
            [&](const httplib::MultipartFormData& part) {
              failure = on_part(part.name, part.filename);
              return failure.ok();
            },
            receiver);
      },
      on_data);
}

Result<Json> Call::JsonBody() {
  std::string body;
  if (reader_ == nullptr) {
    body = req_.body;
  } else {
    EASEL_RETURN_IF_ERROR(ReadBody(limits_.max_body_bytes, body));
  }
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return Json::object();
  EASEL_ASSIGN_OR_RETURN(Json j, ParseJson(body, limits_.max_json_depth));
  EASEL_RETURN_IF_ERROR(RequireObject(j, "request body"));
  return j;
}

Result<PageRequest> Call::Page() const {
  PageRequest page;
  if (auto limit = query("limit")) {
    char* end = nullptr;
    long v = std::strtol(limit->c_str(), &end, 10);
    if (limit->empty() || *end != '\0' || v < 1 || v > 1000) {
      return InvalidArgument("limit must be an integer from 1 to 1000");
    }
    page.limit = static_cast<int>(v);
  }
  if (auto token = query("page_token"); token && !token->empty()) {
    auto key = Base64UrlDecode(*token);
    if (!key || key->size() > 256) return InvalidArgument("page_token is not valid");
    page.after = *key;
  }
  return page;
}

void Call::Reply(int status, const Json& body) {
  res_.status = status;
  res_.set_content(DumpJson(body), "application/json");
}

Json PageJson(Json items, const PageRequest& page, const std::string& last_key) {
  Json out = {{"items", std::move(items)}};
  out["next_page_token"] =
      out["items"].size() >= static_cast<size_t>(page.limit) ? Base64UrlEncode(last_key) : "";
  return out;
}

}  // namespace easel::api
