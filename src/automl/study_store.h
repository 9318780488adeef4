#pragma once
// Studies and trials in the metadata store: what a hyperparameter search has tried, how each
// trial went, and the model each finished trial trained (kept until the study registers its
// final model, then dropped). A study's id is the id of the job that runs it, so a re-queued job finds it again and
// resumes without repeating a trial.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "automl/sampler.h"
#include "common/json.h"
#include "common/status.h"
#include "models/model_store.h"
#include "store/sql.h"

namespace easel::automl {

struct Study {
  std::string id;  // the job's id
  std::string project_id;
  std::string kind;  // the job kind: "hpo" or "automl"
  Json spec;
  int64_t created_at = 0;  // ms since the epoch
};

struct Trial {
  TrialRecord record;                 // number, state, params, value, intermediate (minimized)
  std::optional<std::string> job_id;  // the child job that runs it, once submitted
  std::string note;                   // why it was pruned or failed
  bool has_model = false;             // SaveTrialModel was called
  int64_t started_at = 0;
  std::optional<int64_t> finished_at;
};

// "running", "complete", "pruned", "failed".
std::string_view TrialStateName(TrialState state);

// Non-owning view of the database; thread-safe as Database is.
class StudyStore {
 public:
  explicit StudyStore(store::Database& db) : db_(db) {}

  // The study of job `job_id`, created with `spec` when the job starts it for the first time;
  // a later attempt gets the stored one back (its spec unchanged).
  Result<Study> Ensure(const std::string& job_id, const std::string& project_id,
                       const std::string& kind, const Json& spec);
  // NOT_FOUND when the project has no such study.
  Result<Study> Get(const std::string& project_id, const std::string& id);
  // By number.
  Result<std::vector<Trial>> Trials(const std::string& study_id);

  // A new running trial with its parameters. ALREADY_EXISTS when the number is taken.
  Status AddTrial(const std::string& study_id, int64_t number, const Json& params);
  Status SetTrialJob(const std::string& study_id, int64_t number, const std::string& job_id);
  // Records reports and, for a final state, the value, note and finish time.
  Status UpdateTrial(const std::string& study_id, const TrialRecord& record,
                     const std::string& note);
  // Keeps the model a trial trained (files and evaluation document, with their blob
  // references) until the study registers it. Replaces an earlier save of the same trial.
  Status SaveTrialModel(const std::string& study_id, int64_t number,
                        const models::NewModelVersion& version);
  // NOT_FOUND when the trial saved no model.
  Result<models::NewModelVersion> LoadTrialModel(const std::string& study_id, int64_t number);
  // Lets go of every model the study's trials kept (their blob references), once the study has
  // registered what it registers: the registry holds its own references. Idempotent.
  Status DropTrialModels(const std::string& study_id);

 private:
  store::Database& db_;
};

}  // namespace easel::automl
