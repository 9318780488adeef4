#pragma once
// Datasets and their immutable versions in the metadata store.
//
// A version is a manifest blob (one sample per line, sample.h), a splits blob (one byte per
// sample), statistics and schema, and the references to every image blob it uses, all
// recorded in one transaction: a version either exists whole or not at all. Version numbers
// count from 1 per dataset.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "data/dataset_type.h"
#include "store/blob_store.h"
#include "store/sql.h"

namespace easel::data {

struct Dataset {
  std::string id;
  std::string project_id;
  std::string name;
  DatasetType type = DatasetType::kTabular;
  std::string description;
  std::string created_by;
  int64_t created_at = 0;
  int64_t latest_version = 0;  // 0: no version yet
};

// Everything a new version consists of, made by VersionBuilder.
struct VersionDraft {
  store::BlobInfo manifest;
  store::BlobInfo splits;
  std::string content_hash;
  int64_t num_samples = 0;
  Json stats = Json::object();
  Json schema = Json::object();  // {columns?: [{name, type}], classes: [...]}
  Json splits_summary = Json::object();  // {spec: {...}, counts: {train, val, test}}
  std::vector<store::BlobInfo> blobs;  // every distinct image blob the samples use
};

struct DatasetVersion {
  std::string id;
  std::string dataset_id;
  int64_t version = 0;
  std::string content_hash;
  std::string manifest_digest;
  int64_t manifest_size = 0;
  std::string splits_digest;
  int64_t num_samples = 0;
  Json schema;
  Json stats;
  Json splits;  // {spec, counts}
  Json source;  // {kind: "import"|"labeling", job?, format?, task?, parent_version?}
  std::string created_by;
  int64_t created_at = 0;

  std::vector<std::string> columns() const;  // from schema
  std::vector<std::string> classes() const;  // from schema
};

// The API representation: {version, created_at, num_samples, content_hash, splits: {train,
// val, test}, split_spec, stats, schema, source}.
Json VersionToJson(const DatasetVersion& v);
Json DatasetToJson(const Dataset& d);

class DatasetStore {
 public:
  explicit DatasetStore(store::Database& db) : db_(db) {}

  // INVALID_ARGUMENT for a bad name (names.h rules) or description over 4 KiB; ALREADY_EXISTS
  // when the project has a dataset of that name.
  Result<Dataset> Create(const std::string& project_id, const std::string& name, DatasetType type,
                         const std::string& description, const std::string& user_id);
  // By name. NOT_FOUND.
  Result<Dataset> Get(const std::string& project_id, const std::string& name);
  Result<Dataset> GetById(const std::string& dataset_id);
  // By name, after `after_name` (exclusive); limit clamped to 1..1000.
  Result<std::vector<Dataset>> List(const std::string& project_id, const std::string& after_name,
                                    int limit);
  // Removes the dataset, its versions and uploads, releasing their blob references.
  Status Delete(const std::string& project_id, const std::string& name);

  // `version` 0 means the latest. NOT_FOUND when it does not exist.
  Result<DatasetVersion> GetVersion(const std::string& dataset_id, int64_t version);
  // Newest first, versions below `before` (0: from the latest); limit clamped to 1..1000.
  Result<std::vector<DatasetVersion>> ListVersions(const std::string& dataset_id, int64_t before,
                                                   int limit);
  // Records a draft as the dataset's next version, with its blob references, in one
  // transaction. `source` is stored as given. If `release_upload` names an upload, it is removed
  // in the same transaction (the import that consumed it is done).
  Result<DatasetVersion> CommitVersion(const Dataset& dataset, const VersionDraft& draft,
                                       const Json& source, const std::string& user_id,
                                       const std::string& release_upload = "");

  // Uploaded files waiting for an import.
  struct Upload {
    std::string id;
    std::string dataset_id;
    std::string digest;
    int64_t size = 0;
    std::string file_name;
  };
  Result<Upload> AddUpload(const std::string& dataset_id, const store::BlobInfo& blob,
                           const std::string& file_name);
  Result<Upload> GetUpload(const std::string& upload_id);
  // Removes the upload record and releases its blob (the bytes go at the next gc). Removing
  // an upload that is gone is OK.
  Status RemoveUpload(const std::string& upload_id);

 private:
  store::Database& db_;
};

// "1", "17", "latest" → version number (0 for latest). INVALID_ARGUMENT otherwise.
Result<int64_t> ParseVersionRef(const std::string& text);

}  // namespace easel::data
