#pragma once
// A job: one user-facing long operation (training, import, export...) as the metadata store
// records it, and its JSON shape in the REST API (API.md "Jobs").

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/json.h"
#include "common/status.h"

namespace easel::jobs {

// queued → running → (succeeded | failed | cancelled); running → queued when a worker dies
// and attempts remain, or when the server shuts down.
enum class JobState { kQueued, kRunning, kSucceeded, kFailed, kCancelled };

inline constexpr JobState kAllJobStates[] = {JobState::kQueued, JobState::kRunning,
                                             JobState::kSucceeded, JobState::kFailed,
                                             JobState::kCancelled};

// "queued", "running", "succeeded", "failed", "cancelled".
std::string_view JobStateName(JobState state);
// INVALID_ARGUMENT naming the valid states for anything else (a bad `?state=` is a 400).
Result<JobState> ParseJobState(std::string_view name);
// Succeeded, failed and cancelled jobs never change state again.
bool IsFinal(JobState state);

// One row of the `jobs` table. Times are milliseconds since the epoch.
struct Job {
  std::string id;
  std::string project_id;
  std::string kind;
  Json spec;  // an object
  JobState state = JobState::kQueued;
  int64_t attempt = 0;  // 0 until first claimed; +1 per claim
  int64_t max_attempts = 3;
  int64_t timeout_s = 0;  // per attempt; 0: the executor's default
  std::string created_by;
  int64_t created_at = 0;
  std::optional<int64_t> started_at;  // first claim
  std::optional<int64_t> finished_at;
  std::optional<int64_t> heartbeat_at;
  double progress_fraction = 0;
  std::string progress_message;
  std::optional<Json> result;   // set when succeeded
  std::optional<Status> error;  // set when failed or cancelled
  bool cancel_requested = false;
  std::string runner;  // executor that claimed the current attempt; empty when queued
  std::optional<int64_t> worker_pid;
  std::optional<std::string> log_digest;  // blob of the whole log once archived
  std::optional<std::string> parent_id;   // the job that started this one (a search's trial)
};

// The API shape: {id, kind, state, attempt, max_attempts, created_at, started_at, finished_at,
// progress: {fraction, message}, result?, error?: {code, message}, spec, parent_id?}; times are
// RFC 3339 strings or null.
Json JobToJson(const Job& job);

// The `{code, message}` object stored in jobs.error and shown in the API, and back.
Json ErrorToJson(const Status& error);
Status ErrorFromJson(const Json& error);

}  // namespace easel::jobs
