#include "models/model_store.h"

#include <algorithm>

#include "common/names.h"
#include "common/random.h"
#include "common/time.h"
#include "store/blob_refs.h"

namespace easel::models {

namespace {

constexpr const char* kModelColumns =
    "m.id, m.project_id, m.name, m.description, m.created_by, m.created_at, "
    "(SELECT MAX(version) FROM model_versions v WHERE v.model_id = m.id)";

constexpr const char* kVersionColumns =
    "v.id, v.model_id, m.name, v.version, v.algorithm, v.task, v.format, v.params_json, "
    "v.metrics_json, v.signature_json, v.lineage_json, v.dataset_id, v.dataset_version, "
    "v.job_id, v.parent_id, v.created_by, v.created_at";

Json ParseStored(const std::string& text) {
  auto j = ParseJson(text, 256);
  return j.ok() ? std::move(*j) : Json::object();
}

Model ModelFromRow(const store::Row& r) {
  Model m;
  m.id = r.Str(0);
  m.project_id = r.Str(1);
  m.name = r.Str(2);
  m.description = r.Str(3);
  m.created_by = r.Str(4);
  m.created_at = r.Int(5);
  m.latest_version = r.IsNull(6) ? 0 : r.Int(6);
  return m;
}

ModelVersion VersionFromRow(const store::Row& r) {
  ModelVersion v;
  v.id = r.Str(0);
  v.model_id = r.Str(1);
  v.model_name = r.Str(2);
  v.version = r.Int(3);
  v.algorithm = r.Str(4);
  v.task = r.Str(5);
  v.format = r.Str(6);
  v.params = ParseStored(r.Str(7));
  v.metrics = ParseStored(r.Str(8));
  v.signature = ParseStored(r.Str(9));
  v.lineage = ParseStored(r.Str(10));
  v.dataset_id = r.OptStr(11);
  v.dataset_version = r.OptInt(12);
  v.job_id = r.Str(13);
  v.parent_id = r.OptStr(14);
  v.created_by = r.Str(15);
  v.created_at = r.Int(16);
  return v;
}

Status LoadAliases(store::SqlSession& s, Model& m) {
  EASEL_ASSIGN_OR_RETURN(
      auto rows, s.Query("SELECT alias, version FROM model_aliases WHERE model_id = ?", {m.id}));
  for (const store::Row& r : rows) m.aliases[r.Str(0)] = r.Int(1);
  return OkStatus();
}

// Releases the blobs of one version; its rows go by the caller's DELETE and the cascade.
Status ReleaseVersionBlobs(store::SqlSession& s, const std::string& version_id) {
  EASEL_ASSIGN_OR_RETURN(
      auto files, s.Query("SELECT digest FROM model_version_files WHERE version_id = ?",
                          {version_id}));
  EASEL_ASSIGN_OR_RETURN(
      auto evals, s.Query("SELECT digest FROM model_evaluations WHERE version_id = ?",
                          {version_id}));
  for (const auto* rows : {&files, &evals}) {
    for (const store::Row& r : *rows) EASEL_RETURN_IF_ERROR(store::ReleaseBlobRef(s, r.Str(0)));
  }
  return OkStatus();
}

Status ValidateAlias(const std::string& alias) {
  EASEL_RETURN_IF_ERROR(ValidateName("alias", alias));
  if (alias == "latest" || std::all_of(alias.begin(), alias.end(), ::isdigit)) {
    return InvalidArgument("alias '" + alias +
                           "' would read as a version; choose a name that is not a number or "
                           "'latest'");
  }
  return OkStatus();
}

}  // namespace

const ModelFile* ModelVersion::FindFile(const std::string& name) const {
  for (const ModelFile& f : files) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

Status ValidateFileName(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 128 &&
            ((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= '0' && name[0] <= '9'));
  for (char c : name) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
                c == '-');
  }
  if (!ok) return InvalidArgument("model file names are [a-z0-9][a-z0-9_.-]{0,127}");
  return OkStatus();
}

