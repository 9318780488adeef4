#pragma once
// Exporters write a dataset version (or a labeling task's view of one) in a standard format:
// COCO, Pascal VOC, YOLO, CSV, image folders. Each is one Exporter registered in formats.cc.
// Output is always a zip archive streamed to a blob, so nothing is buffered whole: exporters
// walk the samples (as often as they need) and write files entry by entry.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "data/dataset_type.h"
#include "data/sample.h"
#include "data/split.h"
#include "store/blob_store.h"

namespace easel::data {

// What is exported.
struct ExportSource {
  DatasetType type = DatasetType::kTabular;
  std::string dataset_name;
  std::vector<std::string> columns;  // record datasets
  std::vector<std::string> classes;  // sorted; every label used plus declared ones
  store::BlobStore* blobs = nullptr;  // image bytes: blobs->Read(sample.blob, ...)
  // Calls `fn` for every sample in manifest order with its split. May be called several times
  // (COCO writes images, then annotations). Stops at and returns the first error of `fn`.
  std::function<Status(const std::function<Status(const Sample&, Split)>& fn)> for_each;
  // Number of samples, for progress.
  uint64_t num_samples = 0;
};

// One file being written into the export archive.
class ExportFile {
 public:
  virtual ~ExportFile() = default;
  virtual Status Write(std::string_view bytes) = 0;
  // Completes the entry; the file is not in the archive without it.
  virtual Status Close() = 0;
};

// The archive being written. Paths are relative, '/'-separated, and must be unique.
class ExportWriter {
 public:
  virtual ~ExportWriter() = default;
  // Streams an entry of unknown size. Only one entry may be open at a time.
  virtual Result<std::unique_ptr<ExportFile>> Open(const std::string& path) = 0;
  // A whole small entry.
  virtual Status AddBytes(const std::string& path, std::string_view bytes) = 0;
  // Copies a blob (an image) into the archive.
  virtual Status AddBlob(const std::string& path, const std::string& digest) = 0;
  // For progress reporting: 0..1 of the exporter's work.
  virtual void Progress(double fraction, std::string message) = 0;
  virtual bool cancelled() const = 0;
};

struct Exporter {
  std::string name;  // the request's `format`
  std::string description;
  std::vector<DatasetType> types;
  Json params_schema = Json::object();
  // The importer that reads this exporter's output back (for round trips and docs).
  std::string importer;
  std::function<Status(const ExportSource& source, const Json& params, ExportWriter& out)> run;
};

class ExporterRegistry {
 public:
  Status Register(Exporter exporter);
  // NOT_FOUND listing the known formats.
  Result<const Exporter*> Find(const std::string& name) const;
  // Find, and INVALID_ARGUMENT when that format cannot export a dataset of `type`.
  Result<const Exporter*> FindFor(const std::string& name, DatasetType type) const;
  std::vector<const Exporter*> List() const;

 private:
  std::map<std::string, Exporter> exporters_;
};

}  // namespace easel::data
