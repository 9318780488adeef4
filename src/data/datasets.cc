#include "data/datasets.h"

#include <charconv>

#include "common/names.h"
#include "common/random.h"
#include "common/time.h"
#include "store/blob_refs.h"

namespace easel::data {

namespace {

constexpr const char* kDatasetColumns =
    "d.id, d.project_id, d.name, d.type, d.description, d.created_by, d.created_at, "
    "(SELECT MAX(version) FROM dataset_versions v WHERE v.dataset_id = d.id)";

constexpr const char* kVersionColumns =
    "id, dataset_id, version, content_hash, manifest_digest, manifest_size, splits_digest, "
    "num_samples, schema_json, stats_json, splits_json, source_json, created_by, created_at";

Dataset DatasetFromRow(const store::Row& r) {
  Dataset d;
  d.id = r.Str(0);
  d.project_id = r.Str(1);
  d.name = r.Str(2);
  d.type = ParseDatasetType(r.Str(3)).value_or(DatasetType::kTabular);
  d.description = r.Str(4);
  d.created_by = r.Str(5);
  d.created_at = r.Int(6);
  d.latest_version = r.IsNull(7) ? 0 : r.Int(7);
  return d;
}

Json ParseStored(const std::string& text) {
  auto j = ParseJson(text, 256);
  return j.ok() ? std::move(*j) : Json::object();
}

DatasetVersion VersionFromRow(const store::Row& r) {
  DatasetVersion v;
  v.id = r.Str(0);
  v.dataset_id = r.Str(1);
  v.version = r.Int(2);
  v.content_hash = r.Str(3);
  v.manifest_digest = r.Str(4);
  v.manifest_size = r.Int(5);
  v.splits_digest = r.Str(6);
  v.num_samples = r.Int(7);
  v.schema = ParseStored(r.Str(8));
  v.stats = ParseStored(r.Str(9));
  v.splits = ParseStored(r.Str(10));
  v.source = ParseStored(r.Str(11));
  v.created_by = r.Str(12);
  v.created_at = r.Int(13);
  return v;
}

std::vector<std::string> StringsAt(const Json& obj, const char* key, const char* field) {
  std::vector<std::string> out;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_array()) return out;
  for (const Json& e : *it) {
    if (field != nullptr && e.is_object()) {
      out.push_back(e.value(field, ""));
    } else if (e.is_string()) {
      out.push_back(e.get<std::string>());
    }
  }
  return out;
}

// Releases every blob a version references (its rows are deleted by the caller or cascade).
Status ReleaseVersionBlobs(store::SqlSession& s, const std::string& version_id) {
  EASEL_ASSIGN_OR_RETURN(
      auto row, s.QueryOne("SELECT manifest_digest, splits_digest FROM dataset_versions WHERE id = ?",
                           {version_id}));
  if (!row) return OkStatus();
  EASEL_RETURN_IF_ERROR(store::ReleaseBlobRef(s, row->Str(0)));
  EASEL_RETURN_IF_ERROR(store::ReleaseBlobRef(s, row->Str(1)));
  EASEL_ASSIGN_OR_RETURN(auto blobs, s.Query("SELECT digest FROM dataset_version_blobs "
                                             "WHERE version_id = ?",
                                             {version_id}));
  for (const store::Row& b : blobs) EASEL_RETURN_IF_ERROR(store::ReleaseBlobRef(s, b.Str(0)));
  return s.Exec("DELETE FROM dataset_version_blobs WHERE version_id = ?", {version_id}).status();
}

}  // namespace

std::vector<std::string> DatasetVersion::columns() const { return StringsAt(schema, "columns", "name"); }
std::vector<std::string> DatasetVersion::classes() const { return StringsAt(schema, "classes", nullptr); }

Json VersionToJson(const DatasetVersion& v) {
  Json j = {{"version", v.version},
            {"created_at", FormatRfc3339(v.created_at)},
            {"num_samples", v.num_samples},
            {"content_hash", v.content_hash},
            {"manifest_size", v.manifest_size},
            {"splits", v.splits.value("counts", Json::object())},
            {"split_spec", v.splits.value("spec", Json::object())},
            {"stats", v.stats},
            {"schema", v.schema},
            {"source", v.source}};
  if (!v.created_by.empty()) j["created_by"] = v.created_by;
  return j;
}

Json DatasetToJson(const Dataset& d) {
  Json j = {{"id", d.id},
            {"name", d.name},
            {"type", ToString(d.type)},
            {"description", d.description},
            {"created_at", FormatRfc3339(d.created_at)},
            {"latest_version", d.latest_version == 0 ? Json(nullptr) : Json(d.latest_version)}};
  return j;
}

