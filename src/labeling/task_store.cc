#include "labeling/task_store.h"

#include <algorithm>
#include <cstring>

#include "common/names.h"
#include "common/random.h"
#include "common/sha256.h"
#include "common/time.h"
#include "data/manifest.h"

namespace easel::labeling {

namespace {

constexpr const char* kTaskColumns =
    "t.id, t.project_id, t.dataset_id, d.name, t.version, t.name, t.kind, t.labels_json, "
    "t.instructions, t.seed, t.num_samples, t.created_by, t.created_at, t.committed_version";
constexpr const char* kTaskFrom = " FROM labeling_tasks t JOIN datasets d ON d.id = t.dataset_id";

// Rows per multi-row INSERT while a task indexes its samples (7 parameters each).
constexpr size_t kInsertBatch = 100;

Task TaskFromRow(const store::Row& r) {
  Task t;
  t.id = r.Str(0);
  t.project_id = r.Str(1);
  t.dataset_id = r.Str(2);
  t.dataset_name = r.Str(3);
  t.version = r.Int(4);
  t.name = r.Str(5);
  t.kind = ParseTaskKind(r.Str(6)).value_or(TaskKind::kClassification);
  if (auto labels = ParseJson(r.Str(7)); labels.ok() && labels->is_array()) {
    for (const Json& l : *labels) {
      if (l.is_string()) t.labels.push_back(l.get<std::string>());
    }
  }
  t.instructions = r.Str(8);
  t.seed = static_cast<uint64_t>(r.Int(9));
  t.num_samples = r.Int(10);
  t.created_by = r.Str(11);
  t.created_at = r.Int(12);
  t.committed_version = r.OptInt(13);
  return t;
}

// Buffers sample rows of a new task and writes them kInsertBatch at a time.
class SampleInserter {
 public:
  SampleInserter(store::SqlSession& s, const Task& task) : s_(s), task_(task) {}

  Status Add(const std::string& sample_id, int64_t position, data::Split split, uint64_t offset,
             uint64_t length) {
    params_.insert(params_.end(), {task_.id, sample_id, position, int64_t{static_cast<int>(split)},
                                   static_cast<int64_t>(offset), static_cast<int64_t>(length),
                                   QueueRank(task_.seed, sample_id)});
    if (params_.size() >= kInsertBatch * 7) return Flush();
    return OkStatus();
  }

  Status Flush() {
    if (params_.empty()) return OkStatus();
    std::string sql =
        "INSERT INTO labeling_task_samples (task_id, sample_id, position, split, line_offset, "
        "line_length, queue_rank) VALUES ";
    for (size_t i = 0; i < params_.size() / 7; ++i)
      sql += i ? ",(?,?,?,?,?,?,?)" : "(?,?,?,?,?,?,?)";
    Status st = s_.Exec(sql, params_).status();
    params_.clear();
    return st;
  }

