#include "api/routes.h"

#include "common/random.h"

namespace easel::api {

void AddAllRoutes(Router& router, ApiContext& ctx) {
  AddHealthRoutes(router, ctx);
  AddIdentityRoutes(router, ctx);
  AddProjectRoutes(router, ctx);
  AddArtifactRoutes(router, ctx);
  if (ctx.jobs != nullptr) AddJobRoutes(router, ctx);
  if (ctx.jobs != nullptr && ctx.formats != nullptr) AddDatasetRoutes(router, ctx);
  if (ctx.jobs != nullptr) AddLabelingRoutes(router, ctx);
  AddAdminRoutes(router, ctx);
}

Result<auth::Project> ProjectFor(const Call& call, ApiContext& ctx, auth::Role needed) {
  return ctx.projects.Authorize(call.principal(), call.param("project"), needed);
}

Status RequireIdShape(std::string_view what, const std::string& id) {
  if (!LooksLikeId(id)) return NotFound(std::string(what) + " '" + id + "' does not exist");
  return OkStatus();
}

Status RequireAdmin(const Call& call) {
  if (!call.principal().is_admin) return PermissionDenied("only a server admin may do this");
  return OkStatus();
}

}  // namespace easel::api