Result<Dataset> DatasetStore::Create(const std::string& project_id, const std::string& name,
                                     DatasetType type, const std::string& description,
                                     const std::string& user_id) {
  EASEL_RETURN_IF_ERROR(ValidateName("dataset", name));
  if (description.size() > 4096) return InvalidArgument("description is longer than 4096 bytes");
  Dataset d{NewId(), project_id, name, type, description, user_id, NowMillis(), 0};
  Status s = db_.Exec(
                    "INSERT INTO datasets (id, project_id, name, type, description, created_by, "
                    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    {d.id, d.project_id, d.name, std::string(ToString(type)), d.description,
                     d.created_by, d.created_at})
                 .status();
  if (s.code() == StatusCode::kAlreadyExists) {
    return AlreadyExists("dataset '" + name + "' already exists");
  }
  EASEL_RETURN_IF_ERROR(s);
  return d;
}

Result<Dataset> DatasetStore::Get(const std::string& project_id, const std::string& name) {
  EASEL_ASSIGN_OR_RETURN(auto row,
                         db_.QueryOne(std::string("SELECT ") + kDatasetColumns +
                                          " FROM datasets d WHERE d.project_id = ? AND d.name = ?",
                                      {project_id, name}));
  if (!row) return NotFound("dataset '" + name + "' does not exist");
  return DatasetFromRow(*row);
}

Result<Dataset> DatasetStore::GetById(const std::string& dataset_id) {
  EASEL_ASSIGN_OR_RETURN(auto row, db_.QueryOne(std::string("SELECT ") + kDatasetColumns +
                                                    " FROM datasets d WHERE d.id = ?",
                                                {dataset_id}));
  if (!row) return NotFound("dataset does not exist");
  return DatasetFromRow(*row);
}

Result<std::vector<Dataset>> DatasetStore::List(const std::string& project_id,
                                                const std::string& after_name, int limit) {
  limit = std::clamp(limit, 1, 1000);
  EASEL_ASSIGN_OR_RETURN(auto rows,
                         db_.Query(std::string("SELECT ") + kDatasetColumns +
                                       " FROM datasets d WHERE d.project_id = ? AND d.name > ? "
                                       "ORDER BY d.name LIMIT ?",
                                   {project_id, after_name, int64_t{limit}}));
  std::vector<Dataset> out;
  for (const store::Row& r : rows) out.push_back(DatasetFromRow(r));
  return out;
}

Status DatasetStore::Delete(const std::string& project_id, const std::string& name) {
  return db_.Transaction([&](store::SqlSession& s) -> Status {
    EASEL_ASSIGN_OR_RETURN(auto row,
                           s.QueryOne("SELECT id FROM datasets WHERE project_id = ? AND name = ?",
                                      {project_id, name}));
    if (!row) return NotFound("dataset '" + name + "' does not exist");
    const std::string id = row->Str(0);
    EASEL_ASSIGN_OR_RETURN(auto versions,
                           s.Query("SELECT id FROM dataset_versions WHERE dataset_id = ?", {id}));
    for (const store::Row& v : versions) EASEL_RETURN_IF_ERROR(ReleaseVersionBlobs(s, v.Str(0)));
    EASEL_ASSIGN_OR_RETURN(auto uploads,
                           s.Query("SELECT digest FROM dataset_uploads WHERE dataset_id = ?", {id}));
    for (const store::Row& u : uploads) EASEL_RETURN_IF_ERROR(store::ReleaseBlobRef(s, u.Str(0)));
    EASEL_RETURN_IF_ERROR(s.Exec("DELETE FROM dataset_uploads WHERE dataset_id = ?", {id}));
    EASEL_RETURN_IF_ERROR(s.Exec("DELETE FROM dataset_versions WHERE dataset_id = ?", {id}));
    return s.Exec("DELETE FROM datasets WHERE id = ?", {id}).status();
  });
}

Result<DatasetVersion> DatasetStore::GetVersion(const std::string& dataset_id, int64_t version) {
  std::optional<store::Row> row;
  if (version == 0) {
    EASEL_ASSIGN_OR_RETURN(row, db_.QueryOne(std::string("SELECT ") + kVersionColumns +
                                                 " FROM dataset_versions WHERE dataset_id = ? "
                                                 "ORDER BY version DESC LIMIT 1",
                                             {dataset_id}));
    if (!row) return NotFound("the dataset has no version yet");
  } else {
    EASEL_ASSIGN_OR_RETURN(row, db_.QueryOne(std::string("SELECT ") + kVersionColumns +
                                                 " FROM dataset_versions WHERE dataset_id = ? "
                                                 "AND version = ?",
                                             {dataset_id, version}));
    if (!row) return NotFound("version " + std::to_string(version) + " does not exist");
  }
  return VersionFromRow(*row);
}

Result<std::vector<DatasetVersion>> DatasetStore::ListVersions(const std::string& dataset_id,
                                                               int64_t before, int limit) {
  limit = std::clamp(limit, 1, 1000);
  if (before <= 0) before = INT64_MAX;
  EASEL_ASSIGN_OR_RETURN(auto rows, db_.Query(std::string("SELECT ") + kVersionColumns +
                                                  " FROM dataset_versions WHERE dataset_id = ? "
                                                  "AND version < ? ORDER BY version DESC LIMIT ?",
                                              {dataset_id, before, int64_t{limit}}));
  std::vector<DatasetVersion> out;
  for (const store::Row& r : rows) out.push_back(VersionFromRow(r));
  return out;
}