 private:
  store::SqlSession& s_;
  const Task& task_;
  store::SqlParams params_;
};

}  // namespace

int64_t QueueRank(uint64_t seed, const std::string& sample_id) {
  Sha256 h;
  h.Update(std::to_string(seed));
  h.Update(":");
  h.Update(sample_id);
  const std::string hex = h.HexDigest();
  uint64_t v = 0;
  for (int i = 0; i < 16; ++i) {
    const char c = hex[i];
    v = (v << 4) | static_cast<uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  }
  return static_cast<int64_t>(v >> 1);  // 63 bits: a non-negative BIGINT on both engines
}

Result<Task> TaskStore::Create(const std::string& project_id, const NewTask& req,
                               const std::string& user_id) {
  EASEL_RETURN_IF_ERROR(ValidateName("labeling task", req.name));
  EASEL_RETURN_IF_ERROR(ValidateLabels(req.labels));
  if (req.instructions.size() > kMaxInstructionsBytes) {
    return Status(StatusCode::kInvalidArgument, "instructions are longer than 16384 bytes",
                  Json{{"field", "instructions"}});
  }
  if (req.seed && *req.seed > static_cast<uint64_t>(INT64_MAX)) {
    return Status(StatusCode::kInvalidArgument, "seed must be from 0 to 2^63-1",
                  Json{{"field", "seed"}});
  }
  data::DatasetStore datasets(db_);
  EASEL_ASSIGN_OR_RETURN(data::Dataset dataset, datasets.Get(project_id, req.dataset));
  if (dataset.type != DatasetTypeFor(req.kind)) {
    return Status(StatusCode::kInvalidArgument,
                  "a " + std::string(ToString(req.kind)) + " task needs a dataset of type '" +
                      std::string(data::ToString(DatasetTypeFor(req.kind))) + "'; '" +
                      dataset.name + "' is " + std::string(data::ToString(dataset.type)),
                  Json{{"field", "kind"}});
  }
  EASEL_ASSIGN_OR_RETURN(data::DatasetVersion version,
                         datasets.GetVersion(dataset.id, req.version));
  EASEL_ASSIGN_OR_RETURN(data::ManifestReader manifest,
                         data::ManifestReader::Open(blobs_, version));

  Task t;
  t.id = NewId();
  t.project_id = project_id;
  t.dataset_id = dataset.id;
  t.dataset_name = dataset.name;
  t.version = version.version;
  t.name = req.name;
  t.kind = req.kind;
  t.labels = req.labels;
  t.instructions = req.instructions;
  if (req.seed) {
    t.seed = *req.seed;
  } else {
    RandomBytes(&t.seed, sizeof t.seed);
    t.seed &= static_cast<uint64_t>(INT64_MAX);
  }
  t.num_samples = version.num_samples;
  t.created_by = user_id;
  t.created_at = NowMillis();

  // The task and its sample index are one transaction: a task exists whole or not at all.
  Status st = db_.Transaction([&](store::SqlSession& s) -> Status {
    EASEL_RETURN_IF_ERROR(s.Exec(
        "INSERT INTO labeling_tasks (id, project_id, dataset_id, version, name, kind, labels_json, "
        "instructions, seed, num_samples, created_by, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        {t.id, t.project_id, t.dataset_id, t.version, t.name, std::string(ToString(t.kind)),
         DumpJson(Json(t.labels)), t.instructions, static_cast<int64_t>(t.seed), t.num_samples,
         t.created_by, t.created_at}));
    SampleInserter inserter(s, t);
    uint64_t offset = 0;
    int64_t position = 0;
    EASEL_RETURN_IF_ERROR(manifest.ForEach({},
                                           [&](const data::Sample& sample, data::Split split,
                                               const data::ManifestPosition& next) -> Result<bool> {
                                             EASEL_RETURN_IF_ERROR(
                                                 inserter.Add(sample.id, position++, split, offset,
                                                              next.offset - offset - 1));
                                             offset = next.offset;
                                             return true;
                                           }));
    return inserter.Flush();
  });
  if (st.code() == StatusCode::kAlreadyExists) {
    return Status(StatusCode::kAlreadyExists, "labeling task '" + req.name + "' already exists",
                  Json{{"field", "name"}});
  }
  EASEL_RETURN_IF_ERROR(st);
  return t;
}

Result<Task> TaskStore::Get(const std::string& project_id, const std::string& name) {
  EASEL_ASSIGN_OR_RETURN(auto row, db_.QueryOne(std::string("SELECT ") + kTaskColumns + kTaskFrom +
                                                    " WHERE t.project_id = ? AND t.name = ?",
                                                {project_id, name}));
  if (!row) return NotFound("labeling task '" + name + "' does not exist");
  return TaskFromRow(*row);
}

Result<Task> TaskStore::GetById(const std::string& task_id) {
  EASEL_ASSIGN_OR_RETURN(
      auto row, db_.QueryOne(std::string("SELECT ") + kTaskColumns + kTaskFrom + " WHERE t.id = ?",
                             {task_id}));
  if (!row) return NotFound("labeling task does not exist");
  return TaskFromRow(*row);
}

