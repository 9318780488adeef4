// The model registry: /api/v1/algorithms, /api/v1/projects/{project}/models[/{model}
// [/versions[/{version}]|/aliases/{alias}]] and the lineage query
// /api/v1/projects/{project}/datasets/{dataset}/models.

#include "models/model_store.h"

#include "api/call.h"
#include "api/model_ref.h"
#include "api/routes.h"
#include "data/datasets.h"
#include "models/model_json.h"
#include "models/model_ref.h"
#include "train/algorithms.h"

namespace easel::api {

using auth::Role;

constexpr const char* kModelPath = "/api/v1/projects/{project}/models/{model}";

Result<std::pair<auth::Project, models::Model>> ModelFor(const Call& call, ApiContext& ctx,
                                                         Role needed) {
  EASEL_ASSIGN_OR_RETURN(auth::Project p, ProjectFor(call, ctx, needed));
  EASEL_ASSIGN_OR_RETURN(models::ModelRef ref, models::ParseModelRef(call.param("model")));
  if (call.param("model").find('@') != std::string::npos) {
    return InvalidArgument("'" + call.param("model") + "' names a version; use the model name");
  }
  EASEL_ASSIGN_OR_RETURN(models::Model m, models::ModelStore(ctx.db).Get(p.id, ref.model));
  return std::make_pair(std::move(p), std::move(m));
}

Result<VersionRef> VersionFor(const Call& call, ApiContext& ctx, Role needed) {
  EASEL_ASSIGN_OR_RETURN(auth::Project p, ProjectFor(call, ctx, needed));
  EASEL_ASSIGN_OR_RETURN(models::ModelRef ref,
                         models::ParseModelRef(call.param("model"), call.param("version")));
  models::ModelStore store(ctx.db);
  EASEL_ASSIGN_OR_RETURN(models::Model m, store.Get(p.id, ref.model));
  EASEL_ASSIGN_OR_RETURN(models::ModelVersion v, models::ResolveModelRef(store, p.id, ref));
  return VersionRef{std::move(p), std::move(m), std::move(v)};
}

namespace {

std::string Path(const char* rest) { return std::string(kModelPath) + rest; }

void AddRegistryRoutes(Router& router, ApiContext& ctx) {
  router.Add("GET", "/api/v1/projects/{project}/models", [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(auth::Project p, ProjectFor(call, ctx, Role::kViewer));
    EASEL_ASSIGN_OR_RETURN(PageRequest page, call.Page());
    EASEL_ASSIGN_OR_RETURN(auto list, models::ModelStore(ctx.db).List(p.id, page.after, page.limit));
    Json items = Json::array();
    for (const models::Model& m : list) items.push_back(models::ModelToJson(m));
    call.Reply(200, PageJson(std::move(items), page, list.empty() ? "" : list.back().name));
    return OkStatus();
  });

  // GET of "{model}" is the model; of "{model}@{version}" that version.
  router.Add("GET", kModelPath, [&ctx](Call& call) -> Status {
    if (call.param("model").find('@') != std::string::npos) {
      EASEL_ASSIGN_OR_RETURN(VersionRef ref, VersionFor(call, ctx, Role::kViewer));
      call.Reply(200, models::VersionToJson(ref.version));
      return OkStatus();
    }
    EASEL_ASSIGN_OR_RETURN(auto ref, ModelFor(call, ctx, Role::kViewer));
    call.Reply(200, models::ModelToJson(ref.second));
    return OkStatus();
  });

  router.Add("DELETE", kModelPath, [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(auto ref, ModelFor(call, ctx, Role::kEditor));
    EASEL_RETURN_IF_ERROR(models::ModelStore(ctx.db).Delete(ref.first.id, ref.second.name));
    call.ReplyNoContent();
    return OkStatus();
  });

  router.Add("GET", Path("/versions"), [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(auto ref, ModelFor(call, ctx, Role::kViewer));
    EASEL_ASSIGN_OR_RETURN(PageRequest page, call.Page());
    int64_t before = 0;
    if (!page.after.empty()) {
      EASEL_ASSIGN_OR_RETURN(before, data::ParseVersionRef(page.after));
    }
    EASEL_ASSIGN_OR_RETURN(auto list,
                           models::ModelStore(ctx.db).ListVersions(ref.second, before, page.limit));
    Json items = Json::array();
    for (const models::ModelVersion& v : list) items.push_back(models::VersionToJson(v));
    call.Reply(200, PageJson(std::move(items), page,
                             list.empty() ? "" : std::to_string(list.back().version)));
    return OkStatus();
  });

  router.Add("GET", Path("/versions/{version}"), [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(VersionRef ref, VersionFor(call, ctx, Role::kViewer));
    call.Reply(200, models::VersionToJson(ref.version));
    return OkStatus();
  });

  router.Add("DELETE", Path("/versions/{version}"), [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(VersionRef ref, VersionFor(call, ctx, Role::kEditor));
    EASEL_RETURN_IF_ERROR(models::ModelStore(ctx.db).DeleteVersion(ref.model, ref.version.version));
    call.ReplyNoContent();
    return OkStatus();
  });

  router.Add("PUT", Path("/aliases/{alias}"), [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(auto ref, ModelFor(call, ctx, Role::kEditor));
    EASEL_ASSIGN_OR_RETURN(Json body, call.JsonBody());
    EASEL_ASSIGN_OR_RETURN(auto version, GetOptionalInt(body, "version", 1, INT64_MAX));
    if (!version) {
      return Status(StatusCode::kInvalidArgument, "field 'version' is required: an integer from 1",
                    Json{{"field", "version"}});
    }
    models::ModelStore store(ctx.db);
    EASEL_RETURN_IF_ERROR(store.SetAlias(ref.second, call.param("alias"), *version));
    EASEL_ASSIGN_OR_RETURN(models::Model m, store.Get(ref.first.id, ref.second.name));
    call.Reply(200, models::ModelToJson(m));
    return OkStatus();
  });

  router.Add("DELETE", Path("/aliases/{alias}"), [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(auto ref, ModelFor(call, ctx, Role::kEditor));
    EASEL_RETURN_IF_ERROR(models::ModelStore(ctx.db).DeleteAlias(ref.second, call.param("alias")));
    call.ReplyNoContent();
    return OkStatus();
  });

  // Lineage: which model versions were trained on this dataset (?version= for one version).
  router.Add("GET", "/api/v1/projects/{project}/datasets/{dataset}/models",
             [&ctx](Call& call) -> Status {
               EASEL_ASSIGN_OR_RETURN(auth::Project p, ProjectFor(call, ctx, Role::kViewer));
               EASEL_ASSIGN_OR_RETURN(data::Dataset d,
                                      data::DatasetStore(ctx.db).Get(p.id, call.param("dataset")));
               std::optional<int64_t> version;
               if (auto v = call.query("version"); v && !v->empty()) {
                 EASEL_ASSIGN_OR_RETURN(int64_t n, data::ParseVersionRef(*v));
                 version = n == 0 ? d.latest_version : n;
               }
               EASEL_ASSIGN_OR_RETURN(auto list, models::ModelStore(ctx.db).VersionsTrainedOn(
                                                     p.id, d.id, version));
               Json items = Json::array();
               for (const models::ModelVersion& v : list) items.push_back(models::VersionToJson(v));
               call.Reply(200, {{"items", items}, {"next_page_token", ""}});
               return OkStatus();
             });
}

}  // namespace

void AddModelRoutes(Router& router, ApiContext& ctx) {
  router.Add("GET", "/api/v1/algorithms", [&ctx](Call& call) -> Status {
    Json items = Json::array();
    if (ctx.algorithms != nullptr) {
      for (const train::Algorithm* a : ctx.algorithms->List()) {
        items.push_back(train::AlgorithmToJson(*a));
      }
    }
    call.Reply(200, {{"items", items}, {"next_page_token", ""}});
    return OkStatus();
  });
  AddRegistryRoutes(router, ctx);
  AddModelFileRoutes(router, ctx);
  AddModelImportRoutes(router, ctx);
}

}  // namespace easel::api
