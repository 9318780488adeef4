// JobStore: the transitions driven by executors and workers (claim, heartbeat, progress,
// metrics, finish, requeue, recovery). Client-facing calls live in job_store.cc.

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "common/log.h"
#include "common/time.h"
#include "jobs/job_rows.h"
#include "jobs/job_store.h"
#include "store/blob_refs.h"

namespace easel::jobs {
namespace {

using internal::ForUpdate;
using internal::LoadJob;

constexpr size_t kMaxProgressMessageBytes = 1000;

bool ValidMetricName(const std::string& name) {
  if (name.empty() || name.size() > 128) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '/' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// Cuts at a byte limit without splitting a UTF-8 sequence.
std::string Truncate(const std::string& s, size_t max) {
  if (s.size() <= max) return s;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

}  // namespace

Result<std::optional<Job>> JobStore::ClaimNext(const std::string& runner_id,
                                               const KindFilter& filter) {
  // The kinds travel as parameters; an empty include list matches nothing.
  std::string where = "state = 'queued'";
  std::vector<store::SqlValue> params;
  if (!filter.kinds.empty()) {
    where += filter.include ? " AND kind IN (" : " AND kind NOT IN (";
    for (size_t i = 0; i < filter.kinds.size(); ++i) {
      where += i == 0 ? "?" : ", ?";
      params.emplace_back(filter.kinds[i]);
    }
    where += ")";
  } else if (filter.include) {
    return std::optional<Job>();
  }
  const std::string next = "SELECT id FROM jobs WHERE " + where + " ORDER BY id LIMIT 1";
  // A plain read first, so an idle scheduler polling an empty queue takes no write lock.
  EASEL_ASSIGN_OR_RETURN(auto any, db_.QueryOne(next, params));
  if (!any) return std::optional<Job>();
  std::optional<Job> claimed;
  EASEL_RETURN_IF_ERROR(db_.Transaction([&](store::SqlSession& s) -> Status {
    claimed.reset();
    std::string lock = s.dialect() == store::Dialect::kPostgres ? " FOR UPDATE SKIP LOCKED" : "";
    EASEL_ASSIGN_OR_RETURN(auto row, s.QueryOne(next + lock, params));
    if (!row) return OkStatus();
    std::string id = row->Str(0);
    int64_t now = NowMillis();
    EASEL_ASSIGN_OR_RETURN(
        int64_t changed,
        s.Exec("UPDATE jobs SET state = 'running', attempt = attempt + 1, "
               "started_at = COALESCE(started_at, ?), heartbeat_at = ?, runner = ?, "
               "worker_pid = NULL WHERE id = ? AND state = 'queued'",
               {now, now, runner_id, id}));
    if (changed != 1) return OkStatus();
    EASEL_ASSIGN_OR_RETURN(Job job, LoadJob(s, id));
    claimed = std::move(job);
    return OkStatus();
  }));
  return claimed;
}

Status JobStore::SetWorkerPid(const std::string& id, int64_t attempt, int64_t pid) {
  return db_
      .Exec("UPDATE jobs SET worker_pid = ? WHERE id = ? AND attempt = ? AND state = 'running'",
            {pid, id, attempt})
      .status();
}

Result<std::vector<std::string>> JobStore::CancelRequested(const std::string& runner_id) {
  EASEL_ASSIGN_OR_RETURN(auto rows, db_.Query("SELECT id FROM jobs WHERE state = 'running' AND "
                                              "runner = ? AND cancel_requested = 1",
                                              {runner_id}));
  std::vector<std::string> ids;
  for (const store::Row& r : rows) ids.push_back(r.Str(0));
  return ids;
}

Result<JobState> JobStore::Requeue(const std::string& id, int64_t attempt,
                                   const std::string& reason, bool consume_attempt) {
  JobState next = JobState::kQueued;
  EASEL_RETURN_IF_ERROR(db_.Transaction([&](store::SqlSession& s) -> Status {
    EASEL_ASSIGN_OR_RETURN(auto row, s.QueryOne("SELECT max_attempts, cancel_requested FROM jobs "
                                                "WHERE id = ? AND state = 'running' AND "
                                                "attempt = ?" +
                                                    ForUpdate(s),
                                                {id, attempt}));
    if (!row) {
      return FailedPrecondition(fmt::format("job '{}' is not running attempt {}", id, attempt));
    }
    int64_t max_attempts = row->Int(0);
    int64_t now = NowMillis();
    if (row->Int(1) != 0) {
      next = JobState::kCancelled;
      return s
          .Exec("UPDATE jobs SET state = 'cancelled', finished_at = ?, error = ? WHERE id = ?",
                {now, DumpJson(ErrorToJson(Cancelled("cancelled by request"))), id})
          .status();
    }
    if (consume_attempt && attempt >= max_attempts) {
      next = JobState::kFailed;
      Status error = Internal(fmt::format("{} on attempt {} of {}", reason, attempt, max_attempts));
      return s
          .Exec("UPDATE jobs SET state = 'failed', finished_at = ?, error = ? WHERE id = ?",
                {now, DumpJson(ErrorToJson(error)), id})
          .status();
    }
    next = JobState::kQueued;
    return s
        .Exec(
            "UPDATE jobs SET state = 'queued', attempt = ?, runner = NULL, worker_pid = NULL, "
            "heartbeat_at = NULL WHERE id = ?",
            {consume_attempt ? attempt : attempt - 1, id})
        .status();
  }));
  return next;
}

Result<std::vector<std::pair<std::string, JobState>>> JobStore::RecoverRunner(
    const std::string& runner_id) {
  EASEL_ASSIGN_OR_RETURN(auto rows, db_.Query("SELECT id, attempt FROM jobs WHERE "
                                              "state = 'running' AND runner = ? ORDER BY id",
                                              {runner_id}));
  std::vector<std::pair<std::string, JobState>> out;
  for (const store::Row& r : rows) {
    auto state = Requeue(r.Str(0), r.Int(1), "interrupted by a server restart");
    // FAILED_PRECONDITION: something else moved the job on meanwhile, nothing to recover.
    if (!state.ok() && state.status().code() == StatusCode::kFailedPrecondition) continue;
    EASEL_RETURN_IF_ERROR(state.status());
    out.emplace_back(r.Str(0), *state);
  }
  return out;
}

Status JobStore::SetLogDigest(const std::string& id, const std::string& digest, uint64_t size) {
  return db_.Transaction([&](store::SqlSession& s) -> Status {
    EASEL_ASSIGN_OR_RETURN(int64_t changed,
                           s.Exec("UPDATE jobs SET log_digest = ? WHERE id = ? AND "
                                  "log_digest IS NULL",
                                  {digest, id}));
    if (changed == 0) return OkStatus();
    return store::AddBlobRef(s, store::BlobInfo{digest, size});
  });
}

Result<bool> JobStore::Heartbeat(const std::string& id, int64_t attempt) {
  EASEL_ASSIGN_OR_RETURN(int64_t changed,
                         db_.Exec("UPDATE jobs SET heartbeat_at = ? WHERE id = ? AND "
                                  "attempt = ? AND state = 'running'",
                                  {NowMillis(), id, attempt}));
  return changed == 1;
}

Status JobStore::SetProgress(const std::string& id, int64_t attempt, double fraction,
                             const std::string& message) {
  if (!std::isfinite(fraction)) fraction = 0;
  fraction = std::clamp(fraction, 0.0, 1.0);
  return db_
      .Exec(
          "UPDATE jobs SET progress_fraction = ?, progress_message = ? WHERE id = ? AND "
          "attempt = ? AND state = 'running'",
          {fraction, Truncate(message, kMaxProgressMessageBytes), id, attempt})
      .status();
}

Status JobStore::AppendMetric(const std::string& id, const std::string& name, int64_t step,
                              double value) {
  if (!ValidMetricName(name)) {
    return InvalidArgument("metric names are 1 to 128 characters of A-Z, a-z, 0-9, _ . / -");
  }
  if (!std::isfinite(value)) return InvalidArgument("metric '" + name + "' is not finite");
  return db_
      .Exec("INSERT INTO job_metrics (job_id, name, step, value, time) VALUES (?, ?, ?, ?, ?)",
            {id, name, step, value, NowMillis()})
      .status();
}

Result<bool> JobStore::Finish(const std::string& id, int64_t attempt, const Result<Json>& outcome) {
  int64_t now = NowMillis();
  Result<int64_t> changed = int64_t{0};
  if (outcome.ok()) {
    changed = db_.Exec(
        "UPDATE jobs SET state = 'succeeded', finished_at = ?, result = ?, "
        "error = NULL, progress_fraction = 1 WHERE id = ? AND attempt = ? AND "
        "state = 'running'",
        {now, DumpJson(*outcome), id, attempt});
  } else {
    bool cancelled = outcome.status().code() == StatusCode::kCancelled;
    changed = db_.Exec(
        "UPDATE jobs SET state = ?, finished_at = ?, error = ? WHERE id = ? AND "
        "attempt = ? AND state = 'running'",
        {std::string(cancelled ? "cancelled" : "failed"), now,
         DumpJson(ErrorToJson(outcome.status())), id, attempt});
  }
  EASEL_RETURN_IF_ERROR(changed.status());
  return *changed == 1;
}

Result<bool> JobStore::IsCancelRequested(const std::string& id) {
  EASEL_ASSIGN_OR_RETURN(auto row,
                         db_.QueryOne("SELECT cancel_requested FROM jobs WHERE id = ?", {id}));
  if (!row) return NotFound("job '" + id + "' does not exist");
  return row->Int(0) != 0;
}

}  // namespace easel::jobs
