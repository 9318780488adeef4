#pragma once
// The `export` job kind: writes a dataset version, or a labeling task's view of its version
// (annotations applied, nothing committed), in a standard format as a ZIP artifact.
//
// Spec, one of:
//   {dataset_id, version (integer >= 1), format, params?}
//   {task_id, format, params?}
// `format` names an exporter of data::Formats; for image datasets "csv" means image_csv.
// Result: {artifact_id, name, size, format, num_samples}; the artifact is named
// "<dataset>-v<version>-<format>.zip" or "<task>-<format>.zip" and lives in the job's project.
//
// The archive streams into a blob as the exporter writes it (nothing is buffered whole), with
// progress reported and cancellation honoured between entries. A retried attempt after a
// crash that followed the artifact's creation answers the recorded result instead of
// exporting twice.

#include <functional>
#include <string>

#include "common/json.h"
#include "common/status.h"
#include "data/dataset_type.h"
#include "data/exporter.h"
#include "data/formats.h"
#include "jobs/job_kind.h"
#include "store/blob_store.h"
#include "store/sql.h"

namespace easel::labeling {

// The exporter for `format` and a dataset of `type`. INVALID_ARGUMENT (field "format") when
// the format is unknown (listing the known ones) or cannot export that type (listing those
// that can).
Result<const data::Exporter*> FindExporter(const data::Formats& formats, data::DatasetType type,
                                           const std::string& format);

struct ExportRequest {
  std::string project_id;
  std::string user_id;
  // A dataset version...
  std::string dataset_id;
  int64_t version = 0;
  // ...or a labeling task.
  std::string task_id;
  std::string format;
  Json params = Json::object();
};

// Runs one export start to end (the job kind's body; tests call it directly). NOT_FOUND when
// the dataset, version or task is not in the project.
Result<Json> RunExport(const data::Formats& formats, store::Database& db, store::BlobStore& blobs,
                       const ExportRequest& request,
                       const std::function<void(double, std::string)>& progress,
                       const std::function<bool()>& cancelled);

// `formats` must outlive the registry.
jobs::JobKind ExportJobKind(const data::Formats& formats);

}  // namespace easel::labeling
