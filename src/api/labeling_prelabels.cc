// Pre-labeling: POST …/labeling-tasks/{task}/prelabel runs a model over the task as a
// `prelabel` job; POST …/labeling-tasks/{task}/prelabels/accept turns confident pre-labels into
// annotations. Both are editor actions. Models are reached only through
// ApiContext::prelabel_loader, so labeling never depends on the trainers.

#include <algorithm>

#include "api/call.h"
#include "api/labeling_routes.h"
#include "api/routes.h"
#include "common/names.h"
#include "data/datasets.h"
#include "jobs/job.h"
#include "jobs/job_kind.h"
#include "labeling/prelabel_kind.h"
#include "labeling/prelabel_store.h"
#include "labeling/task_store.h"
#include "models/model_ref.h"

namespace easel::api {
namespace {

using auth::Role;

Status Bad(const std::string& field, std::string message) {
  return Status(StatusCode::kInvalidArgument, std::move(message), Json{{"field", field}});
}

Status OnlyFields(const Json& body, std::initializer_list<const char*> fields, const char* what) {
  for (const auto& [key, value] : body.items()) {
    if (std::find_if(fields.begin(), fields.end(), [&](const char* f) { return key == f; }) ==
        fields.end()) {
      return Bad(key, "unknown field '" + key + "'; " + what);
    }
  }
  return OkStatus();
}

// {model, version?} of a prelabel request as the registry names a version: version is a
// number, "latest" (the default) or an alias, and "model@version" is accepted too.
Result<models::ModelRef> ParsePrelabelModel(const Json& body) {
  EASEL_ASSIGN_OR_RETURN(std::string model, GetString(body, "model"));
  std::string version;
  if (auto v = body.find("version"); v != body.end() && !v->is_null()) {
    if (v->is_number_integer()) {
      EASEL_ASSIGN_OR_RETURN(auto n, GetOptionalInt(body, "version", 1, INT64_MAX));
      version = std::to_string(*n);
    } else if (v->is_string()) {
      version = v->get<std::string>();
      if (version.empty()) return Bad("version", "version must not be empty");
    } else {
      return Bad("version", "version must be a version number, \"latest\" or an alias");
    }
  }
  if (Status st = ValidateName("model", model.substr(0, model.find('@'))); !st.ok()) {
    return Bad("model", st.message());
  }
  // The name is fine: what is left to refuse is the version, however it was given.
  auto ref = models::ParseModelRef(model, version);
  if (!ref.ok()) return Bad("version", ref.status().message());
  return ref;
}

Result<labeling::AcceptRequest> ParseAccept(const Json& body) {
  EASEL_RETURN_IF_ERROR(OnlyFields(body, {"threshold", "model", "version"},
                                   "accepting takes threshold, model, version"));
  auto t = body.find("threshold");
  if (t == body.end() || t->is_null()) {
    return Bad("threshold", "field 'threshold' is required: a number greater than 0, at most 1");
  }
  if (!t->is_number()) {
    return Bad("threshold", "threshold must be a number greater than 0 and at most 1");
  }
  labeling::AcceptRequest req;
  req.threshold = t->get<double>();  // its range is the store's check
  EASEL_ASSIGN_OR_RETURN(req.model, GetOptionalString(body, "model"));
  EASEL_ASSIGN_OR_RETURN(req.version, GetOptionalInt(body, "version", 1, INT64_MAX));
  return req;
}

}  // namespace

void AddLabelingPrelabelRoutes(Router& router, ApiContext& ctx) {
  const std::string task_path = kLabelingTaskPath;

  router.Add("POST", task_path + "/prelabel", [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(LabelingTaskRef ref, LabelingTaskFor(call, ctx, Role::kEditor));
    EASEL_ASSIGN_OR_RETURN(Json body, call.JsonBody());
    EASEL_RETURN_IF_ERROR(RequireObject(body, "request body"));
    EASEL_RETURN_IF_ERROR(
        OnlyFields(body, {"model", "version"}, "pre-labeling takes model and version"));
    EASEL_ASSIGN_OR_RETURN(models::ModelRef model_ref, ParsePrelabelModel(body));
    EASEL_RETURN_IF_ERROR(labeling::CheckPrelabelTask(ref.task));
    if (!ctx.prelabel_loader || !ctx.jobs->kinds.Find("prelabel").ok()) {
      return Unimplemented("this server cannot load models for pre-labeling");
    }
    // The model is resolved now, so a missing one is this request's 404 rather than a failed
    // job, and the job is pinned to the version "latest" or an alias meant at submit time.
    EASEL_ASSIGN_OR_RETURN(data::DatasetVersion version,
                           labeling::TaskStore(ctx.db, ctx.blobs).Version(ref.task));
    EASEL_ASSIGN_OR_RETURN(labeling::PrelabelModel model,
                           ctx.prelabel_loader(ctx.db, ctx.blobs, ref.project.id, model_ref.model,
                                               model_ref.version, version));
    EASEL_RETURN_IF_ERROR(labeling::CheckModelFitsTask(ref.task, model));
    Json spec = {{"task_id", ref.task.id}, {"model", model.model}, {"version", model.version}};
    EASEL_ASSIGN_OR_RETURN(jobs::Job job, SubmitJob(ctx, call, ref.project.id, "prelabel", spec));
    call.Reply(202, {{"job_id", job.id}, {"model", model.model}, {"version", model.version}});
    return OkStatus();
  });

  router.Add("POST", task_path + "/prelabels/accept", [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(LabelingTaskRef ref, LabelingTaskFor(call, ctx, Role::kEditor));
    EASEL_ASSIGN_OR_RETURN(Json body, call.JsonBody());
    EASEL_RETURN_IF_ERROR(RequireObject(body, "request body"));
    EASEL_ASSIGN_OR_RETURN(labeling::AcceptRequest req, ParseAccept(body));
    EASEL_ASSIGN_OR_RETURN(
        labeling::AcceptOutcome out,
        labeling::PrelabelStore(ctx.db).Accept(ref.task, req, call.principal().user_id));
    call.Reply(
        200,
        {{"accepted", out.accepted}, {"remaining", out.remaining}, {"threshold", req.threshold}});
    return OkStatus();
  });
}

}  // namespace easel::api