Result<ModelVersion> ModelStore::Register(const std::string& project_id,
                                          const std::string& model_name,
                                          const NewModelVersion& nv, const std::string& user_id) {
  EASEL_RETURN_IF_ERROR(ValidateName("model", model_name));
  for (const auto& [name, blob] : nv.files) EASEL_RETURN_IF_ERROR(ValidateFileName(name));
  ModelVersion v;
  v.id = NewId();
  v.model_name = model_name;
  v.algorithm = nv.algorithm;
  v.task = nv.task;
  v.format = nv.format;
  v.params = nv.params;
  v.metrics = nv.metrics;
  v.signature = nv.signature;
  v.lineage = nv.lineage;
  v.dataset_id = nv.dataset_id;
  v.dataset_version = nv.dataset_version;
  v.job_id = nv.job_id;
  v.parent_id = nv.parent_id;
  v.created_by = user_id;
  v.created_at = NowMillis();
  for (const auto& [name, blob] : nv.files) {
    v.files.push_back({name, blob.digest, static_cast<int64_t>(blob.size)});
  }
  std::sort(v.files.begin(), v.files.end(),
            [](const ModelFile& a, const ModelFile& b) { return a.name < b.name; });
  EASEL_RETURN_IF_ERROR(db_.Transaction([&](store::SqlSession& s) -> Status {
    EASEL_ASSIGN_OR_RETURN(auto model, s.QueryOne("SELECT id FROM models WHERE project_id = ? "
                                                  "AND name = ?",
                                                  {project_id, model_name}));
    if (model) {
      v.model_id = model->Str(0);
    } else {
      v.model_id = NewId();
      EASEL_RETURN_IF_ERROR(
          s.Exec("INSERT INTO models (id, project_id, name, description, created_by, created_at) "
                 "VALUES (?, ?, ?, ?, ?, ?)",
                 {v.model_id, project_id, model_name, nv.description, user_id, v.created_at}));
    }
    EASEL_ASSIGN_OR_RETURN(
        auto last, s.QueryOne("SELECT MAX(version) FROM model_versions WHERE model_id = ?",
                              {v.model_id}));
    v.version = (last && !last->IsNull(0) ? last->Int(0) : 0) + 1;
    EASEL_RETURN_IF_ERROR(
        s.Exec("INSERT INTO model_versions (id, model_id, version, algorithm, task, format, "
               "params_json, metrics_json, signature_json, lineage_json, dataset_id, "
               "dataset_version, job_id, parent_id, created_by, created_at) VALUES (?, ?, ?, ?, "
               "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
               {v.id, v.model_id, v.version, v.algorithm, v.task, v.format, DumpJson(v.params),
                DumpJson(v.metrics), DumpJson(v.signature), DumpJson(v.lineage),
                store::Nullable(v.dataset_id), store::Nullable(v.dataset_version), v.job_id,
                store::Nullable(v.parent_id), v.created_by, v.created_at}));
    for (const auto& [name, blob] : nv.files) {
      EASEL_RETURN_IF_ERROR(store::AddBlobRef(s, blob));
      EASEL_RETURN_IF_ERROR(s.Exec("INSERT INTO model_version_files (version_id, name, digest, "
                                   "size) VALUES (?, ?, ?, ?)",
                                   {v.id, name, blob.digest, static_cast<int64_t>(blob.size)}));
    }
    if (const auto& e = nv.evaluation) {
      EASEL_RETURN_IF_ERROR(store::AddBlobRef(s, e->document));
      EASEL_RETURN_IF_ERROR(
          s.Exec("INSERT INTO model_evaluations (id, version_id, dataset_id, dataset_version, "
                 "split, digest, job_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                 {NewId(), v.id, e->dataset_id, e->dataset_version, e->split, e->document.digest,
                  v.job_id, v.created_at}));
    }
    return OkStatus();
  }));
  return v;
}

Result<Model> ModelStore::Get(const std::string& project_id, const std::string& name) {
  std::optional<Model> m;
  EASEL_RETURN_IF_ERROR(db_.WithSession([&](store::SqlSession& s) -> Status {
    EASEL_ASSIGN_OR_RETURN(auto row, s.QueryOne(std::string("SELECT ") + kModelColumns +
                                                    " FROM models m WHERE m.project_id = ? AND "
                                                    "m.name = ?",
                                                {project_id, name}));
    if (!row) return OkStatus();
    m = ModelFromRow(*row);
    return LoadAliases(s, *m);
  }));
  if (!m) return NotFound("model '" + name + "' not found");
  return std::move(*m);
}

Result<std::vector<Model>> ModelStore::List(const std::string& project_id,
                                            const std::string& after_name, int64_t limit) {
  std::vector<Model> out;
  EASEL_RETURN_IF_ERROR(db_.WithSession([&](store::SqlSession& s) -> Status {
    EASEL_ASSIGN_OR_RETURN(auto rows,
                           s.Query(std::string("SELECT ") + kModelColumns +
                                       " FROM models m WHERE m.project_id = ? AND m.name > ? "
                                       "ORDER BY m.name LIMIT ?",
                                   {project_id, after_name, limit}));
    for (const store::Row& r : rows) {
      out.push_back(ModelFromRow(r));
      EASEL_RETURN_IF_ERROR(LoadAliases(s, out.back()));
    }
    return OkStatus();
  }));
  return out;
}

