#include "labeling/prelabel_kind.h"

#include <algorithm>
#include <charconv>
#include <cstdint>

#include "common/names.h"
#include "common/random.h"
#include "common/time.h"
#include "data/datasets.h"
#include "jobs/job_context.h"
#include "labeling/prelabel_store.h"
#include "labeling/task_store.h"

namespace easel::labeling {

namespace {

constexpr const char* kUnanswered = "(a.status IS NULL OR a.status = 'unlabeled')";

Status Bad(const std::string& field, std::string message) {
  return Status(StatusCode::kInvalidArgument, std::move(message), Json{{"field", field}});
}

// "a, b, c" of at most the first ten names.
std::string NameList(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < 10; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > 10) out += ", ...";
  return out;
}

bool IsPositiveNumber(std::string_view s) {
  int64_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  return ec == std::errc() && end == s.data() + s.size() && n >= 1;
}

// The spec's version as the loader takes it.
std::string VersionText(const Json& spec) {
  auto v = spec.find("version");
  if (v == spec.end() || v->is_null()) return "latest";
  if (v->is_number_integer()) return std::to_string(v->get<int64_t>());
  return v->get<std::string>();
}

std::string ModelName(const PrelabelModel& m) {
  return "model '" + m.model + "' version " + std::to_string(m.version);
}

// One page of the samples a pass looks at: unanswered, by sample id after `after`.
struct Candidate {
  std::string sample_id;
  int64_t offset = 0;
  int64_t length = 0;
  std::string prelabel_version_id;  // of its current pre-label; "" when none
  std::string prelabel_job_id;
};

Result<std::vector<Candidate>> NextCandidates(store::Database& db, const Task& task,
                                              const std::string& after) {
  EASEL_ASSIGN_OR_RETURN(
      auto rows, db.Query(std::string("SELECT ts.sample_id, ts.line_offset, ts.line_length, "
                                      "p.model_version_id, p.job_id FROM labeling_task_samples ts "
                                      "LEFT JOIN labeling_annotations a "
                                      "ON a.task_id = ts.task_id AND a.sample_id = ts.sample_id "
                                      "LEFT JOIN labeling_prelabels p "
                                      "ON p.task_id = ts.task_id AND p.sample_id = ts.sample_id "
                                      "WHERE ts.task_id = ? AND ts.sample_id > ? AND ") +
                              kUnanswered + " ORDER BY ts.sample_id LIMIT ?",
                          {task.id, after, static_cast<int64_t>(kPrelabelBatch)}));
  std::vector<Candidate> out;
  for (const store::Row& r : rows) {
    out.push_back({r.Str(0), r.Int(1), r.Int(2), r.Str(3), r.Str(4)});
  }
  return out;
}

}  // namespace

Status CheckPrelabelTask(const Task& task) {
  if (task.kind == TaskKind::kDetection) {
    return FailedPrecondition("labeling task '" + task.name +
                              "' is a detection task; pre-labeling needs a detector, which "
                              "easel does not have yet (classification and text_classification "
                              "tasks can be pre-labeled)");
  }
  return OkStatus();
}

Status CheckModelFitsTask(const Task& task, const PrelabelModel& model) {
  if (model.classes.empty() || !model.predict || model.version_id.empty()) {
    return FailedPrecondition(ModelName(model) + " is not a classifier that can pre-label");
  }
  for (const std::string& c : model.classes) {
    if (task.HasLabel(c)) return OkStatus();
  }
  return FailedPrecondition(ModelName(model) + " predicts classes (" + NameList(model.classes) +
                            ") none of which is a label of task '" + task.name + "' (" +
                            NameList(task.labels) + ")");
}

