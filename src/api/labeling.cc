// Labeling: /api/v1/projects/{project}/labeling-tasks[/{task}[/queue|/annotations[/{sample}]|
// /commit|/exports]]. Viewers read tasks and annotations; editors create and delete tasks, take
// work from the queue (it leases samples), annotate, commit and export. Pre-labeling routes
// live in labeling_prelabels.cc.

#include <cctype>

#include "api/call.h"
#include "api/labeling_routes.h"
#include "api/routes.h"
#include "common/names.h"
#include "common/time.h"
#include "data/datasets.h"
#include "data/formats.h"
#include "jobs/job.h"
#include "jobs/job_kind.h"
#include "jobs/job_store.h"
#include "labeling/annotations.h"
#include "labeling/commit.h"
#include "labeling/export_kind.h"
#include "labeling/prelabel_store.h"
#include "labeling/queue.h"
#include "labeling/task_store.h"

namespace easel::api {
namespace {

using auth::Role;

constexpr const char* kTasksPath = kLabelingTasksPath;
constexpr const char* kTaskPath = kLabelingTaskPath;

std::string Path(const char* base, const char* rest) { return std::string(base) + rest; }

using TaskRef = LabelingTaskRef;

Result<TaskRef> TaskFor(const Call& call, ApiContext& ctx, Role needed) {
  return LabelingTaskFor(call, ctx, needed);
}

// Sample ids are 16 hex digits, with "-N" for repeated rows: anything else cannot exist.
Status RequireSampleShape(const labeling::Task& task, const std::string& id) {
  bool ok = id.size() >= 16 && id.size() <= 40;
  for (size_t i = 0; ok && i < id.size(); ++i) {
    const char c = id[i];
    ok = i < 16 ? std::isxdigit(static_cast<unsigned char>(c)) && !std::isupper(c)
                : (i == 16 ? c == '-' : std::isdigit(static_cast<unsigned char>(c)) != 0);
  }
  if (!ok) return NotFound("sample '" + id + "' is not in labeling task '" + task.name + "'");
  return OkStatus();
}

// A task with its annotation counts and pre-label counts {total, open}.
Result<Json> TaskJson(ApiContext& ctx, const labeling::Task& task) {
  EASEL_ASSIGN_OR_RETURN(labeling::StatusCounts counts,
                         labeling::TaskStore(ctx.db, ctx.blobs).Counts(task));
  EASEL_ASSIGN_OR_RETURN(labeling::PrelabelCounts prelabels,
                         labeling::PrelabelStore(ctx.db).Counts(task));
  Json j = labeling::TaskToJson(task, counts);
  j["prelabels"] = {{"total", prelabels.total}, {"open", prelabels.open}};
  return j;
}

// The body of POST …/labeling-tasks.
Result<labeling::NewTask> ParseNewTask(const Json& body) {
  for (const auto& [key, value] : body.items()) {
    if (key != "name" && key != "dataset" && key != "version" && key != "kind" && key != "labels" &&
        key != "instructions" && key != "seed") {
      return Status(StatusCode::kInvalidArgument,
                    "unknown field '" + key +
                        "'; a task has name, dataset, version, kind, labels, instructions, seed",
                    Json{{"field", key}});
    }
  }
  labeling::NewTask req;
  EASEL_ASSIGN_OR_RETURN(req.name, GetString(body, "name"));
  EASEL_ASSIGN_OR_RETURN(req.dataset, GetString(body, "dataset"));
  EASEL_RETURN_IF_ERROR(ValidateName("dataset", req.dataset));
  if (auto v = body.find("version"); v != body.end() && !v->is_null()) {
    if (v->is_string()) {
      EASEL_ASSIGN_OR_RETURN(req.version, data::ParseVersionRef(v->get<std::string>()));
    } else {
      EASEL_ASSIGN_OR_RETURN(auto n, GetOptionalInt(body, "version", 1, INT64_MAX));
      req.version = *n;
    }
  }
  EASEL_ASSIGN_OR_RETURN(std::string kind, GetString(body, "kind"));
  EASEL_ASSIGN_OR_RETURN(req.kind, labeling::ParseTaskKind(kind));
  auto labels = body.find("labels");
  if (labels == body.end() || !labels->is_array()) {
    return Status(StatusCode::kInvalidArgument, "labels must be an array of strings",
                  Json{{"field", "labels"}});
  }
  if (labels->size() > labeling::kMaxLabels) {
    return Status(StatusCode::kInvalidArgument, "a task has at most 1000 labels",
                  Json{{"field", "labels"}});
  }
  for (const Json& l : *labels) {
    if (!l.is_string()) {
      return Status(StatusCode::kInvalidArgument, "labels must be an array of strings",
                    Json{{"field", "labels"}});
    }
    req.labels.push_back(l.get<std::string>());
  }
  EASEL_ASSIGN_OR_RETURN(auto instructions, GetOptionalString(body, "instructions"));
  req.instructions = instructions.value_or("");
  EASEL_ASSIGN_OR_RETURN(auto seed, GetOptionalInt(body, "seed", 0, INT64_MAX));
  if (seed) req.seed = static_cast<uint64_t>(*seed);
  return req;
}

// ?limit= for the queue: 1..kMaxQueueLimit, default 10.
Result<int> QueueLimit(const Call& call) {
  auto text = call.query("limit");
  if (!text) return 10;
  char* end = nullptr;
  const long v = std::strtol(text->c_str(), &end, 10);
  if (text->empty() || *end != '\0' || v < 1 || v > labeling::kMaxQueueLimit) {
    return Status(StatusCode::kInvalidArgument,
                  "limit must be an integer from 1 to " + std::to_string(labeling::kMaxQueueLimit),
                  Json{{"field", "limit"}});
  }
  return static_cast<int>(v);
}

Json SampleJson(const labeling::TaskSample& s, const std::vector<std::string>& columns) {
  Json j = data::SampleToJson(s.sample, columns);
  j["split"] = std::string(data::ToString(s.split));
  return j;
}

void AddTaskRoutes(Router& router, ApiContext& ctx) {
  router.Add("POST", kTasksPath, [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(auth::Project p, ProjectFor(call, ctx, Role::kEditor));
    EASEL_ASSIGN_OR_RETURN(Json body, call.JsonBody());
    EASEL_ASSIGN_OR_RETURN(labeling::NewTask req, ParseNewTask(body));
    EASEL_ASSIGN_OR_RETURN(
        labeling::Task task,
        labeling::TaskStore(ctx.db, ctx.blobs).Create(p.id, req, call.principal().user_id));
    EASEL_ASSIGN_OR_RETURN(Json j, TaskJson(ctx, task));
    call.Reply(201, j);
    return OkStatus();
  });

  router.Add("GET", kTasksPath, [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(auth::Project p, ProjectFor(call, ctx, Role::kViewer));
    EASEL_ASSIGN_OR_RETURN(PageRequest page, call.Page());
    labeling::TaskStore tasks(ctx.db, ctx.blobs);
    EASEL_ASSIGN_OR_RETURN(auto list, tasks.List(p.id, page.after, page.limit));
    Json items = Json::array();
    for (const labeling::Task& t : list) {
      EASEL_ASSIGN_OR_RETURN(Json j, TaskJson(ctx, t));
      items.push_back(std::move(j));
    }
    call.Reply(200, PageJson(items, page, list.empty() ? "" : list.back().name));
    return OkStatus();
  });

  router.Add("GET", kTaskPath, [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(TaskRef ref, TaskFor(call, ctx, Role::kViewer));
    EASEL_ASSIGN_OR_RETURN(Json j, TaskJson(ctx, ref.task));
    call.Reply(200, j);
    return OkStatus();
  });

  router.Add("DELETE", kTaskPath, [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(TaskRef ref, TaskFor(call, ctx, Role::kEditor));
    EASEL_RETURN_IF_ERROR(
        labeling::TaskStore(ctx.db, ctx.blobs).Delete(ref.project.id, ref.task.name));
    call.ReplyNoContent();
    return OkStatus();
  });
}

void AddAnnotationRoutes(Router& router, ApiContext& ctx) {
  // Taking work leases samples to the caller: an editor's action.
  router.Add("GET", Path(kTaskPath, "/queue"), [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(TaskRef ref, TaskFor(call, ctx, Role::kEditor));
    const std::string strategy_name = call.query("strategy").value_or("random");
    EASEL_ASSIGN_OR_RETURN(labeling::QueueStrategy strategy,
                           labeling::ParseQueueStrategy(strategy_name));
    auto measure_name = call.query("measure");
    auto measure = labeling::UncertaintyMeasure::kLeastConfidence;
    if (measure_name) {
      EASEL_ASSIGN_OR_RETURN(measure, labeling::ParseUncertaintyMeasure(*measure_name));
      if (strategy != labeling::QueueStrategy::kUncertainty) {
        return Status(StatusCode::kInvalidArgument, "measure applies to strategy=uncertainty only",
                      Json{{"field", "measure"}});
      }
    }
    EASEL_ASSIGN_OR_RETURN(int limit, QueueLimit(call));
    labeling::LabelingQueue queue(ctx.db, ctx.blobs);
    EASEL_ASSIGN_OR_RETURN(
        auto items, queue.Next(ref.task, call.principal().user_id, strategy, limit, measure));
    std::vector<std::string> columns;
    if (!items.empty()) {
      EASEL_ASSIGN_OR_RETURN(data::DatasetVersion v,
                             labeling::TaskStore(ctx.db, ctx.blobs).Version(ref.task));
      columns = v.columns();
    }
    Json out = Json::array();
    for (const labeling::QueueItem& item : items) {
      Json j = SampleJson(item.sample, columns);
      j["lease_expires_at"] = FormatRfc3339(item.lease_expires_at);
      if (item.annotation) j["annotation"] = labeling::AnnotationToJson(*item.annotation);
      if (item.prelabel) j["prelabel"] = labeling::PrelabelToJson(*item.prelabel);
      out.push_back(std::move(j));
    }
    Json reply = {{"items", out}, {"strategy", strategy_name}};
    if (strategy == labeling::QueueStrategy::kUncertainty) {
      reply["measure"] = std::string(labeling::ToString(measure));
    }
    call.Reply(200, reply);
    return OkStatus();
  });

  router.Add("PUT", Path(kTaskPath, "/annotations/{sample}"), [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(TaskRef ref, TaskFor(call, ctx, Role::kEditor));
    const std::string& sample = call.param("sample");
    EASEL_RETURN_IF_ERROR(RequireSampleShape(ref.task, sample));
    EASEL_ASSIGN_OR_RETURN(Json body, call.JsonBody());
    EASEL_ASSIGN_OR_RETURN(labeling::Annotation a, labeling::AnnotationFromJson(body));
    EASEL_ASSIGN_OR_RETURN(a, labeling::AnnotationStore(ctx.db, ctx.blobs)
                                  .Put(ref.task, sample, std::move(a), call.principal().user_id));
    call.Reply(200, labeling::AnnotationToJson(a));
    return OkStatus();
  });

  router.Add("GET", Path(kTaskPath, "/annotations/{sample}"), [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(TaskRef ref, TaskFor(call, ctx, Role::kViewer));
    const std::string& sample_id = call.param("sample");
    EASEL_RETURN_IF_ERROR(RequireSampleShape(ref.task, sample_id));
    labeling::TaskStore tasks(ctx.db, ctx.blobs);
    EASEL_ASSIGN_OR_RETURN(labeling::TaskSample sample, tasks.GetSample(ref.task, sample_id));
    EASEL_ASSIGN_OR_RETURN(auto a,
                           labeling::AnnotationStore(ctx.db, ctx.blobs).Get(ref.task, sample_id));
    labeling::Annotation shown;
    if (a) {
      shown = std::move(*a);
    } else {
      shown.sample_id = sample_id;
      shown.status = labeling::AnnotationStatus::kUnlabeled;
    }
    Json j = labeling::AnnotationToJson(shown);
    EASEL_ASSIGN_OR_RETURN(data::DatasetVersion v, tasks.Version(ref.task));
    j["sample"] = SampleJson(sample, v.columns());
    EASEL_ASSIGN_OR_RETURN(auto prelabel, labeling::PrelabelStore(ctx.db).Get(ref.task, sample_id));
    if (prelabel) j["prelabel"] = labeling::PrelabelToJson(*prelabel);
    call.Reply(200, j);
    return OkStatus();
  });

  router.Add("GET", Path(kTaskPath, "/annotations"), [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(TaskRef ref, TaskFor(call, ctx, Role::kViewer));
    EASEL_ASSIGN_OR_RETURN(PageRequest page, call.Page());
    std::optional<labeling::AnnotationStatus> status;
    if (auto s = call.query("status"); s && !s->empty()) {
      EASEL_ASSIGN_OR_RETURN(status, labeling::ParseAnnotationStatus(*s));
    }
    EASEL_ASSIGN_OR_RETURN(auto list, labeling::AnnotationStore(ctx.db, ctx.blobs)
                                          .List(ref.task, status, page.after, page.limit));
    Json items = Json::array();
    for (const labeling::Annotation& a : list) items.push_back(labeling::AnnotationToJson(a));
    call.Reply(200, PageJson(items, page, list.empty() ? "" : list.back().sample_id));
    return OkStatus();
  });
}

void AddTaskActionRoutes(Router& router, ApiContext& ctx) {
  router.Add("POST", Path(kTaskPath, "/commit"), [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(TaskRef ref, TaskFor(call, ctx, Role::kEditor));
    EASEL_ASSIGN_OR_RETURN(Json body, call.JsonBody());
    if (!body.empty()) return InvalidArgument("commit takes no fields");
    EASEL_ASSIGN_OR_RETURN(data::DatasetVersion v, labeling::CommitTask(ctx.db, ctx.blobs, ref.task,
                                                                        call.principal().user_id));
    Json j = data::VersionToJson(v);
    j["dataset"] = ref.task.dataset_name;
    call.Reply(201, j);
    return OkStatus();
  });

  router.Add("POST", Path(kTaskPath, "/exports"), [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(TaskRef ref, TaskFor(call, ctx, Role::kEditor));
    EASEL_ASSIGN_OR_RETURN(Json body, call.JsonBody());
    for (const auto& [key, value] : body.items()) {
      if (key != "format" && key != "params") {
        return Status(StatusCode::kInvalidArgument,
                      "unknown field '" + key + "'; an export has format and params",
                      Json{{"field", key}});
      }
    }
    EASEL_ASSIGN_OR_RETURN(std::string format, GetString(body, "format"));
    if (ctx.formats == nullptr) return Unavailable("this server has no export formats");
    EASEL_ASSIGN_OR_RETURN(
        const data::Exporter* exporter,
        labeling::FindExporter(*ctx.formats, labeling::DatasetTypeFor(ref.task.kind), format));
    Json spec = {{"task_id", ref.task.id}, {"format", exporter->name}};
    if (auto p = body.find("params"); p != body.end() && !p->is_null()) {
      if (!p->is_object()) {
        return Status(StatusCode::kInvalidArgument, "params must be an object",
                      Json{{"field", "params"}});
      }
      spec["params"] = *p;
    }
    EASEL_ASSIGN_OR_RETURN(jobs::Job job, SubmitJob(ctx, call, ref.project.id, "export", spec));
    call.Reply(202, {{"job_id", job.id}, {"format", exporter->name}});
    return OkStatus();
  });
}

}  // namespace

Result<LabelingTaskRef> LabelingTaskFor(const Call& call, ApiContext& ctx, Role needed) {
  EASEL_ASSIGN_OR_RETURN(auth::Project p, ProjectFor(call, ctx, needed));
  const std::string& name = call.param("task");
  EASEL_RETURN_IF_ERROR(ValidateName("labeling task", name));
  EASEL_ASSIGN_OR_RETURN(labeling::Task t, labeling::TaskStore(ctx.db, ctx.blobs).Get(p.id, name));
  return LabelingTaskRef{std::move(p), std::move(t)};
}

void AddLabelingRoutes(Router& router, ApiContext& ctx) {
  AddTaskRoutes(router, ctx);
  AddAnnotationRoutes(router, ctx);
  AddTaskActionRoutes(router, ctx);
  AddLabelingPrelabelRoutes(router, ctx);
}

}  // namespace easel::api
