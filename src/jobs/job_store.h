#pragma once
// The durable job queue: job rows in the metadata store and every state change they go
// through. Each state change is one transaction and is conditional on the state it expects,
// so several server threads, several servers sharing a PostgreSQL database and the worker
// processes can all act on the same jobs at once without losing or duplicating an update.
//
// Attempts: ClaimNext starts attempt N+1. Worker-side updates name the attempt they belong
// to, and an update for an attempt that is no longer the running one is ignored, so a worker
// that outlived its attempt (a stale worker) can never overwrite a newer attempt.
//
// Client-facing calls take a project id: a job of another project is NOT_FOUND, the same
// answer as a job that does not exist.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "jobs/job.h"
#include "store/sql.h"

namespace easel::jobs {

struct SubmitOptions {
  int64_t max_attempts = 3;  // 1..100
  int64_t timeout_s = 0;     // per attempt, 0..30 days; 0: the executor's default
  // The job that starts this one (a search submitting its trials), in the same project; empty
  // for none. Cancelling the parent cancels the child.
  std::string parent_id;
};

// Which queued jobs a claim may take: those whose kind is in `kinds` (include) or not in it
// (exclude). The default takes any job.
struct KindFilter {
  std::vector<std::string> kinds;
  bool include = false;
};

// Non-owning view of the database; cheap to copy; thread-safe as Database is.
class JobStore {
 public:
  explicit JobStore(store::Database& db) : db_(db) {}
  store::Database& db() const { return db_; }

  // --- client side (API layer) ---

  // A new `queued` job. INVALID_ARGUMENT for a malformed kind name, a spec that is not a JSON
  // object or is larger than 1 MiB, or options out of range; FAILED_PRECONDITION when the
  // project does not exist or options.parent_id names no job of the project. Whether `kind` is
  // registered is the caller's check.
  Result<Job> Submit(const std::string& project_id, const std::string& kind, const Json& spec,
                     const std::string& created_by, const SubmitOptions& options = {});
  Result<Job> Get(const std::string& project_id, const std::string& id);
  // For the executor and workers, which act on any project's jobs.
  Result<Job> GetById(const std::string& id);
  // A project's jobs in creation order (ids sort by time), after `after_id` (exclusive, "" for
  // the first page); `limit` is clamped to 1..1000.
  Result<std::vector<Job>> List(const std::string& project_id, std::optional<JobState> state,
                                const std::string& after_id, int limit);
  // Every state, zero-filled; for a Prometheus gauge.
  Result<std::map<JobState, int64_t>> CountByState();
  // queued → cancelled at once; running → cancel_requested (the executor stops the worker and
  // records `cancelled`; asking again is harmless); a finished job → FAILED_PRECONDITION.
  // Every unfinished descendant (children, their children...) is cancelled the same way in the
  // same transaction. Returns the job as it is after the call.
  Result<Job> RequestCancel(const std::string& project_id, const std::string& id);
  // The jobs `parent_id` started, in creation order.
  Result<std::vector<Job>> Children(const std::string& parent_id);
  // {series: {name: [{step, value, time}]}}, steps ascending; when a resumed attempt logged a
  // step again, its latest value wins.
  Result<Json> ListMetrics(const std::string& project_id, const std::string& id);

  // --- executor side ---

  // Moves the oldest queued job to `running` for `runner_id` and starts its next attempt.
  // nullopt when nothing is queued. Concurrent claimers never get the same job (SKIP LOCKED on
  // PostgreSQL; SQLite write transactions are exclusive).
  Result<std::optional<Job>> ClaimNext(const std::string& runner_id, const KindFilter& filter = {});
  // Records the worker process of an attempt (shown to operators, never trusted for signals
  // across servers).
  Status SetWorkerPid(const std::string& id, int64_t attempt, int64_t pid);
  // Running jobs of `runner_id` whose cancellation was requested.
  Result<std::vector<std::string>> CancelRequested(const std::string& runner_id);
  // The attempt ended without a final state. With `consume_attempt`, the job goes back to
  // `queued`, or to `failed` with INTERNAL "<reason> on attempt N of M" when it was the last
  // attempt; without it (server shutdown) it goes back to `queued` and the interrupted attempt
  // is not counted. A job whose cancellation was requested becomes `cancelled` instead.
  // FAILED_PRECONDITION when the job is no longer running that attempt. Returns the new state.
  Result<JobState> Requeue(const std::string& id, int64_t attempt, const std::string& reason,
                           bool consume_attempt = true);
  // Start-up recovery: every job still `running` under `runner_id` was interrupted by the
  // previous run of this server; each is re-queued (consuming its attempt) or failed as
  // Requeue does. Returns the jobs touched with their new state.
  Result<std::vector<std::pair<std::string, JobState>>> RecoverRunner(const std::string& runner_id);
  // Records the archived log of a finished job and counts its blob reference, in one
  // transaction. A second call for the same job is a no-op.
  Status SetLogDigest(const std::string& id, const std::string& digest, uint64_t size);

  // --- worker side (all conditional on `attempt` still running) ---

  // false when the attempt is no longer running (cancelled by the executor, re-queued...): the
  // worker should stop.
  Result<bool> Heartbeat(const std::string& id, int64_t attempt);
  // `fraction` is clamped to 0..1; `message` is cut to 1,000 bytes.
  Status SetProgress(const std::string& id, int64_t attempt, double fraction,
                     const std::string& message);
  // INVALID_ARGUMENT for a name outside [A-Za-z0-9_./-]{1,128} or a non-finite value.
  Status AppendMetric(const std::string& id, const std::string& name, int64_t step, double value);
  // Records the end of an attempt: a value → `succeeded` with it as the result (progress 1),
  // CANCELLED → `cancelled`, any other error → `failed` with it. false (and no change) when the
  // job is no longer running that attempt.
  Result<bool> Finish(const std::string& id, int64_t attempt, const Result<Json>& outcome);
  // Whether someone asked to cancel this job (the worker asks after a SIGTERM, to tell a cancel
  // from a shutdown or a timeout).
  Result<bool> IsCancelRequested(const std::string& id);

 private:
  store::Database& db_;
};

}  // namespace easel::jobs
