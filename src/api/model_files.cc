// What a model version holds, read back: its evaluations, the HTML report, its files and the
// download bundles. /api/v1/projects/{project}/models/{model}/versions/{version}/...

#include <algorithm>
#include <shared_mutex>

#include "api/call.h"
#include "api/model_ref.h"
#include "api/routes.h"
#include "eval/report.h"
#include "jobs/job.h"
#include "jobs/job_kind.h"
#include "labeling/zip_writer.h"
#include "models/model_json.h"

namespace easel::api {
namespace {

using auth::Role;

constexpr const char* kVersionPath = "/api/v1/projects/{project}/models/{model}/versions/{version}";

std::string Path(const char* rest) { return std::string(kVersionPath) + rest; }

// Streams a blob as the response body.
void ReplyBlob(ApiContext& ctx, Call& call, const std::string& digest, uint64_t size,
               const std::string& content_type, const std::string& file_name) {
  httplib::Response& res = call.response();
  res.status = 200;
  res.set_header("ETag", "\"" + digest + "\"");
  if (!file_name.empty()) {
    res.set_header("Content-Disposition", "attachment; filename=\"" + file_name + "\"");
  }
  store::BlobStore* blobs = &ctx.blobs;
  res.set_content_provider(
      size, content_type,
      [blobs, digest, size](size_t offset, size_t length, httplib::DataSink& sink) {
        return blobs
            ->Read(digest, offset, std::min<uint64_t>(length, size - offset),
                   [&](const char* p, size_t n) { return sink.write(p, n); })
            .ok();
      });
}

// The evaluation document: ?evaluation=<id>, else the newest.
Result<Json> EvaluationFor(const Call& call, ApiContext& ctx, const models::ModelVersion& v) {
  EASEL_ASSIGN_OR_RETURN(auto list, models::ModelStore(ctx.db).ListEvaluations(v.id));
  auto wanted = call.query("evaluation");
  for (const models::Evaluation& e : list) {
    if (wanted && !wanted->empty() && e.id != *wanted) continue;
    EASEL_ASSIGN_OR_RETURN(std::string text, ctx.blobs.ReadAll(e.digest));
    EASEL_ASSIGN_OR_RETURN(Json doc, ParseJson(text, 256));
    doc["evaluation_id"] = e.id;
    doc["dataset_version"] = e.dataset_version;
    doc["split"] = e.split;
    return doc;
  }
  if (wanted && !wanted->empty()) return NotFound("evaluation '" + *wanted + "' not found");
  return NotFound("model '" + v.model_name + "' version " + std::to_string(v.version) +
                  " has no evaluation");
}

// A small JSON file of the version (importance.json, shap.json), or null when absent.
Json OptionalJsonFile(ApiContext& ctx, const models::ModelVersion& v, const std::string& name) {
  const models::ModelFile* f = v.FindFile(name);
  if (f == nullptr) return nullptr;
  auto text = ctx.blobs.ReadAll(f->digest);
  if (!text.ok()) return nullptr;
  auto j = ParseJson(*text, 64);
  return j.ok() ? *j : Json();
}

// What eval::RenderReport draws for a version.
Json ReportInput(ApiContext& ctx, const models::ModelVersion& v, Json evaluation) {
  Json input = {{"model",
                 {{"name", v.model_name},
                  {"version", v.version},
                  {"algorithm", v.algorithm},
                  {"task", v.task},
                  {"created_at", models::VersionToJson(v)["created_at"]}}},
                {"lineage", v.lineage},
                {"params", v.params}};
  input["lineage"].erase("params");  // shown in their own section
  for (const char* part : {"training", "heatmaps"}) {
    if (auto t = evaluation.find(part); t != evaluation.end()) {
      input[part] = *t;
      evaluation.erase(t);
    }
  }
  input["evaluation"] = std::move(evaluation);
  Json importance = OptionalJsonFile(ctx, v, "importance.json");
  if (importance.is_object() && importance.contains("gain")) {
    Json bars = Json::array();
    for (const auto& [feature, value] : importance["gain"].items()) {
      if (value.is_number()) bars.push_back({{"feature", feature}, {"importance", value}});
    }
    input["feature_importance"] = bars;
  }
  // Models without their own importance (linear, mlp) show the evaluation's permutation
  // importance instead.
  if (!input.contains("feature_importance") &&
      input["evaluation"].contains("permutation_importance")) {
    input["feature_importance"] = input["evaluation"]["permutation_importance"];
  }
  Json shap = OptionalJsonFile(ctx, v, "shap.json");
  if (shap.is_object() && shap.contains("features") && shap["features"].is_array()) {
    input["shap"] = shap["features"];
  }
  return input;
}

}  // namespace

void AddModelFileRoutes(Router& router, ApiContext& ctx) {
  router.Add("GET", Path("/evaluation"), [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(VersionRef ref, VersionFor(call, ctx, Role::kViewer));
    EASEL_ASSIGN_OR_RETURN(Json doc, EvaluationFor(call, ctx, ref.version));
    call.Reply(200, doc);
    return OkStatus();
  });

  router.Add("GET", Path("/evaluations"), [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(VersionRef ref, VersionFor(call, ctx, Role::kViewer));
    EASEL_ASSIGN_OR_RETURN(auto list, models::ModelStore(ctx.db).ListEvaluations(ref.version.id));
    Json items = Json::array();
    for (const models::Evaluation& e : list) items.push_back(models::EvaluationToJson(e));
    call.Reply(200, {{"items", items}, {"next_page_token", ""}});
    return OkStatus();
  });

  // On-demand evaluation against any dataset version: an `evaluate` job.
  router.Add("POST", Path("/evaluations"), [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(VersionRef ref, VersionFor(call, ctx, Role::kEditor));
    EASEL_ASSIGN_OR_RETURN(Json body, call.JsonBody());
    for (const auto& [key, value] : body.items()) {
      if (key != "dataset" && key != "split") {
        return Status(StatusCode::kInvalidArgument,
                      "unknown field '" + key + "'; an evaluation takes {dataset, split}",
                      Json{{"field", key}});
      }
    }
    Json spec = body;
    spec["model"] = ref.version.model_name;
    spec["version"] = ref.version.version;
    if (ctx.jobs == nullptr) return Unavailable("this server runs no jobs");
    EASEL_ASSIGN_OR_RETURN(const jobs::JobKind* kind, ctx.jobs->kinds.Find("evaluate"));
    EASEL_RETURN_IF_ERROR(kind->ValidateSpec(spec));
    if (kind->check) EASEL_RETURN_IF_ERROR(kind->check(spec, ctx.db, ref.project.id));
    EASEL_ASSIGN_OR_RETURN(jobs::Job job, SubmitJob(ctx, call, ref.project.id, "evaluate", spec));
    call.Reply(202, {{"job_id", job.id}});
    return OkStatus();
  });

  router.Add("GET", Path("/report"), [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(VersionRef ref, VersionFor(call, ctx, Role::kViewer));
    Json evaluation;
    if (auto doc = EvaluationFor(call, ctx, ref.version); doc.ok()) {
      evaluation = std::move(*doc);
    } else if (doc.status().code() != StatusCode::kNotFound || call.query("evaluation")) {
      return doc.status();
    }
    EASEL_ASSIGN_OR_RETURN(
        std::string html, eval::RenderReport(ReportInput(ctx, ref.version, std::move(evaluation))));
    call.response().status = 200;
    call.response().set_content(html, "text/html; charset=utf-8");
    return OkStatus();
  });

  router.Add("GET", Path("/files/{file}"), [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(VersionRef ref, VersionFor(call, ctx, Role::kViewer));
    const models::ModelFile* f = ref.version.FindFile(call.param("file"));
    if (f == nullptr) return NotFound("the version has no file '" + call.param("file") + "'");
    bool json = f->name.size() > 5 && f->name.ends_with(".json");
    ReplyBlob(ctx, call, f->digest, f->size, json ? "application/json" : "application/octet-stream",
              f->name);
    return OkStatus();
  });

  // ?format=native (default): a ZIP of every file plus metadata.json; xgboost_json: the
  // booster in XGBoost's own JSON format.
  router.Add("GET", Path("/download"), [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(VersionRef ref, VersionFor(call, ctx, Role::kViewer));
    const models::ModelVersion& v = ref.version;
    std::string format = call.query("format").value_or("native");
    std::string stem = v.model_name + "-v" + std::to_string(v.version);
    if (format == "xgboost_json") {
      const models::ModelFile* f = v.FindFile("booster.json");
      if ((v.format != "xgboost" && v.format != "xgboost_json") || f == nullptr) {
        return FailedPrecondition("only xgboost models download as xgboost_json; this one is " +
                                  v.format);
      }
      ReplyBlob(ctx, call, f->digest, f->size, "application/json", stem + ".json");
      return OkStatus();
    }
    if (format == "onnx") {
      return Unimplemented("ONNX export is not available yet; download format=native");
    }
    if (format != "native") {
      return Status(StatusCode::kInvalidArgument,
                    "unknown download format '" + format + "'; formats: native, xgboost_json",
                    Json{{"field", "format"}});
    }
    // The bundle is content-addressed: the same version always gives the same blob, written
    // once and then served from the store.
    std::shared_lock gc(ctx.blobs.gc_mutex());
    EASEL_ASSIGN_OR_RETURN(auto zip, labeling::ZipExportWriter::Create(ctx.blobs, {}, {}));
    EASEL_RETURN_IF_ERROR(zip->AddBytes("metadata.json", models::VersionToJson(v).dump(2)));
    for (const models::ModelFile& f : v.files) {
      EASEL_RETURN_IF_ERROR(zip->AddBlob(f.name, f.digest));
    }
    EASEL_ASSIGN_OR_RETURN(store::BlobInfo blob, zip->Finish());
    ReplyBlob(ctx, call, blob.digest, blob.size, "application/zip", stem + ".zip");
    return OkStatus();
  });
}

}  // namespace easel::api
