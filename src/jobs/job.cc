#include "jobs/job.h"

#include "common/time.h"

namespace easel::jobs {
namespace {

Json TimeOrNull(const std::optional<int64_t>& millis) {
  return millis ? Json(FormatRfc3339(*millis)) : Json(nullptr);
}

}  // namespace

std::string_view JobStateName(JobState state) {
  switch (state) {
    case JobState::kQueued:
      return "queued";
    case JobState::kRunning:
      return "running";
    case JobState::kSucceeded:
      return "succeeded";
    case JobState::kFailed:
      return "failed";
    case JobState::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

Result<JobState> ParseJobState(std::string_view name) {
  for (JobState s : kAllJobStates) {
    if (JobStateName(s) == name) return s;
  }
  return Status(StatusCode::kInvalidArgument,
                "job state must be one of queued, running, succeeded, failed, cancelled",
                Json{{"field", "state"}});
}

bool IsFinal(JobState state) {
  return state == JobState::kSucceeded || state == JobState::kFailed ||
         state == JobState::kCancelled;
}

Json ErrorToJson(const Status& error) {
  Json out{{"code", std::string(StatusCodeName(error.code()))}, {"message", error.message()}};
  // Details say what exactly failed (an import's rejected files...).
  if (error.details().is_object() && !error.details().empty()) out["details"] = error.details();
  return out;
}

Status ErrorFromJson(const Json& error) {
  StatusCode code = StatusCode::kUnknown;
  std::string message;
  Json details;
  if (error.is_object()) {
    if (auto d = error.find("details"); d != error.end() && d->is_object()) details = *d;
    if (auto c = error.find("code"); c != error.end() && c->is_string()) {
      code = StatusCodeFromName(c->get<std::string>()).value_or(StatusCode::kUnknown);
    }
    if (auto m = error.find("message"); m != error.end() && m->is_string()) {
      message = m->get<std::string>();
    }
  }
  // An OK code would make the job look error-free; stored errors are errors by construction.
  if (code == StatusCode::kOk) code = StatusCode::kUnknown;
  return Status(code, std::move(message), std::move(details));
}

Json JobToJson(const Job& job) {
  Json out{
      {"id", job.id},
      {"kind", job.kind},
      {"state", std::string(JobStateName(job.state))},
      {"attempt", job.attempt},
      {"max_attempts", job.max_attempts},
      {"created_at", FormatRfc3339(job.created_at)},
      {"started_at", TimeOrNull(job.started_at)},
      {"finished_at", TimeOrNull(job.finished_at)},
      {"progress", {{"fraction", job.progress_fraction}, {"message", job.progress_message}}},
      {"spec", job.spec},
  };
  if (job.result) out["result"] = *job.result;
  if (job.error) out["error"] = ErrorToJson(*job.error);
  if (job.parent_id) out["parent_id"] = *job.parent_id;
  return out;
}

}  // namespace easel::jobs