Result<std::vector<Task>> TaskStore::List(const std::string& project_id,
                                          const std::string& after_name, int limit) {
  limit = std::clamp(limit, 1, 1000);
  EASEL_ASSIGN_OR_RETURN(auto rows, db_.Query(std::string("SELECT ") + kTaskColumns + kTaskFrom +
                                                  " WHERE t.project_id = ? AND t.name > ? "
                                                  "ORDER BY t.name LIMIT ?",
                                              {project_id, after_name, int64_t{limit}}));
  std::vector<Task> out;
  for (const store::Row& r : rows) out.push_back(TaskFromRow(r));
  return out;
}

Status TaskStore::Delete(const std::string& project_id, const std::string& name) {
  EASEL_ASSIGN_OR_RETURN(
      int64_t n,
      db_.Exec("DELETE FROM labeling_tasks WHERE project_id = ? AND name = ?", {project_id, name}));
  if (n == 0) return NotFound("labeling task '" + name + "' does not exist");
  return OkStatus();
}

Result<StatusCounts> TaskStore::Counts(const Task& task) {
  EASEL_ASSIGN_OR_RETURN(auto rows, db_.Query("SELECT status, COUNT(*) FROM labeling_annotations "
                                              "WHERE task_id = ? GROUP BY status",
                                              {task.id}));
  StatusCounts c;
  for (const store::Row& r : rows) {
    const std::string status = r.Str(0);
    if (status == "labeled") c.labeled = r.Int(1);
    if (status == "reviewed") c.reviewed = r.Int(1);
    if (status == "rejected") c.rejected = r.Int(1);
  }
  c.unlabeled = std::max<int64_t>(0, task.num_samples - c.labeled - c.reviewed - c.rejected);
  return c;
}

Status TaskStore::SetCommittedVersion(const Task& task, int64_t version) {
  return db_
      .Exec("UPDATE labeling_tasks SET committed_version = ? WHERE id = ?", {version, task.id})
      .status();
}

Result<data::DatasetVersion> TaskStore::Version(const Task& task) {
  data::DatasetStore datasets(db_);
  auto v = datasets.GetVersion(task.dataset_id, task.version);
  if (!v.ok() && v.status().code() == StatusCode::kNotFound) {
    return FailedPrecondition("the dataset version of labeling task '" + task.name +
                              "' no longer exists");
  }
  return v;
}

Result<TaskSample> TaskStore::GetSample(const Task& task, const std::string& sample_id) {
  EASEL_ASSIGN_OR_RETURN(auto row, db_.QueryOne("SELECT position, split, line_offset, line_length "
                                                "FROM labeling_task_samples "
                                                "WHERE task_id = ? AND sample_id = ?",
                                                {task.id, sample_id}));
  if (!row)
    return NotFound("sample '" + sample_id + "' is not in labeling task '" + task.name + "'");
  EASEL_ASSIGN_OR_RETURN(data::DatasetVersion version, Version(task));
  TaskSample out;
  out.position = row->Int(0);
  out.split = static_cast<data::Split>(row->Int(1));
  EASEL_ASSIGN_OR_RETURN(out.sample, ReadSample(version, row->Int(2), row->Int(3)));
  return out;
}

Result<data::Sample> TaskStore::ReadSample(const data::DatasetVersion& version, int64_t offset,
                                           int64_t length) {
  if (offset < 0 || length <= 0 || offset + length > version.manifest_size) {
    return DataLoss("a labeling task's sample index does not match its manifest");
  }
  std::string line;
  line.reserve(static_cast<size_t>(length));
  EASEL_RETURN_IF_ERROR(blobs_.Read(version.manifest_digest, static_cast<uint64_t>(offset),
                                    static_cast<uint64_t>(length), [&](const char* p, size_t n) {
                                      line.append(p, n);
                                      return true;
                                    }));
  auto sample = data::SampleFromLine(line);
  if (!sample.ok()) return DataLoss("a manifest line does not parse: " + sample.status().message());
  return std::move(*sample);
}

}  // namespace easel::labeling
