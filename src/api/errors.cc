#include "api/errors.h"

namespace easel::api {

int HttpStatusFor(const Status& status) {
  // A few answers need an HTTP status the canonical code alone cannot say (416 for a range).
  if (status.details().is_object() && status.details().contains("http_status")) {
    const Json& s = status.details()["http_status"];
    if (s.is_number_integer() && s.get<int>() >= 400 && s.get<int>() < 600) return s.get<int>();
  }
  switch (status.code()) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
    case StatusCode::kOutOfRange:
      return 400;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
    case StatusCode::kAborted:
      return 409;
    case StatusCode::kFailedPrecondition:
      return 412;
    case StatusCode::kResourceExhausted:
      return status.details().is_object() && status.details().contains("limit_bytes") ? 413 : 429;
    case StatusCode::kUnimplemented:
      return 501;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kDeadlineExceeded:
      return 504;
    case StatusCode::kCancelled:
      return 499;
    default:
      return 500;
  }
}

Json ErrorBody(const Status& status) {
  Json error = {{"code", StatusCodeName(status.code())}, {"message", status.message()}};
  error["details"] = status.details().is_object() ? status.details() : Json::object();
  return Json{{"error", std::move(error)}};
}

void WriteError(httplib::Response& res, const Status& status) {
  res.status = HttpStatusFor(status);
  if (res.status == 429 || res.status == 503) res.set_header("Retry-After", "1");
  if (res.status == 401) res.set_header("WWW-Authenticate", "Bearer");
  res.set_content(DumpJson(ErrorBody(status)), "application/json");
}

}  // namespace easel::api
