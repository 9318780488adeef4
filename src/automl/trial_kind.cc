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
};

Result<TrialSpec> ParseTrialSpec(const train::AlgorithmRegistry& algorithms, const Json& spec) {
  for (const auto& [key, value] : spec.items()) {
    if (key != "study" && key != "number" && key != "train") {
      return Status(StatusCode::kInvalidArgument,
                    "unknown field '" + key + "'; a trial takes study, number, train",
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
  EASEL_RETURN_IF_ERROR(train::ValidateTrainSpec(algorithms, t.train));
  return t;
}

Result<Json> RunTrial(const train::AlgorithmRegistry& algorithms, jobs::JobContext& ctx) {
  EASEL_ASSIGN_OR_RETURN(TrialSpec t, ParseTrialSpec(algorithms, ctx.spec()));
  StudyStore studies(ctx.db());
  EASEL_RETURN_IF_ERROR(studies.Get(ctx.project_id(), t.study));
  EASEL_ASSIGN_OR_RETURN(train::TrainedVersion trained,
                         train::TrainForJob(algorithms, ctx, t.train));
  EASEL_RETURN_IF_ERROR(studies.SaveTrialModel(t.study, t.number, trained.version));
  return Json{{"study", t.study}, {"number", t.number}, {"metrics", trained.version.metrics}};
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
                          {"train", {{"type", "object"}, {"description", "a train spec"}}}}}};
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
