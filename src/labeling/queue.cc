#include "labeling/queue.h"

#include "common/time.h"
#include "labeling/prelabel_store.h"

namespace easel::labeling {

namespace {

// The sample columns every queue query selects, the open-sample condition and the joins.
constexpr const char* kSampleColumns =
    "ts.sample_id, ts.position, ts.split, ts.line_offset, ts.line_length, a.status";
constexpr const char* kOpen = "(a.status IS NULL OR a.status IN ('unlabeled', 'rejected'))";
constexpr const char* kUnleased = "l.sample_id IS NULL";
constexpr const char* kAnnotationJoin =
    " LEFT JOIN labeling_annotations a ON a.task_id = ts.task_id AND a.sample_id = ts.sample_id";
constexpr const char* kLeaseJoin =
    " LEFT JOIN labeling_leases l ON l.task_id = ts.task_id AND l.sample_id = ts.sample_id";
constexpr const char* kPrelabelJoin =
    " LEFT JOIN labeling_prelabels p ON p.task_id = ts.task_id AND p.sample_id = ts.sample_id";

// ORDER BY terms putting the samples the model is least sure about first.
std::string LeastSureFirst(UncertaintyMeasure measure) {
  switch (measure) {
    case UncertaintyMeasure::kLeastConfidence:
      return "p.confidence ASC";
    case UncertaintyMeasure::kMargin:
      return "p.margin ASC";
    case UncertaintyMeasure::kEntropy:
      return "p.entropy DESC";
  }
  return "p.confidence ASC";
}

struct Picked {
  std::string sample_id;
  int64_t position = 0;
  int64_t split = 0;
  int64_t offset = 0;
  int64_t length = 0;
  bool has_annotation = false;
};

void AddRows(const std::vector<store::Row>& rows, std::vector<Picked>& out) {
  for (const store::Row& r : rows) {
    out.push_back({r.Str(0), r.Int(1), r.Int(2), r.Int(3), r.Int(4), !r.IsNull(5)});
  }
}

}  // namespace

Result<QueueStrategy> ParseQueueStrategy(std::string_view name) {
  if (name == "random") return QueueStrategy::kRandom;
  if (name == "uncertainty") return QueueStrategy::kUncertainty;
  return Status(StatusCode::kInvalidArgument,
                "unknown queue strategy; known strategies: random, uncertainty",
                Json{{"field", "strategy"}});
}

std::string_view ToString(UncertaintyMeasure measure) {
  switch (measure) {
    case UncertaintyMeasure::kLeastConfidence:
      return "least_confidence";
    case UncertaintyMeasure::kMargin:
      return "margin";
    case UncertaintyMeasure::kEntropy:
      return "entropy";
  }
  return "least_confidence";
}

Result<UncertaintyMeasure> ParseUncertaintyMeasure(std::string_view name) {
  if (name == "least_confidence") return UncertaintyMeasure::kLeastConfidence;
  if (name == "margin") return UncertaintyMeasure::kMargin;
  if (name == "entropy") return UncertaintyMeasure::kEntropy;
  return Status(StatusCode::kInvalidArgument,
                "unknown uncertainty measure; known measures: least_confidence, margin, entropy",
                Json{{"field", "measure"}});
}

LabelingQueue::LabelingQueue(store::Database& db, store::BlobStore& blobs, Options options)
    : db_(db), blobs_(blobs), tasks_(db, blobs), options_(std::move(options)) {}

int64_t LabelingQueue::Now() const { return options_.now ? options_.now() : NowMillis(); }

Result<std::vector<QueueItem>> LabelingQueue::Next(const Task& task, const std::string& user_id,
                                                   QueueStrategy strategy, int limit,
                                                   UncertaintyMeasure measure) {
  if (limit < 1 || limit > kMaxQueueLimit) {
    return Status(StatusCode::kInvalidArgument,
                  "limit must be an integer from 1 to " + std::to_string(kMaxQueueLimit),
                  Json{{"field", "limit"}});
  }
  const bool uncertainty = strategy == QueueStrategy::kUncertainty;
  const std::string least_sure = LeastSureFirst(measure);
  // The caller's own leases; under uncertainty the pre-labeled ones first, least sure first.
  const std::string own_sql =
      std::string("SELECT ") + kSampleColumns +
      " FROM labeling_leases l JOIN labeling_task_samples ts "
      "ON ts.task_id = l.task_id AND ts.sample_id = l.sample_id" +
      kAnnotationJoin + (uncertainty ? kPrelabelJoin : "") +
      " WHERE l.task_id = ? AND l.user_id = ? AND " + kOpen + " ORDER BY " +
      (uncertainty ? "CASE WHEN p.sample_id IS NULL THEN 1 ELSE 0 END, " + least_sure + ", "
                   : std::string()) +
      "ts.queue_rank LIMIT ?";
  // Open, unleased, pre-labeled samples, walking the measure's index of the task.
  const std::string unsure_sql = std::string("SELECT ") + kSampleColumns +
                                 " FROM labeling_prelabels p JOIN labeling_task_samples ts "
                                 "ON ts.task_id = p.task_id AND ts.sample_id = p.sample_id" +
                                 kAnnotationJoin + kLeaseJoin + " WHERE p.task_id = ? AND " +
                                 kUnleased + " AND " + kOpen + " ORDER BY " + least_sure +
                                 ", ts.queue_rank LIMIT ?";
  // Open, unleased samples in random order (under uncertainty: those without a pre-label).
  const std::string fresh_sql =
      std::string("SELECT ") + kSampleColumns + " FROM labeling_task_samples ts" + kAnnotationJoin +
      kLeaseJoin + (uncertainty ? kPrelabelJoin : "") + " WHERE ts.task_id = ? AND " + kUnleased +
      " AND " + kOpen + (uncertainty ? " AND p.sample_id IS NULL" : "") +
      " ORDER BY ts.queue_rank LIMIT ?";

  const int64_t now = Now();
  const int64_t expires_at = now + options_.lease_ms;
  std::vector<Picked> picked;
  EASEL_RETURN_IF_ERROR(db_.Transaction([&](store::SqlSession& s) -> Status {
    picked.clear();  // the transaction may be retried
    if (s.dialect() == store::Dialect::kPostgres) {
      // Queue requests of one task take turns, so two never lease the same samples. (SQLite
      // write transactions are exclusive already.)
      EASEL_RETURN_IF_ERROR(
          s.Exec("SELECT id FROM labeling_tasks WHERE id = ? FOR UPDATE", {task.id}));
    }
    EASEL_RETURN_IF_ERROR(s.Exec(
        "DELETE FROM labeling_leases WHERE task_id = ? AND expires_at <= ?", {task.id, now}));
    auto wanted = [&] { return int64_t{limit - static_cast<int>(picked.size())}; };
    // The caller's own leases come back first: asking again must not skip work in hand.
    EASEL_ASSIGN_OR_RETURN(auto own, s.Query(own_sql, {task.id, user_id, int64_t{limit}}));
    AddRows(own, picked);
    if (uncertainty && wanted() > 0) {
      EASEL_ASSIGN_OR_RETURN(auto unsure, s.Query(unsure_sql, {task.id, wanted()}));
      AddRows(unsure, picked);
    }
    if (wanted() > 0) {
      EASEL_ASSIGN_OR_RETURN(auto fresh, s.Query(fresh_sql, {task.id, wanted()}));
      AddRows(fresh, picked);
    }
    for (const Picked& p : picked) {
      EASEL_RETURN_IF_ERROR(
          s.Exec("INSERT INTO labeling_leases (task_id, sample_id, user_id, expires_at) "
                 "VALUES (?, ?, ?, ?) ON CONFLICT (task_id, sample_id) DO UPDATE SET "
                 "user_id = excluded.user_id, expires_at = excluded.expires_at",
                 {task.id, p.sample_id, user_id, expires_at}));
    }
    return OkStatus();
  }));

  std::vector<QueueItem> items;
  if (picked.empty()) return items;
  EASEL_ASSIGN_OR_RETURN(data::DatasetVersion version, tasks_.Version(task));
  AnnotationStore annotations(db_, blobs_);
  std::vector<std::string> ids;
  for (const Picked& p : picked) ids.push_back(p.sample_id);
  EASEL_ASSIGN_OR_RETURN(auto prelabels, PrelabelStore(db_).GetMany(task, ids));
  for (const Picked& p : picked) {
    QueueItem item;
    item.sample.position = p.position;
    item.sample.split = static_cast<data::Split>(p.split);
    EASEL_ASSIGN_OR_RETURN(item.sample.sample, tasks_.ReadSample(version, p.offset, p.length));
    if (p.has_annotation) {
      EASEL_ASSIGN_OR_RETURN(item.annotation, annotations.Get(task, p.sample_id));
    }
    if (auto it = prelabels.find(p.sample_id); it != prelabels.end()) item.prelabel = it->second;
    item.lease_expires_at = expires_at;
    items.push_back(std::move(item));
  }
  return items;
}

}  // namespace easel::labeling