Status ModelStore::Delete(const std::string& project_id, const std::string& name) {
  EASEL_ASSIGN_OR_RETURN(Model m, Get(project_id, name));
  EASEL_ASSIGN_OR_RETURN(auto versions, ListVersions(m, 0, 1'000'000));
  for (const ModelVersion& v : versions) {
    for (const ReferenceCheck& check : checks_) EASEL_RETURN_IF_ERROR(check(v));
    EASEL_RETURN_IF_ERROR(CheckNotServed(v));
  }
  return db_.Transaction([&](store::SqlSession& s) -> Status {
    for (const ModelVersion& v : versions) EASEL_RETURN_IF_ERROR(ReleaseVersionBlobs(s, v.id));
    return s.Exec("DELETE FROM models WHERE id = ?", {m.id}).status();
  });
}

Status ModelStore::CheckNotServed(const ModelVersion& v) {
  EASEL_ASSIGN_OR_RETURN(auto row, db_.QueryOne("SELECT e.name FROM endpoint_routes r JOIN "
                                                "endpoints e ON e.id = r.endpoint_id "
                                                "WHERE r.version_id = ? ORDER BY e.name",
                                                {v.id}));
  if (!row) return OkStatus();
  return Status(StatusCode::kFailedPrecondition,
                "version " + std::to_string(v.version) + " of model '" + v.model_name +
                    "' is served by endpoint '" + row->Str(0) +
                    "'; route the endpoint elsewhere or delete it first",
                Json{{"endpoint", row->Str(0)}});
}

Status ModelStore::LoadFilesAndAliases(store::SqlSession& s, ModelVersion& v) {
  EASEL_ASSIGN_OR_RETURN(auto files, s.Query("SELECT name, digest, size FROM model_version_files "
                                             "WHERE version_id = ? ORDER BY name",
                                             {v.id}));
  for (const store::Row& r : files) v.files.push_back({r.Str(0), r.Str(1), r.Int(2)});
  EASEL_ASSIGN_OR_RETURN(auto aliases, s.Query("SELECT alias FROM model_aliases WHERE "
                                               "model_id = ? AND version = ? ORDER BY alias",
                                               {v.model_id, v.version}));
  for (const store::Row& r : aliases) v.aliases.push_back(r.Str(0));
  return OkStatus();
}

Result<std::vector<ModelVersion>> ModelStore::QueryVersions(const std::string& where,
                                                            const store::SqlParams& params) {
  std::vector<ModelVersion> out;
  EASEL_RETURN_IF_ERROR(db_.WithSession([&](store::SqlSession& s) -> Status {
    EASEL_ASSIGN_OR_RETURN(auto rows, s.Query(std::string("SELECT ") + kVersionColumns +
                                                  " FROM model_versions v JOIN models m ON "
                                                  "m.id = v.model_id WHERE " +
                                                  where,
                                              params));
    for (const store::Row& r : rows) {
      out.push_back(VersionFromRow(r));
      EASEL_RETURN_IF_ERROR(LoadFilesAndAliases(s, out.back()));
    }
    return OkStatus();
  }));
  return out;
}

Result<ModelVersion> ModelStore::GetVersion(const Model& model, int64_t version) {
  EASEL_ASSIGN_OR_RETURN(auto found,
                         QueryVersions("v.model_id = ? AND v.version = ?", {model.id, version}));
  if (found.empty()) {
    return NotFound("model '" + model.name + "' has no version " + std::to_string(version));
  }
  return std::move(found.front());
}

Result<ModelVersion> ModelStore::GetVersionById(const std::string& version_id) {
  EASEL_ASSIGN_OR_RETURN(auto found, QueryVersions("v.id = ?", {version_id}));
  if (found.empty()) return NotFound("model version not found");
  return std::move(found.front());
}

Result<std::optional<ModelVersion>> ModelStore::VersionFromJob(const std::string& job_id) {
  EASEL_ASSIGN_OR_RETURN(auto found, QueryVersions("v.job_id = ? ORDER BY v.created_at", {job_id}));
  if (found.empty()) return std::optional<ModelVersion>();
  return std::optional<ModelVersion>(std::move(found.front()));
}

Result<std::vector<ModelVersion>> ModelStore::ListVersions(const Model& model, int64_t before,
                                                           int64_t limit) {
  return QueryVersions("v.model_id = ? AND v.version < ? ORDER BY v.version DESC LIMIT ?",
                       {model.id, before > 0 ? before : INT64_MAX, limit});
}

