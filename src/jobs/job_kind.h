#pragma once
// Job kinds: what a job of a given `kind` does, registered explicitly by the composition root
// (no static-initializer registration). Each kind describes itself (name, description,
// parameter schema) so the API can list kinds and validate a spec at submit time, where a bad
// spec is a 400 and not a failed job.

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/status.h"

namespace easel::store {
class Database;
}  // namespace easel::store

namespace easel::jobs {

class JobContext;

struct JobKind {
  std::string name;  // [a-z0-9_]{1,64}: the `kind` of a submission
  std::string description;
  // JSON-Schema-like description of the spec: {type: object, properties: {field: {type,
  // minimum?, maximum?, default?, description}}, required: [...]}. Shown to users and used by
  // console forms; `validate` is what enforces it.
  Json params_schema = Json::object();
  bool test_only = false;  // exists only in test builds of the server (e.g. `sleep`)
  // A coordinator starts other jobs (a search's trials) and mostly waits for them. It runs in
  // a pool of its own (ExecutorOptions::max_coordinators), so coordinators can never take all
  // the slots their own children need.
  bool coordinator = false;
  // Checks a spec without side effects; INVALID_ARGUMENT naming the field. May be empty.
  std::function<Status(const Json& spec)> validate;
  // Checks what a valid spec refers to (a dataset, a model version) in the submitting
  // project, so that a missing one is the submit's 4xx instead of a failed job. May be empty.
  std::function<Status(const Json& spec, store::Database& db, const std::string& project_id)> check;
  // Runs the job inside an `easel worker` process. Returns the job's result (a JSON value), or
  // an error: CANCELLED when it stopped because ctx.cancelled() became true, anything else
  // fails the job with that error. Exceptions are caught by the worker and fail the job.
  std::function<Result<Json>(JobContext& ctx)> run;

  // INVALID_ARGUMENT when `spec` is not an object or `validate` rejects it.
  Status ValidateSpec(const Json& spec) const;
};

// {name, description, params_schema, test_only}: the self-description served by the API.
Json JobKindToJson(const JobKind& kind);

// Register every kind at start-up, then share the registry read-only: Register is not
// thread-safe, the const methods are safe from any number of threads once registration is done.
class JobKindRegistry {
 public:
  // INVALID_ARGUMENT for a malformed name or a kind without `run`; ALREADY_EXISTS for a name
  // registered before.
  Status Register(JobKind kind);
  // NOT_FOUND whose message lists the known kinds.
  Result<const JobKind*> Find(const std::string& name) const;
  // Sorted by name.
  std::vector<const JobKind*> List() const;

 private:
  std::map<std::string, JobKind> kinds_;
};

// The one list of built-in kinds. Test-only kinds (`sleep`) are registered only when
// `enable_test_kinds` is true; a production server passes false.
void RegisterBuiltinJobKinds(JobKindRegistry& registry, bool enable_test_kinds);

}  // namespace easel::jobs
