#include "labeling/prelabel_store.h"

#include <algorithm>
#include <cmath>

#include "common/names.h"
#include "common/time.h"
#include "labeling/annotations.h"

namespace easel::labeling {

namespace {

constexpr const char* kColumns =
    "sample_id, label, confidence, margin, entropy, model, model_version, model_version_id, "
    "job_id, created_at";

// Samples a person has not answered: accepting and pre-labeling touch only these.
constexpr const char* kUnanswered = "(a.status IS NULL OR a.status = 'unlabeled')";

// Samples per accept transaction.
constexpr int kAcceptChunk = 500;

Prelabel FromRow(const store::Row& r) {
  Prelabel p;
  p.sample_id = r.Str(0);
  p.label = r.Str(1);
  p.confidence = r.Double(2);
  p.margin = r.Double(3);
  p.entropy = r.Double(4);
  p.model = r.Str(5);
  p.model_version = r.Int(6);
  p.model_version_id = r.Str(7);
  p.job_id = r.Str(8);
  p.created_at = r.Int(9);
  return p;
}

Status Bad(const char* field, std::string message) {
  return Status(StatusCode::kInvalidArgument, std::move(message), Json{{"field", field}});
}

Status ValidateAccept(const Task& task, const AcceptRequest& req) {
  if (!std::isfinite(req.threshold) || req.threshold <= 0 || req.threshold > 1) {
    return Bad("threshold", "threshold must be a number greater than 0 and at most 1");
  }
  if (req.model) {
    if (Status st = ValidateName("model", *req.model); !st.ok()) return Bad("model", st.message());
  }
  if (req.version && !req.model) return Bad("version", "a version needs a model");
  if (req.version && *req.version < 1) return Bad("version", "model versions count from 1");
  if (task.kind == TaskKind::kDetection) {
    return FailedPrecondition("detection tasks have no pre-labels to accept");
  }
  return OkStatus();
}

// " AND p.model = ? [AND p.model_version = ?]" for the request, with its parameters.
std::string ModelFilter(const AcceptRequest& req, store::SqlParams& params) {
  std::string sql;
  if (req.model) {
    sql += " AND p.model = ?";
    params.emplace_back(*req.model);
  }
  if (req.version) {
    sql += " AND p.model_version = ?";
    params.emplace_back(*req.version);
  }
  return sql;
}

}  // namespace

Result<ClassScores> ScoreProbabilities(const float* p, size_t k) {
  if (k == 0) return InvalidArgument("a probability row has no classes");
  double sum = 0;
  for (size_t i = 0; i < k; ++i) {
    const double v = p[i];
    if (!std::isfinite(v) || v < 0) {
      return InvalidArgument("class probabilities must be finite and non-negative");
    }
    sum += v;
  }
  if (!(sum > 0) || !std::isfinite(sum)) {
    return InvalidArgument("class probabilities must have a positive, finite sum");
  }
  ClassScores s;
  double top1 = -1, top2 = 0, h = 0;
  for (size_t i = 0; i < k; ++i) {
    const double q = p[i] / sum;
    if (q > top1) {
      top2 = std::max(top1, 0.0);
      top1 = q;
      s.top = i;
    } else if (q > top2) {
      top2 = q;
    }
    if (q > 0) h -= q * std::log(q);
  }
  s.confidence = top1;
  s.margin = top1 - top2;
  s.entropy = k > 1 ? std::clamp(h / std::log(static_cast<double>(k)), 0.0, 1.0) : 0.0;
  return s;
}

Json PrelabelToJson(const Prelabel& p) {
  return {{"label", p.label},
          {"confidence", p.confidence},
          {"margin", p.margin},
          {"entropy", p.entropy},
          {"model", p.model},
          {"version", p.model_version},
          {"created_at", FormatRfc3339(p.created_at)}};
}

Status PrelabelStore::Write(const Task& task, const std::vector<Prelabel>& put,
                            const std::vector<std::string>& clear) {
  if (put.empty() && clear.empty()) return OkStatus();
  return db_.Transaction([&](store::SqlSession& s) -> Status {
    for (const Prelabel& p : put) {
      EASEL_RETURN_IF_ERROR(s.Exec(
          std::string("INSERT INTO labeling_prelabels (task_id, ") + kColumns +
              ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (task_id, sample_id) DO "
              "UPDATE SET label = excluded.label, confidence = excluded.confidence, "
              "margin = excluded.margin, entropy = excluded.entropy, model = excluded.model, "
              "model_version = excluded.model_version, "
              "model_version_id = excluded.model_version_id, job_id = excluded.job_id, "
              "created_at = excluded.created_at",
          {task.id, p.sample_id, p.label, p.confidence, p.margin, p.entropy, p.model,
           p.model_version, p.model_version_id,
           p.job_id.empty() ? store::SqlValue() : store::SqlValue(p.job_id), p.created_at}));
    }
    for (const std::string& id : clear) {
      EASEL_RETURN_IF_ERROR(s.Exec(
          "DELETE FROM labeling_prelabels WHERE task_id = ? AND sample_id = ?", {task.id, id}));
    }
    return OkStatus();
  });
}

Result<std::optional<Prelabel>> PrelabelStore::Get(const Task& task, const std::string& sample_id) {
  EASEL_ASSIGN_OR_RETURN(auto row, db_.QueryOne(std::string("SELECT ") + kColumns +
                                                    " FROM labeling_prelabels "
                                                    "WHERE task_id = ? AND sample_id = ?",
                                                {task.id, sample_id}));
  if (!row) return std::optional<Prelabel>();
  return std::optional<Prelabel>(FromRow(*row));
}

Result<std::map<std::string, Prelabel>> PrelabelStore::GetMany(
    const Task& task, const std::vector<std::string>& sample_ids) {
  std::map<std::string, Prelabel> out;
  if (sample_ids.empty()) return out;
  if (sample_ids.size() > 1000) return InvalidArgument("at most 1000 samples at a time");
  std::string sql = std::string("SELECT ") + kColumns +
                    " FROM labeling_prelabels WHERE task_id = ? AND sample_id IN (";
  store::SqlParams params = {task.id};
  for (size_t i = 0; i < sample_ids.size(); ++i) {
    sql += i ? ",?" : "?";
    params.emplace_back(sample_ids[i]);
  }
  EASEL_ASSIGN_OR_RETURN(auto rows, db_.Query(sql + ")", params));
  for (const store::Row& r : rows) {
    Prelabel p = FromRow(r);
    out.emplace(p.sample_id, std::move(p));
  }
  return out;
}

Result<PrelabelCounts> PrelabelStore::Counts(const Task& task) {
  EASEL_ASSIGN_OR_RETURN(
      auto row, db_.QueryOne(std::string("SELECT COUNT(*), COALESCE(SUM(CASE WHEN ") + kUnanswered +
                                 " THEN 1 ELSE 0 END), 0) FROM labeling_prelabels p "
                                 "LEFT JOIN labeling_annotations a "
                                 "ON a.task_id = p.task_id AND a.sample_id = p.sample_id "
                                 "WHERE p.task_id = ?",
                             {task.id}));
  PrelabelCounts c;
  if (row) {
    c.total = row->Int(0);
    c.open = row->Int(1);
  }
  return c;
}

Result<AcceptOutcome> PrelabelStore::Accept(const Task& task, const AcceptRequest& req,
                                            const std::string& user_id) {
  EASEL_RETURN_IF_ERROR(ValidateAccept(task, req));
  AcceptOutcome out;
  std::string after;  // sample ids ascend, so a pre-label skipped below is never seen twice
  for (;;) {
    int64_t accepted = 0;
    size_t seen = 0;
    std::string last;
    EASEL_RETURN_IF_ERROR(db_.Transaction([&](store::SqlSession& s) -> Status {
      accepted = 0;  // the transaction may be retried
      store::SqlParams params = {task.id, req.threshold, after};
      const std::string filter = ModelFilter(req, params);
      params.emplace_back(int64_t{kAcceptChunk});
      EASEL_ASSIGN_OR_RETURN(
          auto rows, s.Query(std::string("SELECT p.sample_id, ts.position, p.label, "
                                         "p.confidence, p.model, p.model_version, "
                                         "p.model_version_id FROM labeling_prelabels p "
                                         "JOIN labeling_task_samples ts "
                                         "ON ts.task_id = p.task_id AND ts.sample_id = p.sample_id "
                                         "LEFT JOIN labeling_annotations a "
                                         "ON a.task_id = p.task_id AND a.sample_id = p.sample_id "
                                         "WHERE p.task_id = ? AND p.confidence >= ? AND "
                                         "p.sample_id > ? AND ") +
                                 kUnanswered + filter + " ORDER BY p.sample_id LIMIT ?",
                             params));
      seen = rows.size();
      const int64_t now = NowMillis();
      for (const store::Row& r : rows) {
        last = r.Str(0);
        Annotation a;
        a.sample_id = r.Str(0);
        a.position = r.Int(1);
        a.labels = {r.Str(2)};
        // The job writes task labels only; a task's labels never change. Stay safe anyway.
        if (!task.HasLabel(a.labels[0])) continue;
        a.status = AnnotationStatus::kLabeled;
        a.author = user_id;
        a.updated_at = now;
        a.source = {{"kind", "prelabel"},
                    {"model", r.Str(4)},
                    {"version", r.Int(5)},
                    {"model_version_id", r.Str(6)},
                    {"confidence", r.Double(3)}};
        EASEL_RETURN_IF_ERROR(UpsertAnnotation(s, task, a));
        ++accepted;
      }
      return OkStatus();
    }));
    out.accepted += accepted;
    after = last;
    if (seen < static_cast<size_t>(kAcceptChunk)) break;
  }
  store::SqlParams params = {task.id};
  const std::string filter = ModelFilter(req, params);
  EASEL_ASSIGN_OR_RETURN(auto row, db_.QueryOne(std::string("SELECT COUNT(*) FROM "
                                                            "labeling_prelabels p "
                                                            "LEFT JOIN labeling_annotations a "
                                                            "ON a.task_id = p.task_id AND "
                                                            "a.sample_id = p.sample_id "
                                                            "WHERE p.task_id = ? AND ") +
                                                    kUnanswered + filter,
                                                params));
  out.remaining = row ? row->Int(0) : 0;
  return out;
}

}  // namespace easel::labeling
