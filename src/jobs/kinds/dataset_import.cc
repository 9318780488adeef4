#include "jobs/kinds/dataset_import.h"

#include "common/random.h"
#include "data/import_run.h"
#include "jobs/job_context.h"

namespace easel::jobs {

namespace {

Status ValidateImportSpec(const Json& spec) {
  for (const char* field : {"dataset_id", "upload_id"}) {
    EASEL_ASSIGN_OR_RETURN(std::string id, GetString(spec, field));
    if (!LooksLikeId(id)) return InvalidArgument(std::string(field) + " is not an id");
  }
  EASEL_ASSIGN_OR_RETURN(auto format, GetOptionalString(spec, "format"));
  if (auto p = spec.find("params"); p != spec.end() && !p->is_null() && !p->is_object()) {
    return InvalidArgument("params must be an object");
  }
  return data::ParseSplitSpec(spec.value("split", Json())).status();
}

Json ResultJson(const data::Dataset& dataset, const data::DatasetVersion& v, const Json& source,
                const Json& rejected) {
  return {{"dataset", dataset.name},
          {"version", v.version},
          {"num_samples", v.num_samples},
          {"content_hash", v.content_hash},
          {"format", source.value("format", "")},
          {"files", source.value("files", 0)},
          {"rejected", rejected},
          {"rejected_count", source.value("rejected_count", 0)},
          {"splits", v.splits.value("counts", Json::object())}};
}

Result<Json> RunImportJob(const data::Formats& formats, JobContext& ctx) {
  const Json& spec = ctx.spec();
  data::DatasetStore datasets(ctx.db());
  EASEL_ASSIGN_OR_RETURN(store::BlobStore * blobs, ctx.blobs());
  EASEL_ASSIGN_OR_RETURN(data::Dataset dataset, datasets.GetById(spec.at("dataset_id")));
  if (dataset.project_id != ctx.project_id()) return NotFound("dataset does not exist");
  const std::string upload_id = spec.at("upload_id");

  auto upload = datasets.GetUpload(upload_id);
  if (!upload.ok()) {
    // A previous attempt may have committed the version and died before recording success.
    EASEL_ASSIGN_OR_RETURN(auto recent, datasets.ListVersions(dataset.id, 0, 20));
    for (const data::DatasetVersion& v : recent) {
      if (v.source.value("job", "") == ctx.job_id()) {
        ctx.Log("the version was committed by an earlier attempt");
        return ResultJson(dataset, v, v.source, Json::array());
      }
    }
    return upload.status();
  }
  if (upload->dataset_id != dataset.id) return InvalidArgument("the upload belongs to another dataset");

  data::ImportRequest req;
  req.type = dataset.type;
  req.upload_digest = upload->digest;
  req.upload_size = static_cast<uint64_t>(upload->size);
  req.file_name = upload->file_name;
  req.format = spec.value("format", "");
  req.params = spec.value("params", Json::object());
  if (req.params.is_null()) req.params = Json::object();
  EASEL_ASSIGN_OR_RETURN(req.split, data::ParseSplitSpec(spec.value("split", Json())));

  ctx.Log("importing '" + upload->file_name + "' (" + std::to_string(upload->size) +
          " bytes) into dataset " + dataset.name);
  // Hold off garbage collection in this process while blobs exist that nothing references yet.
  std::shared_lock gc_guard(blobs->gc_mutex());
  auto outcome = data::RunImport(
      formats, *blobs, req, [&](double f, std::string m) { ctx.SetProgress(f, std::move(m)); },
      [&] { return ctx.cancelled(); });
  if (!outcome.ok()) {
    // The upload is of no further use unless the job is interrupted and will run again.
    if (outcome.status().code() != StatusCode::kCancelled) {
      datasets.RemoveUpload(upload_id).IgnoreError();
    }
    return outcome.status();
  }
  const Json rejected = data::RejectedToJson(outcome->rejected);
  Json source = {{"kind", "import"},
                 {"job", ctx.job_id()},
                 {"format", outcome->format},
                 {"file_name", upload->file_name},
                 {"files", outcome->files},
                 {"rejected_count", outcome->rejected_count}};
  EASEL_ASSIGN_OR_RETURN(data::DatasetVersion version,
                         datasets.CommitVersion(dataset, outcome->draft, source, ctx.created_by(),
                                                upload_id));
  ctx.Log("version " + std::to_string(version.version) + ": " +
          std::to_string(version.num_samples) + " samples, " +
          std::to_string(outcome->rejected_count) + " rejected");
  return ResultJson(dataset, version, source, rejected);
}

}  // namespace

JobKind DatasetImportJobKind(const data::Formats& formats) {
  JobKind kind;
  kind.name = "import";
  kind.description = "Imports an uploaded file or archive into a new dataset version";
  kind.params_schema = {
      {"type", "object"},
      {"properties",
       {{"dataset_id", {{"type", "string"}, {"description", "the dataset to import into"}}},
        {"upload_id", {{"type", "string"}, {"description", "the uploaded file"}}},
        {"format", {{"type", "string"}, {"description", "importer name; detected when absent"}}},
        {"params", {{"type", "object"}, {"description", "importer options"}}},
        {"split", {{"type", "object"}, {"description", "{train, val, test, seed, stratify}"}}}}},
      {"required", {"dataset_id", "upload_id"}}};
  kind.validate = ValidateImportSpec;
  kind.run = [&formats](JobContext& ctx) { return RunImportJob(formats, ctx); };
  return kind;
}

}  // namespace easel::jobs