Status ValidatePrelabelSpec(const Json& spec) {
  for (const auto& [key, value] : spec.items()) {
    if (key != "task_id" && key != "model" && key != "version") {
      return Bad(key, "unknown field '" + key + "'; a prelabel spec has task_id, model, version");
    }
  }
  EASEL_ASSIGN_OR_RETURN(std::string task_id, GetString(spec, "task_id"));
  if (!LooksLikeId(task_id)) return Bad("task_id", "task_id is not an id");
  EASEL_ASSIGN_OR_RETURN(std::string model, GetString(spec, "model"));
  if (Status st = ValidateName("model", model); !st.ok()) return Bad("model", st.message());
  auto v = spec.find("version");
  if (v == spec.end() || v->is_null()) return OkStatus();
  if (v->is_number_integer()) {
    // nlohmann reads every non-negative integer as unsigned.
    const bool in_range =
        v->is_number_unsigned()
            ? v->get<uint64_t>() >= 1 && v->get<uint64_t>() <= static_cast<uint64_t>(INT64_MAX)
            : v->get<int64_t>() >= 1;
    if (in_range) return OkStatus();
    return Bad("version", "model versions are numbers from 1");
  }
  if (!v->is_string()) {
    return Bad("version", "version must be a version number, \"latest\" or an alias");
  }
  const std::string text = v->get<std::string>();
  if (text == "latest" || IsPositiveNumber(text)) return OkStatus();
  if (Status st = ValidateName("alias", text); !st.ok()) return Bad("version", st.message());
  return OkStatus();
}

Result<Json> RunPrelabel(store::Database& db, store::BlobStore& blobs,
                         const PrelabelModelLoader& loader, const PrelabelRequest& req,
                         const std::function<void(double, std::string)>& progress,
                         const std::function<bool()>& cancelled) {
  TaskStore tasks(db, blobs);
  auto task = tasks.GetById(req.task_id);
  if (!task.ok() || task->project_id != req.project_id) {
    return NotFound("labeling task does not exist");
  }
  EASEL_RETURN_IF_ERROR(CheckPrelabelTask(*task));
  EASEL_ASSIGN_OR_RETURN(data::DatasetVersion version, tasks.Version(*task));
  if (!loader) return FailedPrecondition("this server cannot load models for pre-labeling");
  EASEL_ASSIGN_OR_RETURN(PrelabelModel model,
                         loader(db, blobs, req.project_id, req.model, req.version, version));
  EASEL_RETURN_IF_ERROR(CheckModelFitsTask(*task, model));
  const size_t k = model.classes.size();

  EASEL_ASSIGN_OR_RETURN(auto total_row,
                         db.QueryOne(std::string("SELECT COUNT(*) FROM labeling_task_samples ts "
                                                 "LEFT JOIN labeling_annotations a ON "
                                                 "a.task_id = ts.task_id AND "
                                                 "a.sample_id = ts.sample_id "
                                                 "WHERE ts.task_id = ? AND ") +
                                         kUnanswered,
                                     {task->id}));
  const int64_t total = total_row ? total_row->Int(0) : 0;
  PrelabelStore prelabels(db);
  int64_t looked_at = 0, skipped = 0, unmatched = 0, written = 0;
  std::string after;
  for (;;) {
    if (cancelled && cancelled()) return Cancelled("pre-labeling was cancelled");
    EASEL_ASSIGN_OR_RETURN(std::vector<Candidate> page, NextCandidates(db, *task, after));
    if (page.empty()) break;
    after = page.back().sample_id;
    std::vector<data::Sample> batch;
    for (const Candidate& c : page) {
      if (c.prelabel_version_id == model.version_id) {
        // Done before: by an earlier attempt of this job (counted below), or by another run.
        if (req.job_id.empty() || c.prelabel_job_id != req.job_id) ++skipped;
        continue;
      }
      EASEL_ASSIGN_OR_RETURN(data::Sample s, tasks.ReadSample(version, c.offset, c.length));
      batch.push_back(std::move(s));
    }
    if (!batch.empty()) {
      EASEL_ASSIGN_OR_RETURN(std::vector<float> probs, model.predict(batch));
      if (probs.size() != batch.size() * k) {
        return Internal(ModelName(model) + " returned " + std::to_string(probs.size()) +
                        " probabilities for " + std::to_string(batch.size()) + " samples of " +
                        std::to_string(k) + " classes");
      }
      std::vector<Prelabel> put;
      std::vector<std::string> clear;
      const int64_t now = NowMillis();
      for (size_t i = 0; i < batch.size(); ++i) {
        auto scores = ScoreProbabilities(&probs[i * k], k);
        if (!scores.ok()) {
          return Internal(ModelName(model) + " returned unusable probabilities for sample '" +
                          batch[i].id + "': " + scores.status().message());
        }
        const std::string& label = model.classes[scores->top];
        if (!task->HasLabel(label)) {
          clear.push_back(batch[i].id);
          ++unmatched;
          continue;
        }
        put.push_back({batch[i].id, label, scores->confidence, scores->margin, scores->entropy,
                       model.model, model.version, model.version_id, req.job_id, now});
      }
      EASEL_RETURN_IF_ERROR(prelabels.Write(*task, put, clear));
      written += static_cast<int64_t>(put.size());
    }
    looked_at += static_cast<int64_t>(page.size());
    if (progress) {
      progress(
          total > 0 ? static_cast<double>(looked_at) / static_cast<double>(total) : 1.0,
          "looked at " + std::to_string(looked_at) + " of " + std::to_string(total) + " samples");
    }
    if (page.size() < kPrelabelBatch) break;
  }

  int64_t prelabeled = written;
  if (!req.job_id.empty()) {
    // Counts what earlier attempts of this job wrote too.
    EASEL_ASSIGN_OR_RETURN(auto row, db.QueryOne("SELECT COUNT(*) FROM labeling_prelabels "
                                                 "WHERE task_id = ? AND job_id = ?",
                                                 {task->id, req.job_id}));
    prelabeled = row ? row->Int(0) : written;
  }
  if (progress) progress(1.0, "pre-labeled " + std::to_string(prelabeled) + " samples");
  return Json{{"task", task->name},       {"model", model.model},
              {"version", model.version}, {"model_version_id", model.version_id},
              {"prelabeled", prelabeled}, {"skipped", skipped},
              {"unmatched", unmatched}};
}

