#include "api/routes.h"

#include "api/endpoints.h"

#include "common/random.h"
#include "jobs/job_kind.h"
#include "jobs/job_store.h"

namespace easel::api {

void AddAllRoutes(Router& router, ApiContext& ctx) {
  AddHealthRoutes(router, ctx);
  AddIdentityRoutes(router, ctx);
  AddProjectRoutes(router, ctx);
  AddArtifactRoutes(router, ctx);
  if (ctx.jobs != nullptr) AddJobRoutes(router, ctx);
  if (ctx.jobs != nullptr && ctx.formats != nullptr) AddDatasetRoutes(router, ctx);
  if (ctx.jobs != nullptr) AddLabelingRoutes(router, ctx);
  AddModelRoutes(router, ctx);
  AddStudyRoutes(router, ctx);
  AddEndpointRoutes(router, ctx);
  AddKserveRoutes(router, ctx);
  AddAdminRoutes(router, ctx);
}

Result<auth::Project> ProjectFor(const Call& call, ApiContext& ctx, auth::Role needed) {
  return ctx.projects.Authorize(call.principal(), call.param("project"), needed);
}

Status RequireIdShape(std::string_view what, const std::string& id) {
  if (!LooksLikeId(id)) return NotFound(std::string(what) + " '" + id + "' does not exist");
  return OkStatus();
}

Result<jobs::Job> SubmitJob(ApiContext& ctx, const Call& call, const std::string& project_id,
                            const std::string& kind_name, const Json& spec) {
  JobsContext& jobs = *ctx.jobs;
  EASEL_ASSIGN_OR_RETURN(const jobs::JobKind* kind, jobs.kinds.Find(kind_name));
  EASEL_RETURN_IF_ERROR(kind->ValidateSpec(spec));
  jobs::SubmitOptions opts;
  opts.max_attempts = jobs.default_max_attempts;
  opts.timeout_s = jobs.default_timeout_s;
  EASEL_ASSIGN_OR_RETURN(jobs::Job job, jobs.store.Submit(project_id, kind_name, spec,
                                                          call.principal().user_id, opts));
  jobs.wake();
  return job;
}

Status RequireAdmin(const Call& call) {
  if (!call.principal().is_admin) return PermissionDenied("only a server admin may do this");
  return OkStatus();
}

}  // namespace easel::api
