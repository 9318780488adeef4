// Projects and members: /api/v1/projects[/{project}[/members[/{user}]]].

#include "api/call.h"
#include "api/routes.h"
#include "common/time.h"
#include "serving/endpoints.h"

namespace easel::api {
namespace {

using auth::Role;

Json ProjectJson(const auth::Project& p) {
  return {{"id", p.id},
          {"name", p.name},
          {"description", p.description},
          {"created_at", FormatRfc3339(p.created_at)},
          {"role", auth::RoleName(p.role)}};
}

Json MemberJson(const auth::Member& m) {
  return {{"user", m.user_name},
          {"role", auth::RoleName(m.role)},
          {"added_at", FormatRfc3339(m.added_at)}};
}

}  // namespace

void AddProjectRoutes(Router& router, ApiContext& ctx) {
  router.Add("POST", "/api/v1/projects", [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(Json body, call.JsonBody());
    EASEL_ASSIGN_OR_RETURN(std::string name, GetString(body, "name"));
    EASEL_ASSIGN_OR_RETURN(auto description, GetOptionalString(body, "description"));
    EASEL_ASSIGN_OR_RETURN(auth::Project p,
                           ctx.projects.Create(call.principal(), name, description.value_or("")));
    call.Reply(201, ProjectJson(p));
    return OkStatus();
  });

  router.Add("GET", "/api/v1/projects", [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(PageRequest page, call.Page());
    EASEL_ASSIGN_OR_RETURN(auto projects,
                           ctx.projects.List(call.principal(), page.after, page.limit));
    Json items = Json::array();
    for (const auto& p : projects) items.push_back(ProjectJson(p));
    call.Reply(200, PageJson(items, page, projects.empty() ? "" : projects.back().id));
    return OkStatus();
  });

  router.Add("GET", "/api/v1/projects/{project}", [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(auth::Project p, ProjectFor(call, ctx, Role::kViewer));
    call.Reply(200, ProjectJson(p));
    return OkStatus();
  });

  router.Add("DELETE", "/api/v1/projects/{project}", [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(auth::Project p, ProjectFor(call, ctx, Role::kOwner));
    EASEL_RETURN_IF_ERROR(ctx.projects.Delete(p));
    if (ctx.endpoints != nullptr) ctx.endpoints->ForgetProject(p.id);
    call.ReplyNoContent();
    return OkStatus();
  });

  router.Add("GET", "/api/v1/projects/{project}/members", [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(auth::Project p, ProjectFor(call, ctx, Role::kViewer));
    EASEL_ASSIGN_OR_RETURN(auto members, ctx.projects.ListMembers(p));
    Json items = Json::array();
    for (const auto& m : members) items.push_back(MemberJson(m));
    call.Reply(200, {{"items", items}, {"next_page_token", ""}});
    return OkStatus();
  });

  router.Add("PUT", "/api/v1/projects/{project}/members/{user}", [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(auth::Project p, ProjectFor(call, ctx, Role::kOwner));
    EASEL_ASSIGN_OR_RETURN(Json body, call.JsonBody());
    EASEL_ASSIGN_OR_RETURN(std::string role_name, GetString(body, "role"));
    auto role = auth::ParseRole(role_name);
    if (!role) return InvalidArgument("role must be one of owner, editor, viewer");
    EASEL_ASSIGN_OR_RETURN(auth::Member m, ctx.projects.PutMember(p, call.param("user"), *role));
    call.Reply(200, MemberJson(m));
    return OkStatus();
  });

  router.Add("DELETE", "/api/v1/projects/{project}/members/{user}", [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(auth::Project p, ProjectFor(call, ctx, Role::kOwner));
    EASEL_RETURN_IF_ERROR(ctx.projects.RemoveMember(p, call.param("user")));
    call.ReplyNoContent();
    return OkStatus();
  });
}

}  // namespace easel::api