jobs::JobKind PrelabelJobKind(PrelabelModelLoader loader) {
  jobs::JobKind kind;
  kind.name = "prelabel";
  kind.description =
      "Runs a classifier over a labeling task's unanswered samples and stores its guesses as "
      "pre-labels, with confidence, margin and entropy for the uncertainty queue";
  kind.params_schema = {
      {"type", "object"},
      {"properties",
       {{"task_id", {{"type", "string"}, {"description", "the labeling task to pre-label"}}},
        {"model", {{"type", "string"}, {"description", "model name in the project"}}},
        {"version",
         {{"type", "string"},
          {"default", "latest"},
          {"description", "model version: a number, \"latest\" or an alias"}}}}},
      {"required", {"task_id", "model"}}};
  kind.validate = ValidatePrelabelSpec;
  kind.check = [](const Json& spec, store::Database& db, const std::string& project_id) -> Status {
    EASEL_ASSIGN_OR_RETURN(auto row, db.QueryOne("SELECT name, kind FROM labeling_tasks "
                                                 "WHERE id = ? AND project_id = ?",
                                                 {spec.value("task_id", ""), project_id}));
    if (!row) return NotFound("labeling task does not exist");
    Task task;
    task.name = row->Str(0);
    task.kind = ParseTaskKind(row->Str(1)).value_or(TaskKind::kClassification);
    return CheckPrelabelTask(task);
  };
  kind.run = [loader = std::move(loader)](jobs::JobContext& ctx) -> Result<Json> {
    EASEL_ASSIGN_OR_RETURN(store::BlobStore * blobs, ctx.blobs());
    const Json& spec = ctx.spec();
    PrelabelRequest req;
    req.project_id = ctx.project_id();
    req.job_id = ctx.job_id();
    req.task_id = spec.value("task_id", "");
    req.model = spec.value("model", "");
    req.version = VersionText(spec);
    ctx.Log("pre-labeling with model '" + req.model + "' version " + req.version +
            (ctx.attempt() > 1 ? " (resuming)" : ""));
    EASEL_ASSIGN_OR_RETURN(
        Json result, RunPrelabel(
                         ctx.db(), *blobs, loader, req,
                         [&ctx](double f, std::string m) { ctx.SetProgress(f, std::move(m)); },
                         [&ctx] { return ctx.cancelled(); }));
    ctx.Log("pre-labeled " + std::to_string(result.value("prelabeled", int64_t{0})) +
            " samples, skipped " + std::to_string(result.value("skipped", int64_t{0})) +
            ", unmatched " + std::to_string(result.value("unmatched", int64_t{0})));
    return result;
  };
  return kind;
}

}  // namespace easel::labeling
