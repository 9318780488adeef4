#include "automl/trial_kind.h"

#include "automl/study_store.h"
#include "jobs/job_context.h"
#include "train/train_kind.h"

namespace easel::automl {
namespace {

struct TrialSpec {
  std::string study;
  int64_t number = 0;
  Json train;
  bool refit = false;  // the final refit of a finished trial's model
};

Result<TrialSpec> ParseTrialSpec(const train::AlgorithmRegistry& algorithms, const Json& spec) {
  for (const auto& [key, value] : spec.items()) {
    if (key != "study" && key != "number" && key != "train" && key != "refit") {
      return Status(StatusCode::kInvalidArgument,
                    "unknown field '" + key + "'; a trial takes study, number, train, refit",
                    Json{{"field", key}});
    }
  }
  TrialSpec t;
  EASEL_ASSIGN_OR_RETURN(t.study, GetString(spec, "study"));
  EASEL_ASSIGN_OR_RETURN(auto number, GetOptionalInt(spec, "number", 0, INT64_MAX));
  if (!number) return InvalidArgument("field 'number' is required");
  t.number = *number;
  if (!spec.contains("train") || !spec["train"].is_object()) {
    return InvalidArgument("field 'train' must be a train spec");
  }
  t.train = spec["train"];
  EASEL_ASSIGN_OR_RETURN(auto refit, GetOptionalBool(spec, "refit"));
  t.refit = refit.value_or(false);
  if (t.refit && !t.train.value("train_on_validation", false)) {
    return InvalidArgument("a refit trains on the validation split too (train_on_validation)");
  }
  EASEL_RETURN_IF_ERROR(train::ValidateTrainSpec(algorithms, t.train));
  return t;
}

Result<Json> RunTrial(const train::AlgorithmRegistry& algorithms, jobs::JobContext& ctx) {
  EASEL_ASSIGN_OR_RETURN(TrialSpec t, ParseTrialSpec(algorithms, ctx.spec()));
  StudyStore studies(ctx.db());
  EASEL_RETURN_IF_ERROR(studies.Get(ctx.project_id(), t.study));
  EASEL_ASSIGN_OR_RETURN(train::TrainedVersion trained,
                         train::TrainForJob(algorithms, ctx, t.train));
  // A refit replaces the model the trial kept: the study registers it instead.
  EASEL_RETURN_IF_ERROR(studies.SaveTrialModel(t.study, t.number, trained.version));
  return Json{{"study", t.study},
              {"number", t.number},
              {"refit", t.refit},
              {"metrics", trained.version.metrics}};
}

}  // namespace

jobs::JobKind TrialJobKind(const train::AlgorithmRegistry& algorithms) {
  jobs::JobKind kind;
  kind.name = kTrialKind;
  kind.description = "One trial of a hyperparameter search; its study submits it.";
  kind.params_schema = {{"type", "object"},
                        {"required", {"study", "number", "train"}},
                        {"properties",
                         {{"study", {{"type", "string"}}},
                          {"number", {{"type", "integer"}, {"minimum", 0}}},
                          {"train", {{"type", "object"}, {"description", "a train spec"}}},
                          {"refit",
                           {{"type", "boolean"},
                            {"description", "retrain a finished trial on train + validation"}}}}}};
  kind.validate = [&algorithms](const Json& spec) {
    return ParseTrialSpec(algorithms, spec).status();
  };
  kind.check = [&algorithms](const Json& spec, store::Database& db,
                             const std::string& project_id) -> Status {
    EASEL_ASSIGN_OR_RETURN(TrialSpec t, ParseTrialSpec(algorithms, spec));
    EASEL_RETURN_IF_ERROR(StudyStore(db).Get(project_id, t.study));
    return train::CheckTrainSpec(algorithms, t.train, db, project_id);
  };
  kind.run = [&algorithms](jobs::JobContext& ctx) { return RunTrial(algorithms, ctx); };
  return kind;
}

}  // namespace easel::automl