Status ModelStore::DeleteVersion(const Model& model, int64_t version) {
  EASEL_ASSIGN_OR_RETURN(ModelVersion v, GetVersion(model, version));
  if (!v.aliases.empty()) {
    std::string names;
    for (const std::string& a : v.aliases) names += (names.empty() ? "" : ", ") + a;
    return Status(StatusCode::kFailedPrecondition,
                  "version " + std::to_string(version) + " of model '" + model.name +
                      "' is aliased as " + names + "; move or delete the aliases first",
                  Json{{"aliases", v.aliases}});
  }
  EASEL_ASSIGN_OR_RETURN(auto children,
                         QueryVersions("v.parent_id = ? ORDER BY v.created_at", {v.id}));
  if (!children.empty()) {
    const ModelVersion& c = children.front();
    return FailedPrecondition("version " + std::to_string(version) + " of model '" + model.name +
                              "' is the parent of '" + c.model_name + "' version " +
                              std::to_string(c.version) + "; delete the fine-tuned versions first");
  }
  for (const ReferenceCheck& check : checks_) EASEL_RETURN_IF_ERROR(check(v));
  EASEL_RETURN_IF_ERROR(CheckNotServed(v));
  return db_.Transaction([&](store::SqlSession& s) -> Status {
    EASEL_RETURN_IF_ERROR(ReleaseVersionBlobs(s, v.id));
    return s.Exec("DELETE FROM model_versions WHERE id = ?", {v.id}).status();
  });
}

Status ModelStore::SetAlias(const Model& model, const std::string& alias, int64_t version) {
  EASEL_RETURN_IF_ERROR(ValidateAlias(alias));
  return db_.Transaction([&](store::SqlSession& s) -> Status {
    EASEL_ASSIGN_OR_RETURN(auto exists, s.QueryOne("SELECT 1 FROM model_versions WHERE "
                                                   "model_id = ? AND version = ?",
                                                   {model.id, version}));
    if (!exists) {
      return NotFound("model '" + model.name + "' has no version " + std::to_string(version));
    }
    EASEL_RETURN_IF_ERROR(
        s.Exec("DELETE FROM model_aliases WHERE model_id = ? AND alias = ?", {model.id, alias}));
    return s
        .Exec("INSERT INTO model_aliases (model_id, alias, version, updated_at) VALUES (?, ?, ?, "
              "?)",
              {model.id, alias, version, NowMillis()})
        .status();
  });
}

Status ModelStore::DeleteAlias(const Model& model, const std::string& alias) {
  EASEL_ASSIGN_OR_RETURN(int64_t n, db_.Exec("DELETE FROM model_aliases WHERE model_id = ? AND "
                                             "alias = ?",
                                             {model.id, alias}));
  if (n == 0) return NotFound("model '" + model.name + "' has no alias '" + alias + "'");
  return OkStatus();
}

Result<std::vector<ModelVersion>> ModelStore::VersionsTrainedOn(
    const std::string& project_id, const std::string& dataset_id,
    std::optional<int64_t> dataset_version) {
  if (dataset_version) {
    return QueryVersions(
        "m.project_id = ? AND v.dataset_id = ? AND v.dataset_version = ? ORDER BY v.created_at "
        "DESC",
        {project_id, dataset_id, *dataset_version});
  }
  return QueryVersions("m.project_id = ? AND v.dataset_id = ? ORDER BY v.created_at DESC",
                       {project_id, dataset_id});
}

Result<Evaluation> ModelStore::AddEvaluation(const std::string& version_id,
                                             const std::string& dataset_id,
                                             int64_t dataset_version, const std::string& split,
                                             const store::BlobInfo& document,
                                             const std::string& job_id) {
  Evaluation e{NewId(), version_id, dataset_id, dataset_version, split,
               document.digest, job_id, NowMillis()};
  EASEL_RETURN_IF_ERROR(db_.Transaction([&](store::SqlSession& s) -> Status {
    EASEL_ASSIGN_OR_RETURN(auto exists,
                           s.QueryOne("SELECT 1 FROM model_versions WHERE id = ?", {version_id}));
    if (!exists) return FailedPrecondition("the model version was deleted during evaluation");
    EASEL_RETURN_IF_ERROR(store::AddBlobRef(s, document));
    return s
        .Exec("INSERT INTO model_evaluations (id, version_id, dataset_id, dataset_version, "
              "split, digest, job_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
              {e.id, e.version_id, e.dataset_id, e.dataset_version, e.split, e.digest, e.job_id,
               e.created_at})
        .status();
  }));
  return e;
}

Result<std::vector<Evaluation>> ModelStore::ListEvaluations(const std::string& version_id) {
  EASEL_ASSIGN_OR_RETURN(auto rows,
                         db_.Query("SELECT id, version_id, dataset_id, dataset_version, split, "
                                   "digest, job_id, created_at FROM model_evaluations WHERE "
                                   "version_id = ? ORDER BY created_at DESC, id",
                                   {version_id}));
  std::vector<Evaluation> out;
  for (const store::Row& r : rows) {
    out.push_back({r.Str(0), r.Str(1), r.Str(2), r.Int(3), r.Str(4), r.Str(5), r.Str(6),
                   r.Int(7)});
  }
  return out;
}

}  // namespace easel::models
