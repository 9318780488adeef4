#pragma once
// Importers turn uploaded files into samples. Each format (csv, image_folder, coco, voc, yolo,
// jsonl, time_series...) is one Importer registered in the one list in formats.cc; a request
// names the format or lets the registry detect it.
//
// An importer reads SourceFiles and calls the sink: SetColumns once for record datasets, then
// Add for every sample and Reject for every file or row it refuses (with a reason the user can
// act on). A problem that makes the whole upload unusable (no CSV header, a COCO file that is
// not JSON) is returned as INVALID_ARGUMENT instead, naming the file and, for text formats, the
// line. The sink assigns ids, checks invariants, and builds the version.

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "data/dataset_type.h"
#include "data/sample.h"
#include "data/source_files.h"

namespace easel::data {

class ImportSink {
 public:
  virtual ~ImportSink() = default;
  // Record datasets: the column names, once, before the first Add. INVALID_ARGUMENT for empty
  // or duplicate names.
  virtual Status SetColumns(std::vector<std::string> columns) = 0;
  // Class names the source declares even if no sample uses them (a YOLO names file, COCO
  // categories). Labels used by samples are classes too without being declared.
  virtual void DeclareClasses(const std::vector<std::string>& classes) = 0;
  // Adds one sample (id left empty). An error aborts the import; a sample the sink refuses for
  // a per-sample reason is recorded as rejected and OkStatus is returned.
  virtual Status Add(Sample sample) = 0;
  // Records a refused file or row ("a/b.jpg", "corrupt image: ...", or "data.csv:17", ...).
  virtual void Reject(std::string what, std::string reason) = 0;
  // Progress of the importer's own work, 0..1.
  virtual void Progress(double fraction, std::string message) = 0;
  // True once the job is cancelled: return Cancelled(...) soon.
  virtual bool cancelled() const = 0;
};

struct Importer {
  std::string name;  // the request's `format`
  std::string description;
  std::vector<DatasetType> types;  // dataset types it can fill
  // Options the importer reads from the request's `params` object: {name: {type, default,
  // description}}. Shown to users; `run` validates.
  Json params_schema = Json::object();
  // How sure the importer is that it understands these files for this type: 0 (no) .. 100.
  // Used when the request names no format; must be cheap (look at names, maybe a prefix).
  std::function<int(const SourceFiles& files, DatasetType type)> detect;
  std::function<Status(const SourceFiles& files, DatasetType type, const Json& params,
                       ImportSink& sink)>
      run;
};

class ImporterRegistry {
 public:
  // INVALID_ARGUMENT without a name, types or run; ALREADY_EXISTS for a repeated name.
  Status Register(Importer importer);
  // NOT_FOUND listing the known formats.
  Result<const Importer*> Find(const std::string& name) const;
  // Find, and INVALID_ARGUMENT when that format cannot fill a dataset of `type`.
  Result<const Importer*> FindFor(const std::string& name, DatasetType type) const;
  // The importer with the highest detect() score above 0 for `type`; INVALID_ARGUMENT listing
  // the formats for that type when none recognises the files.
  Result<const Importer*> Detect(const SourceFiles& files, DatasetType type) const;
  std::vector<const Importer*> List() const;  // by name

 private:
  std::map<std::string, Importer> importers_;
};

}  // namespace easel::data
