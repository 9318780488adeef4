// Serving endpoints, the control plane: /api/v1/projects/{project}/endpoints[/{endpoint}].
// POST creates (201) once every routed version is loaded and warm; PATCH changes routes or
// settings without dropping a request; GET shows the configuration and state; DELETE unloads.

#include "api/endpoints.h"

#include <cmath>
#include <set>

#include "common/names.h"
#include "models/model_ref.h"
#include "serving/endpoints.h"

namespace easel::api {
namespace {

using auth::Role;

constexpr const char* kEndpointPath = "/api/v1/projects/{project}/endpoints/{endpoint}";
constexpr size_t kMaxRoutes = 16;

Status Field(const std::string& field, const std::string& message) {
  return Status(StatusCode::kInvalidArgument, "field '" + field + "' " + message,
                Json{{"field", field}});
}

Result<std::vector<serving::Route>> ParseRoutes(const Json& list, models::ModelStore& models,
                                                const std::string& project_id) {
  if (!list.is_array() || list.empty() || list.size() > kMaxRoutes) {
    return Field("routes", "must be a list of 1 to " + std::to_string(kMaxRoutes) +
                               " routes {model, version?, weight?}");
  }
  std::vector<serving::Route> routes;
  std::set<std::string> versions;
  for (size_t i = 0; i < list.size(); ++i) {
    const Json& r = list[i];
    const std::string where = "routes[" + std::to_string(i) + "]";
    if (!r.is_object()) return Field(where, "must be an object {model, version?, weight?}");
    for (const auto& [key, value] : r.items()) {
      if (key != "model" && key != "version" && key != "weight") {
        return Field(where + "." + key, "is not a route field (model, version, weight)");
      }
    }
    EASEL_ASSIGN_OR_RETURN(std::string model, GetString(r, "model"));
    std::string version;  // "latest" unless the model or this field names one
    if (r.contains("version")) {
      const Json& v = r["version"];
      if (v.is_number_integer()) {
        version = std::to_string(v.get<int64_t>());
      } else if (v.is_string()) {
        version = v.get<std::string>();
      } else {
        return Field(where + ".version", "must be a version number, \"latest\" or an alias");
      }
    }
    double weight = 1;
    if (r.contains("weight")) {
      if (!r["weight"].is_number() || !std::isfinite(r["weight"].get<double>()) ||
          r["weight"].get<double>() <= 0) {
        return Field(where + ".weight", "must be a positive number");
      }
      weight = r["weight"].get<double>();
    }
    EASEL_ASSIGN_OR_RETURN(models::ModelRef ref, models::ParseModelRef(model, version));
    EASEL_ASSIGN_OR_RETURN(models::ModelVersion v,
                           models::ResolveModelRef(models, project_id, ref));
    if (!versions.insert(v.id).second) {
      return Field(where, "routes to version " + std::to_string(v.version) + " of model '" +
                              v.model_name + "' a second time");
    }
    routes.push_back({v.model_name, v.version, v.id, weight});
  }
  return routes;
}

// Applies the fields of `body` onto `config` (a PATCH leaves absent fields as they are).
Status ApplyConfig(const Json& body, serving::EndpointConfig& config, models::ModelStore& models,
                   const std::string& project_id, bool allow_name) {
  static const std::set<std::string> kFields = {
      "name",           "routes", "instances", "max_batch_size", "max_queue_delay_us",
      "max_queue_size", "device"};
  for (const auto& [key, value] : body.items()) {
    if (!kFields.count(key) || (key == "name" && !allow_name)) {
      return Field(key, allow_name ? "is not an endpoint field"
                                   : "cannot be changed (create a new endpoint to rename)");
    }
  }
  if (body.contains("routes")) {
    EASEL_ASSIGN_OR_RETURN(config.routes, ParseRoutes(body["routes"], models, project_id));
  }
  EASEL_ASSIGN_OR_RETURN(auto instances, GetOptionalInt(body, "instances", 1, 64));
  if (instances) config.instances = static_cast<int>(*instances);
  EASEL_ASSIGN_OR_RETURN(auto batch, GetOptionalInt(body, "max_batch_size", 1, 4096));
  if (batch) config.max_batch_size = *batch;
  EASEL_ASSIGN_OR_RETURN(auto delay, GetOptionalInt(body, "max_queue_delay_us", 0, 10'000'000));
  if (delay) config.max_queue_delay_us = *delay;
  EASEL_ASSIGN_OR_RETURN(auto queue, GetOptionalInt(body, "max_queue_size", 1, 1'000'000));
  if (queue) config.max_queue_size = *queue;
  EASEL_ASSIGN_OR_RETURN(auto device, GetOptionalString(body, "device"));
  if (device) {
    if (*device != "cpu" && *device != "cuda")
      return Field("device", "must be \"cpu\" or \"cuda\"");
    config.device = *device;
  }
  if (config.routes.empty()) return Field("routes", "is required: the model versions to serve");
  return OkStatus();
}

serving::Endpoints& Live(ApiContext& ctx) { return *ctx.endpoints; }

Result<std::shared_ptr<serving::LiveEndpoint>> EndpointFor(const Call& call, ApiContext& ctx,
                                                           const auth::Project& p) {
  // The store decides whether the name exists in this project; the live table holds its state.
  EASEL_RETURN_IF_ERROR(serving::EndpointStore(ctx.db).Get(p.id, call.param("endpoint")));
  return Live(ctx).Find(call.param("endpoint"));
}

}  // namespace

void AddEndpointRoutes(Router& router, ApiContext& ctx) {
  if (ctx.endpoints == nullptr) return;
  router.Add("POST", "/api/v1/projects/{project}/endpoints", [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(auth::Project p, ProjectFor(call, ctx, Role::kEditor));
    EASEL_ASSIGN_OR_RETURN(Json body, call.JsonBody());
    EASEL_ASSIGN_OR_RETURN(std::string name, GetString(body, "name"));
    EASEL_RETURN_IF_ERROR(ValidateName("endpoint", name));
    serving::EndpointConfig config;
    models::ModelStore models(ctx.db);
    EASEL_RETURN_IF_ERROR(ApplyConfig(body, config, models, p.id, true));
    EASEL_RETURN_IF_ERROR(Live(ctx).Create(p.id, name, config, call.principal().user_id));
    EASEL_ASSIGN_OR_RETURN(auto live, Live(ctx).Find(name));
    call.Reply(201, Live(ctx).Describe(*live));
    return OkStatus();
  });

  router.Add("GET", "/api/v1/projects/{project}/endpoints", [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(auth::Project p, ProjectFor(call, ctx, Role::kViewer));
    EASEL_ASSIGN_OR_RETURN(PageRequest page, call.Page());
    EASEL_ASSIGN_OR_RETURN(auto list,
                           serving::EndpointStore(ctx.db).List(p.id, page.after, page.limit));
    Json items = Json::array();
    for (const serving::EndpointRecord& r : list) {
      auto live = Live(ctx).Find(r.name);
      if (live.ok()) items.push_back(Live(ctx).Describe(**live));
    }
    call.Reply(200, PageJson(std::move(items), page, list.empty() ? "" : list.back().name));
    return OkStatus();
  });

  router.Add("GET", kEndpointPath, [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(auth::Project p, ProjectFor(call, ctx, Role::kViewer));
    EASEL_ASSIGN_OR_RETURN(auto live, EndpointFor(call, ctx, p));
    call.Reply(200, Live(ctx).Describe(*live));
    return OkStatus();
  });

  router.Add("PATCH", kEndpointPath, [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(auth::Project p, ProjectFor(call, ctx, Role::kEditor));
    EASEL_ASSIGN_OR_RETURN(auto live, EndpointFor(call, ctx, p));
    EASEL_ASSIGN_OR_RETURN(Json body, call.JsonBody());
    serving::EndpointConfig config = live->record().config;
    models::ModelStore models(ctx.db);
    EASEL_RETURN_IF_ERROR(ApplyConfig(body, config, models, p.id, false));
    EASEL_RETURN_IF_ERROR(Live(ctx).Update(p.id, call.param("endpoint"), config));
    call.Reply(200, Live(ctx).Describe(*live));
    return OkStatus();
  });

  router.Add("DELETE", kEndpointPath, [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(auth::Project p, ProjectFor(call, ctx, Role::kEditor));
    EASEL_RETURN_IF_ERROR(Live(ctx).Delete(p.id, call.param("endpoint")));
    call.ReplyNoContent();
    return OkStatus();
  });
}

}  // namespace easel::api
