#include "jobs/job_store.h"

#include <algorithm>

#include "common/log.h"
#include "common/random.h"
#include "common/time.h"
#include "jobs/job_rows.h"

namespace easel::jobs {
namespace internal {

Job JobFromRow(const store::Row& r) {
  auto parse = [](const std::optional<std::string>& text) -> std::optional<Json> {
    if (!text) return std::nullopt;
    auto json = ParseJson(*text);
    return json.ok() ? std::optional<Json>(*json) : std::nullopt;
  };
  Job j;
  j.id = r.Str(0);
  j.project_id = r.Str(1);
  j.kind = r.Str(2);
  j.spec = parse(r.OptStr(3)).value_or(Json::object());
  auto state = ParseJobState(r.Str(4));
  if (!state.ok()) EASEL_LOG_ERROR("job {} has an unknown state '{}'", j.id, r.Str(4));
  j.state = state.ok() ? *state : JobState::kFailed;
  j.attempt = r.Int(5);
  j.max_attempts = r.Int(6);
  j.timeout_s = r.Int(7);
  j.created_by = r.Str(8);
  j.created_at = r.Int(9);
  j.started_at = r.OptInt(10);
  j.finished_at = r.OptInt(11);
  j.heartbeat_at = r.OptInt(12);
  j.progress_fraction = r.Double(13);
  j.progress_message = r.Str(14);
  j.result = parse(r.OptStr(15));
  if (auto error = parse(r.OptStr(16))) j.error = ErrorFromJson(*error);
  j.cancel_requested = r.Int(17) != 0;
  j.runner = r.Str(18);
  j.worker_pid = r.OptInt(19);
  j.log_digest = r.OptStr(20);
  j.parent_id = r.OptStr(21);
  return j;
}

std::string ForUpdate(const store::SqlSession& s) {
  return s.dialect() == store::Dialect::kPostgres ? " FOR UPDATE" : "";
}

Result<Job> LoadJob(store::SqlSession& s, const std::string& id) {
  EASEL_ASSIGN_OR_RETURN(
      auto row, s.QueryOne(std::string("SELECT ") + kJobColumns + " FROM jobs WHERE id = ?", {id}));
  if (!row) return NotFound("job '" + id + "' does not exist");
  return JobFromRow(*row);
}

}  // namespace internal

namespace {

using internal::JobFromRow;
using internal::kJobColumns;

// queued → cancelled now; running → cancel_requested, for the executor to act on.
Status CancelInTransaction(store::SqlSession& s, const std::string& id, JobState state,
                           const std::string& reason) {
  if (state == JobState::kQueued) {
    return s
        .Exec(
            "UPDATE jobs SET state = 'cancelled', finished_at = ?, error = ?, "
            "cancel_requested = 1 WHERE id = ?",
            {NowMillis(), DumpJson(ErrorToJson(Cancelled(reason))), id})
        .status();
  }
  return s.Exec("UPDATE jobs SET cancel_requested = 1 WHERE id = ?", {id}).status();
}

constexpr size_t kMaxSpecBytes = 1 << 20;
constexpr int64_t kMaxTimeoutS = 30LL * 24 * 3600;

Status ValidateKindName(const std::string& kind) {
  bool ok = !kind.empty() && kind.size() <= 64;
  for (char c : kind) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
  if (!ok) {
    return Status(StatusCode::kInvalidArgument,
                  "job kind must be 1 to 64 characters of a-z, 0-9 and '_'",
                  Json{{"field", "kind"}});
  }
  return OkStatus();
}

Status BadField(const std::string& field, const std::string& message) {
  return Status(StatusCode::kInvalidArgument, message, Json{{"field", field}});
}

}  // namespace

Result<Job> JobStore::Submit(const std::string& project_id, const std::string& kind,
                             const Json& spec, const std::string& created_by,
                             const SubmitOptions& options) {
  EASEL_RETURN_IF_ERROR(ValidateKindName(kind));
  if (!spec.is_object()) return BadField("spec", "job spec must be a JSON object");
  std::string spec_text = DumpJson(spec);
  if (spec_text.size() > kMaxSpecBytes) return BadField("spec", "job spec is larger than 1 MiB");
  if (options.max_attempts < 1 || options.max_attempts > 100) {
    return BadField("max_attempts", "max_attempts must be between 1 and 100");
  }
  if (options.timeout_s < 0 || options.timeout_s > kMaxTimeoutS) {
    return BadField("timeout_s", "timeout_s must be between 0 and 2592000 (30 days)");
  }
  Job j;
  j.id = NewId();
  j.project_id = project_id;
  j.kind = kind;
  j.spec = spec;
  j.max_attempts = options.max_attempts;
  j.timeout_s = options.timeout_s;
  j.created_by = created_by;
  j.created_at = NowMillis();
  store::SqlValue parent;  // NULL
  if (!options.parent_id.empty()) {
    j.parent_id = options.parent_id;
    parent = options.parent_id;
  }
  // One transaction with the parent's row locked: a cancel of the parent either comes first
  // (and this child is refused) or sees the child and cancels it too. Never an orphan that runs
  // on after its search was cancelled.
  EASEL_RETURN_IF_ERROR(db_.Transaction([&](store::SqlSession& s) -> Status {
    if (!options.parent_id.empty()) {
      EASEL_ASSIGN_OR_RETURN(
          auto row, s.QueryOne("SELECT state, cancel_requested FROM jobs WHERE project_id = ? AND "
                               "id = ?" +
                                   internal::ForUpdate(s),
                               {project_id, options.parent_id}));
      if (!row) {
        return FailedPrecondition("parent job '" + options.parent_id + "' does not exist");
      }
      const JobState state = ParseJobState(row->Str(0)).value_or(JobState::kFailed);
      if (IsFinal(state) || row->Int(1) != 0) {
        return Cancelled("parent job '" + options.parent_id +
                         "' is cancelled or has ended: it starts no more jobs");
      }
    }
    return s
        .Exec("INSERT INTO jobs (id, project_id, kind, spec, state, attempt, max_attempts, "
              "timeout_s, created_by, created_at, parent_id) VALUES (?, ?, ?, ?, 'queued', 0, ?, "
              "?, ?, ?, ?)",
              {j.id, j.project_id, j.kind, spec_text, j.max_attempts, j.timeout_s, j.created_by,
               j.created_at, parent})
        .status();
  }));
  return j;
}

Result<Job> JobStore::Get(const std::string& project_id, const std::string& id) {
  EASEL_ASSIGN_OR_RETURN(auto row, db_.QueryOne(std::string("SELECT ") + kJobColumns +
                                                    " FROM jobs WHERE project_id = ? AND id = ?",
                                                {project_id, id}));
  if (!row) return NotFound("job '" + id + "' does not exist");
  return JobFromRow(*row);
}

Result<Job> JobStore::GetById(const std::string& id) {
  EASEL_ASSIGN_OR_RETURN(
      auto row,
      db_.QueryOne(std::string("SELECT ") + kJobColumns + " FROM jobs WHERE id = ?", {id}));
  if (!row) return NotFound("job '" + id + "' does not exist");
  return JobFromRow(*row);
}

Result<std::vector<Job>> JobStore::List(const std::string& project_id,
                                        std::optional<JobState> state, const std::string& after_id,
                                        int limit) {
  std::string sql =
      std::string("SELECT ") + kJobColumns + " FROM jobs WHERE project_id = ? AND id > ?";
  store::SqlParams params{project_id, after_id};
  if (state) {
    sql += " AND state = ?";
    params.emplace_back(std::string(JobStateName(*state)));
  }
  sql += " ORDER BY id LIMIT ?";
  params.emplace_back(int64_t{std::clamp(limit, 1, 1000)});
  EASEL_ASSIGN_OR_RETURN(auto rows, db_.Query(sql, params));
  std::vector<Job> out;
  out.reserve(rows.size());
  for (const store::Row& r : rows) out.push_back(JobFromRow(r));
  return out;
}

Result<std::map<JobState, int64_t>> JobStore::CountByState() {
  std::map<JobState, int64_t> counts;
  for (JobState s : kAllJobStates) counts[s] = 0;
  EASEL_ASSIGN_OR_RETURN(auto rows, db_.Query("SELECT state, COUNT(*) FROM jobs GROUP BY state"));
  for (const store::Row& r : rows) {
    if (auto s = ParseJobState(r.Str(0)); s.ok()) counts[*s] = r.Int(1);
  }
  return counts;
}

Result<Job> JobStore::RequestCancel(const std::string& project_id, const std::string& id) {
  Job job;
  EASEL_RETURN_IF_ERROR(db_.Transaction([&](store::SqlSession& s) -> Status {
    EASEL_ASSIGN_OR_RETURN(auto row,
                           s.QueryOne("SELECT state FROM jobs WHERE project_id = ? AND id = ?" +
                                          internal::ForUpdate(s),
                                      {project_id, id}));
    if (!row) return NotFound("job '" + id + "' does not exist");
    JobState state = ParseJobState(row->Str(0)).value_or(JobState::kFailed);
    if (IsFinal(state)) {
      return FailedPrecondition("job '" + id + "' has already " + std::string(JobStateName(state)));
    }
    EASEL_RETURN_IF_ERROR(CancelInTransaction(s, id, state, "cancelled by request"));
    // Then the unfinished descendants, breadth first.
    std::vector<std::string> parents = {id};
    while (!parents.empty()) {
      std::string parent = parents.back();
      parents.pop_back();
      EASEL_ASSIGN_OR_RETURN(
          auto children,
          s.Query("SELECT id, state FROM jobs WHERE parent_id = ? AND state IN ('queued', "
                  "'running')" +
                      internal::ForUpdate(s),
                  {parent}));
      for (const store::Row& child : children) {
        JobState child_state = ParseJobState(child.Str(1)).value_or(JobState::kRunning);
        EASEL_RETURN_IF_ERROR(
            CancelInTransaction(s, child.Str(0), child_state, "its parent job was cancelled"));
        parents.push_back(child.Str(0));
      }
    }
    EASEL_ASSIGN_OR_RETURN(job, internal::LoadJob(s, id));
    return OkStatus();
  }));
  return job;
}

Result<std::vector<Job>> JobStore::Children(const std::string& parent_id) {
  EASEL_ASSIGN_OR_RETURN(auto rows, db_.Query(std::string("SELECT ") + kJobColumns +
                                                  " FROM jobs WHERE parent_id = ? ORDER BY id",
                                              {parent_id}));
  std::vector<Job> jobs;
  for (const store::Row& r : rows) jobs.push_back(JobFromRow(r));
  return jobs;
}

Result<Json> JobStore::ListMetrics(const std::string& project_id, const std::string& id) {
  EASEL_RETURN_IF_ERROR(Get(project_id, id));
  EASEL_ASSIGN_OR_RETURN(auto rows, db_.Query("SELECT name, step, value, time FROM job_metrics "
                                              "WHERE job_id = ? ORDER BY name, step, time",
                                              {id}));
  Json series = Json::object();
  for (const store::Row& r : rows) {
    Json& points = series[r.Str(0)];
    Json point{{"step", r.Int(1)}, {"value", r.Double(2)}, {"time", FormatRfc3339(r.Int(3))}};
    // Rows come sorted by time within a step: a later attempt's value replaces the earlier.
    if (!points.empty() && points.back()["step"] == point["step"]) {
      points.back() = std::move(point);
    } else {
      points.push_back(std::move(point));
    }
  }
  return Json{{"series", std::move(series)}};
}

}  // namespace easel::jobs
