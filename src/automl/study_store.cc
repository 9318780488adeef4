#include "automl/study_store.h"

#include "common/time.h"
#include "store/blob_refs.h"

namespace easel::automl {
namespace {

constexpr const char* kTrialColumns =
    "number, params, state, value, intermediate, job_id, note, "
    "CASE WHEN model IS NULL THEN 0 ELSE 1 END, started_at, finished_at";

Result<TrialState> ParseTrialState(const std::string& name) {
  for (TrialState s :
       {TrialState::kRunning, TrialState::kComplete, TrialState::kPruned, TrialState::kFailed}) {
    if (TrialStateName(s) == name) return s;
  }
  return DataLoss("a trial has an unknown state '" + name + "'");
}

Json IntermediateToJson(const std::vector<std::pair<int64_t, double>>& points) {
  Json out = Json::array();
  for (const auto& [step, value] : points) out.push_back({step, value});
  return out;
}

Result<Trial> TrialFromRow(const store::Row& r) {
  Trial t;
  t.record.number = r.Int(0);
  EASEL_ASSIGN_OR_RETURN(t.record.params, ParseJson(r.Str(1)));
  EASEL_ASSIGN_OR_RETURN(t.record.state, ParseTrialState(r.Str(2)));
  if (!r.IsNull(3)) t.record.value = r.Double(3);
  EASEL_ASSIGN_OR_RETURN(Json points, ParseJson(r.Str(4)));
  for (const Json& p : points) {
    if (p.is_array() && p.size() == 2 && p[0].is_number_integer() && p[1].is_number()) {
      t.record.intermediate.emplace_back(p[0].get<int64_t>(), p[1].get<double>());
    }
  }
  t.job_id = r.OptStr(5);
  t.note = r.Str(6);
  t.has_model = r.Int(7) != 0;
  t.started_at = r.Int(8);
  t.finished_at = r.OptInt(9);
  return t;
}

// The registry's version without its files (they live in study_trial_files).
Json VersionToJson(const models::NewModelVersion& v) {
  Json j = {{"algorithm", v.algorithm}, {"task", v.task},       {"format", v.format},
            {"params", v.params},       {"metrics", v.metrics}, {"signature", v.signature},
            {"lineage", v.lineage},     {"job_id", v.job_id},   {"description", v.description}};
  if (v.dataset_id) j["dataset_id"] = *v.dataset_id;
  if (v.dataset_version) j["dataset_version"] = *v.dataset_version;
  if (v.parent_id) j["parent_id"] = *v.parent_id;
  if (v.evaluation) {
    j["evaluation"] = {{"dataset_id", v.evaluation->dataset_id},
                       {"dataset_version", v.evaluation->dataset_version},
                       {"split", v.evaluation->split},
                       {"size", v.evaluation->document.size}};
  }
  return j;
}

}  // namespace

std::string_view TrialStateName(TrialState state) {
  switch (state) {
    case TrialState::kRunning:
      return "running";
    case TrialState::kComplete:
      return "complete";
    case TrialState::kPruned:
      return "pruned";
    case TrialState::kFailed:
      return "failed";
  }
  return "failed";
}

Result<Study> StudyStore::Ensure(const std::string& job_id, const std::string& project_id,
                                 const std::string& kind, const Json& spec) {
  EASEL_RETURN_IF_ERROR(db_.Exec(
      "INSERT INTO studies (id, project_id, kind, spec, created_at) VALUES (?, ?, ?, ?, ?) "
      "ON CONFLICT (id) DO NOTHING",
      {job_id, project_id, kind, DumpJson(spec), NowMillis()}));
  return Get(project_id, job_id);
}

Result<Study> StudyStore::Get(const std::string& project_id, const std::string& id) {
  EASEL_ASSIGN_OR_RETURN(auto row, db_.QueryOne("SELECT id, project_id, kind, spec, created_at "
                                                "FROM studies WHERE project_id = ? AND id = ?",
                                                {project_id, id}));
  if (!row) return NotFound("study '" + id + "' does not exist");
  Study s;
  s.id = row->Str(0);
  s.project_id = row->Str(1);
  s.kind = row->Str(2);
  EASEL_ASSIGN_OR_RETURN(s.spec, ParseJson(row->Str(3)));
  s.created_at = row->Int(4);
  return s;
}

Result<std::vector<Trial>> StudyStore::Trials(const std::string& study_id) {
  EASEL_ASSIGN_OR_RETURN(auto rows,
                         db_.Query(std::string("SELECT ") + kTrialColumns +
                                       " FROM study_trials WHERE study_id = ? ORDER BY number",
                                   {study_id}));
  std::vector<Trial> trials;
  for (const store::Row& r : rows) {
    EASEL_ASSIGN_OR_RETURN(Trial t, TrialFromRow(r));
    trials.push_back(std::move(t));
  }
  return trials;
}

Status StudyStore::AddTrial(const std::string& study_id, int64_t number, const Json& params) {
  // A taken number violates the primary key, which the store answers as ALREADY_EXISTS.
  return db_
      .Exec(
          "INSERT INTO study_trials (study_id, number, params, state, intermediate, started_at) "
          "VALUES (?, ?, ?, 'running', '[]', ?)",
          {study_id, number, DumpJson(params), NowMillis()})
      .status();
}

Status StudyStore::SetTrialJob(const std::string& study_id, int64_t number,
                               const std::string& job_id) {
  return db_
      .Exec("UPDATE study_trials SET job_id = ? WHERE study_id = ? AND number = ?",
            {job_id, study_id, number})
      .status();
}

Status StudyStore::UpdateTrial(const std::string& study_id, const TrialRecord& record,
                               const std::string& note) {
  const bool final = record.state != TrialState::kRunning;
  return db_
      .Exec(
          "UPDATE study_trials SET state = ?, value = ?, intermediate = ?, note = ?, "
          "finished_at = ? WHERE study_id = ? AND number = ?",
          {std::string(TrialStateName(record.state)), store::Nullable(record.value),
           DumpJson(IntermediateToJson(record.intermediate)), note,
           final ? store::SqlValue(NowMillis()) : store::SqlValue(), study_id, record.number})
      .status();
}

Status StudyStore::SaveTrialModel(const std::string& study_id, int64_t number,
                                  const models::NewModelVersion& version) {
  return db_.Transaction([&](store::SqlSession& s) -> Status {
    EASEL_ASSIGN_OR_RETURN(
        auto old, s.Query("SELECT digest FROM study_trial_files WHERE study_id = ? AND number = ?",
                          {study_id, number}));
    for (const store::Row& r : old) EASEL_RETURN_IF_ERROR(store::ReleaseBlobRef(s, r.Str(0)));
    EASEL_ASSIGN_OR_RETURN(
        auto old_doc, s.QueryOne("SELECT evaluation_digest FROM study_trials WHERE study_id = ? "
                                 "AND number = ? AND evaluation_digest IS NOT NULL",
                                 {study_id, number}));
    if (old_doc) EASEL_RETURN_IF_ERROR(store::ReleaseBlobRef(s, old_doc->Str(0)));
    EASEL_RETURN_IF_ERROR(s.Exec("DELETE FROM study_trial_files WHERE study_id = ? AND number = ?",
                                 {study_id, number}));
    for (const auto& [name, blob] : version.files) {
      EASEL_RETURN_IF_ERROR(store::AddBlobRef(s, blob));
      EASEL_RETURN_IF_ERROR(s.Exec(
          "INSERT INTO study_trial_files (study_id, number, name, digest) VALUES (?, ?, ?, ?)",
          {study_id, number, name, blob.digest}));
    }
    store::SqlValue doc;
    if (version.evaluation) {
      EASEL_RETURN_IF_ERROR(store::AddBlobRef(s, version.evaluation->document));
      doc = version.evaluation->document.digest;
    }
    EASEL_ASSIGN_OR_RETURN(
        int64_t changed,
        s.Exec("UPDATE study_trials SET model = ?, evaluation_digest = ? WHERE study_id = ? AND "
               "number = ?",
               {DumpJson(VersionToJson(version)), doc, study_id, number}));
    if (changed != 1) return NotFound("trial " + std::to_string(number) + " does not exist");
    return OkStatus();
  });
}

Status StudyStore::DropTrialModels(const std::string& study_id) {
  return db_.Transaction([&](store::SqlSession& s) -> Status {
    EASEL_ASSIGN_OR_RETURN(
        auto files, s.Query("SELECT digest FROM study_trial_files WHERE study_id = ?", {study_id}));
    for (const store::Row& r : files) EASEL_RETURN_IF_ERROR(store::ReleaseBlobRef(s, r.Str(0)));
    EASEL_ASSIGN_OR_RETURN(auto docs, s.Query("SELECT evaluation_digest FROM study_trials WHERE "
                                              "study_id = ? AND evaluation_digest IS NOT NULL",
                                              {study_id}));
    for (const store::Row& r : docs) EASEL_RETURN_IF_ERROR(store::ReleaseBlobRef(s, r.Str(0)));
    EASEL_RETURN_IF_ERROR(s.Exec("DELETE FROM study_trial_files WHERE study_id = ?", {study_id}));
    return s
        .Exec("UPDATE study_trials SET model = NULL, evaluation_digest = NULL WHERE study_id = ?",
              {study_id})
        .status();
  });
}

Result<models::NewModelVersion> StudyStore::LoadTrialModel(const std::string& study_id,
                                                           int64_t number) {
  EASEL_ASSIGN_OR_RETURN(auto row, db_.QueryOne("SELECT model, evaluation_digest FROM "
                                                "study_trials WHERE study_id = ? AND number = ? "
                                                "AND model IS NOT NULL",
                                                {study_id, number}));
  if (!row) return NotFound("trial " + std::to_string(number) + " kept no model");
  EASEL_ASSIGN_OR_RETURN(Json j, ParseJson(row->Str(0)));
  models::NewModelVersion v;
  try {
    v.algorithm = j.at("algorithm");
    v.task = j.at("task");
    v.format = j.at("format");
    v.params = j.at("params");
    v.metrics = j.at("metrics");
    v.signature = j.at("signature");
    v.lineage = j.at("lineage");
    v.job_id = j.at("job_id");
    v.description = j.at("description");
    if (j.contains("dataset_id")) v.dataset_id = j["dataset_id"].get<std::string>();
    if (j.contains("dataset_version")) v.dataset_version = j["dataset_version"].get<int64_t>();
    if (j.contains("parent_id")) v.parent_id = j["parent_id"].get<std::string>();
    if (j.contains("evaluation") && row->OptStr(1)) {
      const Json& e = j["evaluation"];
      v.evaluation = models::NewModelVersion::FirstEvaluation{
          e.at("dataset_id"), e.at("dataset_version"), e.at("split"),
          store::BlobInfo{*row->OptStr(1), e.at("size").get<uint64_t>()}};
    }
  } catch (const Json::exception& e) {
    return DataLoss(std::string("the model kept for a trial is unreadable: ") + e.what());
  }
  EASEL_ASSIGN_OR_RETURN(
      auto files, db_.Query("SELECT f.name, f.digest, b.size FROM study_trial_files f JOIN blobs b "
                            "ON b.digest = f.digest WHERE f.study_id = ? AND f.number = ? "
                            "ORDER BY f.name",
                            {study_id, number}));
  for (const store::Row& r : files) {
    v.files.emplace_back(r.Str(0), store::BlobInfo{r.Str(1), static_cast<uint64_t>(r.Int(2))});
  }
  return v;
}

}  // namespace easel::automl
