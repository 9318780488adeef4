#include "common/status.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

namespace easel {
namespace {

constexpr std::array<std::string_view, 17> kCodeNames = {
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
};

const std::string& EmptyString() {
  static const std::string* empty = new std::string();
  return *empty;
}

const nlohmann::json& NullJson() {
  static const nlohmann::json* null = new nlohmann::json();
  return *null;
}

}  // namespace

struct Status::Rep {
  std::string message;
  nlohmann::json details;
};

std::string_view StatusCodeName(StatusCode code) {
  auto i = static_cast<size_t>(code);
  return i < kCodeNames.size() ? kCodeNames[i] : "UNKNOWN";
}

std::optional<StatusCode> StatusCodeFromName(std::string_view name) {
  for (size_t i = 0; i < kCodeNames.size(); ++i) {
    if (kCodeNames[i] == name) return static_cast<StatusCode>(i);
  }
  return std::nullopt;
}

Status::Status(StatusCode code, std::string message)
    : Status(code, std::move(message), nlohmann::json()) {}

Status::Status(StatusCode code, std::string message, nlohmann::json details) {
  if (code != StatusCode::kOk) {
    code_ = code;
    rep_ = new Rep{std::move(message), std::move(details)};
  }
}

void Status::DeleteRep(Rep* rep) { delete rep; }

Status::Status(const Status& other)
    : code_(other.code_), rep_(other.rep_ ? new Rep(*other.rep_) : nullptr) {}

Status& Status::operator=(const Status& other) {
  if (this != &other) {
    Rep* copy = other.rep_ ? new Rep(*other.rep_) : nullptr;
    delete rep_;
    code_ = other.code_;
    rep_ = copy;
  }
  return *this;
}

Status& Status::operator=(Status&& other) noexcept {
  if (this != &other) {
    delete rep_;
    code_ = other.code_;
    rep_ = other.rep_;
    other.code_ = StatusCode::kOk;
    other.rep_ = nullptr;
  }
  return *this;
}

const std::string& Status::message() const { return rep_ ? rep_->message : EmptyString(); }
const nlohmann::json& Status::details() const { return rep_ ? rep_->details : NullJson(); }

std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::string(StatusCodeName(code_)) + ": " + rep_->message;
}

#define EASEL_STATUS_BUILDER(Name, Code) \
  Status Name(std::string message) { return Status(StatusCode::Code, std::move(message)); }
EASEL_STATUS_BUILDER(InvalidArgument, kInvalidArgument)
EASEL_STATUS_BUILDER(NotFound, kNotFound)
EASEL_STATUS_BUILDER(AlreadyExists, kAlreadyExists)
EASEL_STATUS_BUILDER(PermissionDenied, kPermissionDenied)
EASEL_STATUS_BUILDER(Unauthenticated, kUnauthenticated)
EASEL_STATUS_BUILDER(FailedPrecondition, kFailedPrecondition)
EASEL_STATUS_BUILDER(ResourceExhausted, kResourceExhausted)
EASEL_STATUS_BUILDER(OutOfRange, kOutOfRange)
EASEL_STATUS_BUILDER(Unimplemented, kUnimplemented)
EASEL_STATUS_BUILDER(Unavailable, kUnavailable)
EASEL_STATUS_BUILDER(Internal, kInternal)
EASEL_STATUS_BUILDER(Aborted, kAborted)
EASEL_STATUS_BUILDER(Cancelled, kCancelled)
EASEL_STATUS_BUILDER(DeadlineExceeded, kDeadlineExceeded)
EASEL_STATUS_BUILDER(DataLoss, kDataLoss)
#undef EASEL_STATUS_BUILDER

void DieOnBadResultAccess(const Status& status) {
  std::fprintf(stderr, "easel: value() of a failed Result: %s\n", status.ToString().c_str());
  std::abort();
}

}  // namespace easel
