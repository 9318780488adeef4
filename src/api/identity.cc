// Users, logins and tokens: /api/v1/users, /api/v1/login, /api/v1/tokens.

#include "api/call.h"
#include "api/routes.h"
#include "common/time.h"

namespace easel::api {
namespace {

constexpr int64_t kSessionLifetimeS = 12 * 3600;

Json UserJson(const auth::User& u) {
  return {{"id", u.id},
          {"name", u.name},
          {"is_admin", u.is_admin},
          {"created_at", FormatRfc3339(u.created_at)}};
}

Json TokenJson(const auth::TokenInfo& t) {
  Json j = {{"id", t.id},
            {"name", t.name},
            {"kind", t.kind},
            {"created_at", FormatRfc3339(t.created_at)},
            {"expires_at", nullptr},
            {"revoked", t.revoked_at.has_value()}};
  if (t.expires_at) j["expires_at"] = FormatRfc3339(*t.expires_at);
  return j;
}

}  // namespace

void AddIdentityRoutes(Router& router, ApiContext& ctx) {
  router.Add("POST", "/api/v1/users", [&ctx](Call& call) -> Status {
    EASEL_RETURN_IF_ERROR(RequireAdmin(call));
    EASEL_ASSIGN_OR_RETURN(Json body, call.JsonBody());
    EASEL_ASSIGN_OR_RETURN(std::string name, GetString(body, "name"));
    EASEL_ASSIGN_OR_RETURN(auto password, GetOptionalString(body, "password"));
    EASEL_ASSIGN_OR_RETURN(auto is_admin, GetOptionalBool(body, "is_admin"));
    EASEL_ASSIGN_OR_RETURN(auth::User u,
                           ctx.users.Create(name, password, is_admin.value_or(false)));
    call.Reply(201, UserJson(u));
    return OkStatus();
  });

  router.Add("GET", "/api/v1/users/me", [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(auth::User u, ctx.users.Get(call.principal().user_id));
    call.Reply(200, UserJson(u));
    return OkStatus();
  });

  router.Add(
      "POST", "/api/v1/login",
      [&ctx](Call& call) -> Status {
        EASEL_ASSIGN_OR_RETURN(Json body, call.JsonBody());
        EASEL_ASSIGN_OR_RETURN(std::string name, GetString(body, "name"));
        EASEL_ASSIGN_OR_RETURN(std::string password, GetString(body, "password"));
        EASEL_ASSIGN_OR_RETURN(auth::IssuedToken t,
                               ctx.users.Login(name, password, kSessionLifetimeS));
        call.Reply(200, {{"token", t.secret}, {"expires_at", FormatRfc3339(*t.info.expires_at)}});
        return OkStatus();
      },
      {.public_route = true});

  router.Add("POST", "/api/v1/tokens", [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(Json body, call.JsonBody());
    EASEL_ASSIGN_OR_RETURN(std::string name, GetString(body, "name"));
    EASEL_ASSIGN_OR_RETURN(auto expires_in_s,
                           GetOptionalInt(body, "expires_in_s", 1, auth::kMaxTokenLifetimeS));
    EASEL_ASSIGN_OR_RETURN(auto for_user, GetOptionalString(body, "user"));
    std::string user_id = call.principal().user_id;
    if (for_user && *for_user != call.principal().user_name) {
      EASEL_RETURN_IF_ERROR(RequireAdmin(call));
      EASEL_ASSIGN_OR_RETURN(auth::User u, ctx.users.GetByName(*for_user));
      user_id = u.id;
    }
    EASEL_ASSIGN_OR_RETURN(auth::IssuedToken t,
                           ctx.tokens.Issue(user_id, name, "api", expires_in_s));
    Json j = TokenJson(t.info);
    j["token"] = t.secret;
    call.Reply(201, j);
    return OkStatus();
  });

  router.Add("GET", "/api/v1/tokens", [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(auto tokens, ctx.tokens.List(call.principal().user_id));
    Json items = Json::array();
    for (const auto& t : tokens) items.push_back(TokenJson(t));
    call.Reply(200, {{"items", items}, {"next_page_token", ""}});
    return OkStatus();
  });

  router.Add("DELETE", "/api/v1/tokens/{token}", [&ctx](Call& call) -> Status {
    EASEL_RETURN_IF_ERROR(ctx.tokens.Revoke(call.principal(), call.param("token")));
    call.ReplyNoContent();
    return OkStatus();
  });
}

}  // namespace easel::api