Result<DatasetVersion> DatasetStore::CommitVersion(const Dataset& dataset,
                                                   const VersionDraft& draft, const Json& source,
                                                   const std::string& user_id,
                                                   const std::string& release_upload) {
  DatasetVersion v;
  v.id = NewId();
  v.dataset_id = dataset.id;
  v.content_hash = draft.content_hash;
  v.manifest_digest = draft.manifest.digest;
  v.manifest_size = static_cast<int64_t>(draft.manifest.size);
  v.splits_digest = draft.splits.digest;
  v.num_samples = draft.num_samples;
  v.schema = draft.schema;
  v.stats = draft.stats;
  v.splits = draft.splits_summary;
  v.source = source;
  v.created_by = user_id;
  v.created_at = NowMillis();
  EASEL_RETURN_IF_ERROR(db_.Transaction([&](store::SqlSession& s) -> Status {
    EASEL_ASSIGN_OR_RETURN(auto exists,
                           s.QueryOne("SELECT 1 FROM datasets WHERE id = ?", {dataset.id}));
    if (!exists) return FailedPrecondition("the dataset was deleted during the import");
    EASEL_ASSIGN_OR_RETURN(auto last, s.QueryOne("SELECT MAX(version) FROM dataset_versions "
                                                 "WHERE dataset_id = ?",
                                                 {dataset.id}));
    v.version = (last && !last->IsNull(0) ? last->Int(0) : 0) + 1;
    EASEL_RETURN_IF_ERROR(store::AddBlobRef(s, draft.manifest));
    EASEL_RETURN_IF_ERROR(store::AddBlobRef(s, draft.splits));
    EASEL_RETURN_IF_ERROR(s.Exec(std::string("INSERT INTO dataset_versions (") + kVersionColumns +
                                     ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                 {v.id, v.dataset_id, v.version, v.content_hash, v.manifest_digest,
                                  v.manifest_size, v.splits_digest, v.num_samples,
                                  DumpJson(v.schema), DumpJson(v.stats), DumpJson(v.splits),
                                  DumpJson(v.source), v.created_by, v.created_at}));
    for (const store::BlobInfo& b : draft.blobs) {
      EASEL_RETURN_IF_ERROR(store::AddBlobRef(s, b));
      EASEL_RETURN_IF_ERROR(
          s.Exec("INSERT INTO dataset_version_blobs (version_id, digest) VALUES (?, ?)",
                 {v.id, b.digest}));
    }
    if (!release_upload.empty()) {
      EASEL_ASSIGN_OR_RETURN(
          auto up, s.QueryOne("SELECT digest FROM dataset_uploads WHERE id = ?", {release_upload}));
      if (up) {
        EASEL_RETURN_IF_ERROR(s.Exec("DELETE FROM dataset_uploads WHERE id = ?", {release_upload}));
        EASEL_RETURN_IF_ERROR(store::ReleaseBlobRef(s, up->Str(0)));
      }
    }
    return OkStatus();
  }));
  return v;
}

Result<DatasetStore::Upload> DatasetStore::AddUpload(const std::string& dataset_id,
                                                     const store::BlobInfo& blob,
                                                     const std::string& file_name) {
  Upload u{NewId(), dataset_id, blob.digest, static_cast<int64_t>(blob.size), file_name};
  EASEL_RETURN_IF_ERROR(db_.Transaction([&](store::SqlSession& s) -> Status {
    EASEL_RETURN_IF_ERROR(store::AddBlobRef(s, blob));
    return s
        .Exec("INSERT INTO dataset_uploads (id, dataset_id, digest, size, file_name, created_at) "
              "VALUES (?, ?, ?, ?, ?, ?)",
              {u.id, u.dataset_id, u.digest, u.size, u.file_name, NowMillis()})
        .status();
  }));
  return u;
}

Result<DatasetStore::Upload> DatasetStore::GetUpload(const std::string& upload_id) {
  EASEL_ASSIGN_OR_RETURN(auto row, db_.QueryOne("SELECT id, dataset_id, digest, size, file_name "
                                                "FROM dataset_uploads WHERE id = ?",
                                                {upload_id}));
  if (!row) return NotFound("the uploaded file is gone (was the dataset deleted?)");
  return Upload{row->Str(0), row->Str(1), row->Str(2), row->Int(3), row->Str(4)};
}

Status DatasetStore::RemoveUpload(const std::string& upload_id) {
  return db_.Transaction([&](store::SqlSession& s) -> Status {
    EASEL_ASSIGN_OR_RETURN(
        auto up, s.QueryOne("SELECT digest FROM dataset_uploads WHERE id = ?", {upload_id}));
    if (!up) return OkStatus();
    EASEL_RETURN_IF_ERROR(s.Exec("DELETE FROM dataset_uploads WHERE id = ?", {upload_id}));
    return store::ReleaseBlobRef(s, up->Str(0));
  });
}

Result<int64_t> ParseVersionRef(const std::string& text) {
  if (text == "latest") return 0;
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < 1 || text[0] == '+') {
    return InvalidArgument("a version is a number from 1, or 'latest'");
  }
  return v;
}

}  // namespace easel::data
