#include "labeling/export_kind.h"

#include <algorithm>
#include <optional>
#include <shared_mutex>

#include "common/random.h"
#include "data/datasets.h"
#include "data/manifest.h"
#include "jobs/job_context.h"
#include "labeling/annotated_version.h"
#include "labeling/task_store.h"
#include "labeling/zip_writer.h"
#include "store/artifacts.h"

namespace easel::labeling {

namespace {

Status BadFormat(std::string message) {
  return Status(StatusCode::kInvalidArgument, std::move(message), Json{{"field", "format"}});
}

Status ValidateExportSpec(const data::Formats& formats, const Json& spec) {
  for (const auto& [key, value] : spec.items()) {
    if (key != "dataset_id" && key != "version" && key != "task_id" && key != "format" &&
        key != "params") {
      return Status(StatusCode::kInvalidArgument,
                    "unknown field '" + key +
                        "'; an export names {dataset_id, version} or {task_id}, a format and "
                        "optional params",
                    Json{{"field", key}});
    }
  }
  const bool has_task = spec.contains("task_id");
  const bool has_dataset = spec.contains("dataset_id");
  if (has_task == has_dataset) {
    return InvalidArgument("an export names either {dataset_id, version} or {task_id}");
  }
  if (has_task) {
    EASEL_ASSIGN_OR_RETURN(std::string id, GetString(spec, "task_id"));
    if (!LooksLikeId(id)) return InvalidArgument("task_id is not an id");
    if (spec.contains("version")) return InvalidArgument("a task export takes no version");
  } else {
    EASEL_ASSIGN_OR_RETURN(std::string id, GetString(spec, "dataset_id"));
    if (!LooksLikeId(id)) return InvalidArgument("dataset_id is not an id");
    EASEL_ASSIGN_OR_RETURN(auto version, GetOptionalInt(spec, "version", 1, INT64_MAX));
    if (!version) return InvalidArgument("field 'version' is required: an integer from 1");
  }
  EASEL_ASSIGN_OR_RETURN(std::string format, GetString(spec, "format"));
  if (auto found = formats.exporters.Find(format); !found.ok()) {
    return BadFormat(found.status().message());
  }
  if (auto p = spec.find("params"); p != spec.end() && !p->is_null() && !p->is_object()) {
    return InvalidArgument("params must be an object");
  }
  return OkStatus();
}

std::string TypeName(data::DatasetType type) { return std::string(data::ToString(type)); }

bool Supports(const data::Exporter& e, data::DatasetType type) {
  return std::find(e.types.begin(), e.types.end(), type) != e.types.end();
}

}  // namespace

Result<const data::Exporter*> FindExporter(const data::Formats& formats, data::DatasetType type,
                                           const std::string& format) {
  auto found = formats.exporters.Find(format);
  if (!found.ok()) return BadFormat(found.status().message());
  if (Supports(**found, type)) return *found;
  // The labeling API's "csv" is the CSV of whatever the dataset holds: for images, image_csv.
  if (format == "csv" && data::IsImageType(type)) {
    if (auto image_csv = formats.exporters.Find("image_csv");
        image_csv.ok() && Supports(**image_csv, type)) {
      return *image_csv;
    }
  }
  std::string usable;
  for (const data::Exporter* e : formats.exporters.List()) {
    if (Supports(*e, type)) usable += (usable.empty() ? "" : ", ") + e->name;
  }
  return BadFormat("format '" + format + "' cannot export a dataset of type '" + TypeName(type) +
                   "'; formats for " + TypeName(type) + ": " + (usable.empty() ? "none" : usable));
}

Result<Json> RunExport(const data::Formats& formats, store::Database& db, store::BlobStore& blobs,
                       const ExportRequest& req,
                       const std::function<void(double, std::string)>& progress,
                       const std::function<bool()>& cancelled) {
  data::ExportSource source;
  source.blobs = &blobs;
  std::string artifact_base;
  // Exactly one of these feeds source.for_each; both outlive the export below.
  std::optional<AnnotatedVersion> task_view;
  std::optional<data::ManifestReader> manifest;
  data::DatasetStore datasets(db);
  if (!req.task_id.empty()) {
    auto task = TaskStore(db, blobs).GetById(req.task_id);
    if (!task.ok() || task->project_id != req.project_id) {
      return NotFound("labeling task does not exist");
    }
    EASEL_ASSIGN_OR_RETURN(AnnotatedVersion view, AnnotatedVersion::Open(db, blobs, *task));
    task_view.emplace(std::move(view));
    source.type = task_view->dataset().type;
    source.dataset_name = task_view->dataset().name;
    source.columns = task_view->version().columns();
    source.classes = task_view->classes();
    source.num_samples = static_cast<uint64_t>(task_view->version().num_samples);
    source.for_each = [&](const std::function<Status(const data::Sample&, data::Split)>& fn) {
      return task_view->ForEach(fn);
    };
    artifact_base = task->name;
  } else {
    auto dataset = datasets.GetById(req.dataset_id);
    if (!dataset.ok() || dataset->project_id != req.project_id) {
      return NotFound("dataset does not exist");
    }
    EASEL_ASSIGN_OR_RETURN(data::DatasetVersion version,
                           datasets.GetVersion(dataset->id, req.version));
    EASEL_ASSIGN_OR_RETURN(data::ManifestReader reader, data::ManifestReader::Open(blobs, version));
    manifest.emplace(std::move(reader));
    source.type = dataset->type;
    source.dataset_name = dataset->name;
    source.columns = version.columns();
    source.classes = version.classes();
    std::sort(source.classes.begin(), source.classes.end());
    source.num_samples = static_cast<uint64_t>(version.num_samples);
    source.for_each = [&](const std::function<Status(const data::Sample&, data::Split)>& fn) {
      return manifest->ForEachSample(fn);
    };
    artifact_base = dataset->name + "-v" + std::to_string(version.version);
  }
  EASEL_ASSIGN_OR_RETURN(const data::Exporter* exporter,
                         FindExporter(formats, source.type, req.format));
  const Json params = req.params.is_object() ? req.params : Json::object();

  // The archive blob is unreferenced until its artifact exists: hold off collection.
  std::shared_lock gc_guard(blobs.gc_mutex());
  EASEL_ASSIGN_OR_RETURN(auto writer, ZipExportWriter::Create(blobs, progress, cancelled));
  EASEL_RETURN_IF_ERROR(exporter->run(source, params, *writer));
  if (cancelled && cancelled()) return Cancelled("the export was cancelled");
  EASEL_ASSIGN_OR_RETURN(store::BlobInfo blob, writer->Finish());
  const std::string name = artifact_base + "-" + exporter->name + ".zip";
  EASEL_ASSIGN_OR_RETURN(
      store::Artifact artifact,
      store::CreateArtifact(db, req.project_id, name, "application/zip", blob, req.user_id));
  if (progress) progress(1.0, "exported " + std::to_string(source.num_samples) + " samples");
  return Json{{"artifact_id", artifact.id},
              {"name", artifact.name},
              {"size", artifact.size},
              {"format", exporter->name},
              {"num_samples", source.num_samples}};
}

jobs::JobKind ExportJobKind(const data::Formats& formats) {
  jobs::JobKind kind;
  kind.name = "export";
  kind.description =
      "Exports a dataset version, or a labeling task with its annotations applied, as a ZIP "
      "artifact in a standard format (coco, voc, yolo, csv...)";
  kind.params_schema = {
      {"type", "object"},
      {"properties",
       {{"dataset_id", {{"type", "string"}, {"description", "the dataset to export"}}},
        {"version",
         {{"type", "integer"}, {"minimum", 1}, {"description", "the version, with dataset_id"}}},
        {"task_id",
         {{"type", "string"},
          {"description", "a labeling task to export instead (its version, annotations applied)"}}},
        {"format", {{"type", "string"}, {"description", "exporter name: coco, voc, yolo, csv..."}}},
        {"params", {{"type", "object"}, {"description", "exporter options"}}}}},
      {"required", {"format"}}};
  kind.validate = [&formats](const Json& spec) { return ValidateExportSpec(formats, spec); };
  kind.run = [&formats](jobs::JobContext& ctx) -> Result<Json> {
    // An earlier attempt that made the artifact and then died recorded its result.
    EASEL_ASSIGN_OR_RETURN(auto checkpoint, ctx.LoadCheckpoint());
    if (checkpoint) {
      if (auto done = ParseJson(*checkpoint); done.ok() && done->is_object()) {
        ctx.Log("the artifact was made by an earlier attempt");
        return *done;
      }
    }
    EASEL_ASSIGN_OR_RETURN(store::BlobStore * blobs, ctx.blobs());
    const Json& spec = ctx.spec();
    ExportRequest req;
    req.project_id = ctx.project_id();
    req.user_id = ctx.created_by();
    req.dataset_id = spec.value("dataset_id", "");
    req.version = spec.value("version", int64_t{0});
    req.task_id = spec.value("task_id", "");
    req.format = spec.value("format", "");
    req.params = spec.value("params", Json::object());
    ctx.Log("exporting " +
            (req.task_id.empty() ? "dataset version" : std::string("labeling task")) + " as " +
            req.format);
    EASEL_ASSIGN_OR_RETURN(
        Json result, RunExport(
                         formats, ctx.db(), *blobs, req,
                         [&ctx](double f, std::string m) { ctx.SetProgress(f, std::move(m)); },
                         [&ctx] { return ctx.cancelled(); }));
    ctx.SaveCheckpoint(DumpJson(result)).IgnoreError();
    ctx.Log("wrote " + result.value("name", std::string()) + " (" +
            std::to_string(result.value("size", int64_t{0})) + " bytes)");
    return result;
  };
  return kind;
}

}  // namespace easel::labeling
