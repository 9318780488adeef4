#pragma once
// Status and Result<T>: how every easel function reports failure.
//
// A Status is either OK (cheap: no allocation) or an error with a canonical code (the gRPC
// set, which maps one-to-one onto HTTP statuses, see api/errors.h), a human sentence and
// optional JSON details. No exception crosses a module boundary: adapters that call
// third-party libraries catch and convert to Status.

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace easel {

enum class StatusCode {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
  kUnauthenticated = 16,
};

// "INVALID_ARGUMENT", "NOT_FOUND", ...: the names used in error bodies.
std::string_view StatusCodeName(StatusCode code);
std::optional<StatusCode> StatusCodeFromName(std::string_view name);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message);
  Status(StatusCode code, std::string message, nlohmann::json details);

  Status(const Status& other);
  Status& operator=(const Status& other);
  Status(Status&& other) noexcept : code_(other.code_), rep_(other.rep_) {
    other.code_ = StatusCode::kOk;
    other.rep_ = nullptr;
  }
  Status& operator=(Status&& other) noexcept;
  ~Status() {
    if (rep_ != nullptr) DeleteRep(rep_);
  }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const;
  // Null JSON when there are none.
  const nlohmann::json& details() const;

  // "NOT_FOUND: dataset 'x' does not exist"
  std::string ToString() const;

  // Marks a Status as deliberately ignored.
  void IgnoreError() const {}

 private:
  struct Rep;
  static void DeleteRep(Rep* rep);
  StatusCode code_ = StatusCode::kOk;
  Rep* rep_ = nullptr;  // owned: message and details; null when OK
};

inline Status OkStatus() { return Status(); }

// Builders read like sentences at the call site: return NotFound("dataset 'x' does not exist").
Status InvalidArgument(std::string message);
Status NotFound(std::string message);
Status AlreadyExists(std::string message);
Status PermissionDenied(std::string message);
Status Unauthenticated(std::string message);
Status FailedPrecondition(std::string message);
Status ResourceExhausted(std::string message);
Status OutOfRange(std::string message);
Status Unimplemented(std::string message);
Status Unavailable(std::string message);
Status Internal(std::string message);
Status Aborted(std::string message);
Status Cancelled(std::string message);
Status DeadlineExceeded(std::string message);
Status DataLoss(std::string message);

// Result<T> holds a T or an error Status. Accessing value() of an error aborts: check ok().
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    if (status_.ok()) status_ = Status(StatusCode::kInternal, "Result built from OK status");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const& { return status_; }
  // By value from a temporary, so that `auto&& s = Foo().status();` (EASEL_RETURN_IF_ERROR
  // does that) holds the Status rather than a reference into a Result already destroyed.
  Status status() && { return std::move(status_); }

  T& value() & { return Checked(); }
  const T& value() const& { return const_cast<Result*>(this)->Checked(); }
  T&& value() && { return std::move(Checked()); }
  T& operator*() & { return Checked(); }
  T&& operator*() && { return std::move(Checked()); }
  const T& operator*() const& { return const_cast<Result*>(this)->Checked(); }
  T* operator->() { return &Checked(); }
  const T* operator->() const { return &const_cast<Result*>(this)->Checked(); }

  T value_or(T fallback) const& { return ok() ? *value_ : std::move(fallback); }

 private:
  T& Checked();
  Status status_;
  std::optional<T> value_;
};

[[noreturn]] void DieOnBadResultAccess(const Status& status);

template <typename T>
T& Result<T>::Checked() {
  if (!value_) DieOnBadResultAccess(status_);
  return *value_;
}

namespace internal {
inline const Status& AsStatus(const Status& s) { return s; }
template <typename T>
const Status& AsStatus(const Result<T>& r) {
  return r.status();
}
}  // namespace internal

}  // namespace easel

#define EASEL_CONCAT_INNER(a, b) a##b
#define EASEL_CONCAT(a, b) EASEL_CONCAT_INNER(a, b)

// Returns the error of a Status or Result expression from the enclosing function.
#define EASEL_RETURN_IF_ERROR(expr)                                                   \
  do {                                                                                \
    auto&& easel_status_or_ = (expr);                                                 \
    if (!easel_status_or_.ok()) return ::easel::internal::AsStatus(easel_status_or_); \
  } while (0)

// EASEL_ASSIGN_OR_RETURN(auto x, Foo()); declares x from a Result or returns its error.
#define EASEL_ASSIGN_OR_RETURN(lhs, expr) \
  EASEL_ASSIGN_OR_RETURN_IMPL(EASEL_CONCAT(easel_result_, __LINE__), lhs, expr)
#define EASEL_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.ok()) return tmp.status();               \
  lhs = std::move(tmp).value()
