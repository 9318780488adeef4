#pragma once
// Internal to the jobs module: how a Job maps onto a `jobs` row, shared by the two files that
// implement JobStore.

#include <string>

#include "jobs/job.h"
#include "store/sql.h"

namespace easel::jobs::internal {

// Selected in this order by every query that builds a Job.
inline constexpr const char* kJobColumns =
    "id, project_id, kind, spec, state, attempt, max_attempts, timeout_s, created_by, "
    "created_at, started_at, finished_at, heartbeat_at, progress_fraction, progress_message, "
    "result, error, cancel_requested, runner, worker_pid, log_digest, parent_id";

Job JobFromRow(const store::Row& r);

// " FOR UPDATE" on PostgreSQL, where READ COMMITTED needs row locks for read-then-write;
// nothing on SQLite, whose write transactions are already exclusive.
std::string ForUpdate(const store::SqlSession& s);

// "SELECT <columns> FROM jobs WHERE id = ?" inside a transaction.
Result<Job> LoadJob(store::SqlSession& s, const std::string& id);

}  // namespace easel::jobs::internal
