// The KServe Open Inference Protocol v2 over HTTP (the data plane), endpoint name = model name:
//   GET /v2, /v2/health/live, /v2/health/ready,
//   GET /v2/models/{name}[/versions/{version}][/ready], .../stats, /v2/models/stats (every
//   endpoint the caller may read),
//   POST /v2/models/{name}[/versions/{version}]/infer (JSON, or the binary tensor extension).
// An endpoint is private to its project: the token must be allowed to read that project, and
// anyone else is told the model does not exist.

#include "api/endpoints.h"
#include "common/version.h"
#include "serving/endpoints.h"
#include "serving/kserve/json_codec.h"

namespace easel::api {
namespace {

constexpr const char* kHeaderLength = "Inference-Header-Content-Length";

// The endpoint of {name}, if the caller may read its project.
Result<std::shared_ptr<serving::LiveEndpoint>> EndpointFor(const Call& call, ApiContext& ctx) {
  const std::string& name = call.param("name");
  auto live = ctx.endpoints->Find(name);
  if (!live.ok()) return NotFound("model '" + name + "' not found");
  auto project =
      ctx.projects.Authorize(call.principal(), (*live)->project_name(), auth::Role::kViewer);
  if (!project.ok()) {
    if (project.status().code() == StatusCode::kPermissionDenied) return project.status();
    return NotFound("model '" + name + "' not found");
  }
  return *live;
}

// {version} of the path; nullopt without one.
Result<std::optional<int64_t>> VersionParam(const Call& call) {
  return serving::ParseVersionNumber(call.param("version"));
}

Json TensorSpecs(const std::vector<serving::TensorSpec>& specs) {
  Json out = Json::array();
  for (const auto& s : specs)
    out.push_back({{"name", s.name}, {"datatype", s.datatype}, {"shape", s.shape}});
  return out;
}

Status Metadata(Call& call, ApiContext& ctx) {
  EASEL_ASSIGN_OR_RETURN(auto live, EndpointFor(call, ctx));
  EASEL_ASSIGN_OR_RETURN(std::optional<int64_t> version, VersionParam(call));
  EASEL_ASSIGN_OR_RETURN(std::shared_ptr<serving::Deployment> d, live->Pick(version));
  Json versions = Json::array();
  for (const auto& other : live->routing()->deployments) {
    versions.push_back(std::to_string(other->version().version));
  }
  const serving::ModelMetadata& m = d->metadata();
  Json body = {{"name", call.param("name")},
               {"versions", versions},
               {"platform", m.platform},
               {"inputs", TensorSpecs(m.inputs)},
               {"outputs", TensorSpecs(m.outputs)}};
  if (version) body["version"] = std::to_string(*version);
  if (!m.classes.empty()) body["parameters"] = {{"classes", m.classes}};
  call.Reply(200, body);
  return OkStatus();
}

Status Ready(Call& call, ApiContext& ctx) {
  EASEL_ASSIGN_OR_RETURN(auto live, EndpointFor(call, ctx));
  EASEL_ASSIGN_OR_RETURN(std::optional<int64_t> version, VersionParam(call));
  EASEL_RETURN_IF_ERROR(live->Pick(version));  // UNAVAILABLE until loaded
  call.Reply(200, {{"name", call.param("name")}, {"ready", true}});
  return OkStatus();
}

Status Stats(Call& call, ApiContext& ctx) {
  EASEL_ASSIGN_OR_RETURN(auto live, EndpointFor(call, ctx));
  EASEL_ASSIGN_OR_RETURN(std::optional<int64_t> version, VersionParam(call));
  EASEL_ASSIGN_OR_RETURN(auto serving, live->Serving(version));
  Json stats = Json::array();
  for (const auto& d : serving) stats.push_back(d->StatsJson());
  call.Reply(200, {{"model_stats", stats}});
  return OkStatus();
}

// Every endpoint's statistics that the caller may read.
Status AllStats(Call& call, ApiContext& ctx) {
  Json stats = Json::array();
  for (const auto& live : ctx.endpoints->All()) {
    if (!ctx.projects.Authorize(call.principal(), live->project_name(), auth::Role::kViewer).ok()) {
      continue;
    }
    EASEL_ASSIGN_OR_RETURN(auto serving, live->Serving(std::nullopt));
    for (const auto& d : serving) stats.push_back(d->StatsJson());
  }
  call.Reply(200, {{"model_stats", stats}});
  return OkStatus();
}

// The request, parsed. A request in the binary tensor extension sent as is has its JSON header
// read first, and each input's bytes read from the connection straight into its tensor; any
// other body is read whole first.
Result<serving::InferRequest> ReadInferRequest(Call& call, std::optional<size_t> header_length) {
  serving::kserve::CodecLimits limits;
  limits.max_json_depth = call.limits().max_json_depth;
  const uint64_t max_bytes = call.limits().max_body_bytes;
  std::optional<uint64_t> plain;
  if (header_length) {
    EASEL_ASSIGN_OR_RETURN(plain, call.PlainBodyLength(max_bytes));
  }
  if (!plain) {
    std::string body;
    EASEL_RETURN_IF_ERROR(call.ReadBody(max_bytes, body));
    return serving::kserve::ParseInferRequest(body, header_length, limits);
  }
  // A request found bad part-way leaves the rest of its body to the transport, which drains it
  // as it does an unread one.
  EASEL_RETURN_IF_ERROR(serving::kserve::CheckHeaderLength(*header_length, *plain));
  std::string header;
  EASEL_RETURN_IF_ERROR(call.ReadBodyPart(*header_length, header));
  const serving::kserve::BinaryReader binary{
      .size = *plain - *header_length,
      .read = [&call](char* out, size_t n) { return call.ReadBodyPart(out, n); }};
  return serving::kserve::ParseInferRequest(header, binary, limits);
}

Status Infer(Call& call, ApiContext& ctx) {
  EASEL_ASSIGN_OR_RETURN(auto live, EndpointFor(call, ctx));
  EASEL_ASSIGN_OR_RETURN(std::optional<int64_t> version, VersionParam(call));
  std::optional<size_t> header_length;
  if (call.request().has_header(kHeaderLength)) {
    EASEL_ASSIGN_OR_RETURN(header_length, serving::kserve::ParseHeaderLength(
                                              call.request().get_header_value(kHeaderLength)));
  }
  EASEL_ASSIGN_OR_RETURN(serving::InferRequest request, ReadInferRequest(call, header_length));
  EASEL_ASSIGN_OR_RETURN(std::shared_ptr<serving::Deployment> d, live->Pick(version));
  EASEL_ASSIGN_OR_RETURN(serving::InferResponse response, d->Infer(request));
  serving::kserve::EncodedResponse encoded =
      serving::kserve::EncodeInferResponse(response, request);
  httplib::Response& res = call.response();
  res.status = 200;
  if (encoded.header_length) {
    res.set_header(kHeaderLength, std::to_string(*encoded.header_length));
    res.set_content(std::move(encoded.body), "application/octet-stream");
  } else {
    res.set_content(std::move(encoded.body), "application/json");
  }
  return OkStatus();
}

// Each model route, with and without /versions/{version}.
void AddModelRoute(Router& router, ApiContext& ctx, const char* method, const std::string& rest,
                   Status (*handler)(Call&, ApiContext&)) {
  for (const char* base : {"/v2/models/{name}", "/v2/models/{name}/versions/{version}"}) {
    router.Add(method, base + rest, [&ctx, handler](Call& call) { return handler(call, ctx); });
  }
}

}  // namespace

void AddKserveRoutes(Router& router, ApiContext& ctx) {
  if (ctx.endpoints == nullptr) return;
  RouteOptions open{.public_route = true};
  router.Add(
      "GET", "/v2/health/live",
      [](Call& call) -> Status {
        call.Reply(200, {{"live", true}});
        return OkStatus();
      },
      open);
  router.Add(
      "GET", "/v2/health/ready",
      [&ctx](Call& call) -> Status {
        if (ctx.draining && ctx.draining()) return Unavailable("the server is shutting down");
        call.Reply(200, {{"ready", true}});
        return OkStatus();
      },
      open);
  router.Add("GET", "/v2", [](Call& call) -> Status {
    call.Reply(200, {{"name", "easel"},
                     {"version", kVersion},
                     {"extensions", {"binary_tensor_data", "classification", "statistics"}}});
    return OkStatus();
  });
  // Before the model routes, which would take "stats" for a model's name.
  router.Add("GET", "/v2/models/stats", [&ctx](Call& call) { return AllStats(call, ctx); });
  AddModelRoute(router, ctx, "GET", "", Metadata);
  AddModelRoute(router, ctx, "GET", "/ready", Ready);
  AddModelRoute(router, ctx, "GET", "/stats", Stats);
  AddModelRoute(router, ctx, "POST", "/infer", Infer);
}

}  // namespace easel::api
