#include "automl/study_json.h"

#include "automl/param_importance.h"
#include "common/time.h"

namespace easel::automl {

const Trial* BestTrial(const std::vector<Trial>& trials) {
  const Trial* best = nullptr;
  for (const Trial& t : trials) {
    if (t.record.state != TrialState::kComplete || !t.record.value) continue;
    if (best == nullptr || *t.record.value < *best->record.value) best = &t;
  }
  return best;
}

Json StudyToJson(const Study& study, const std::vector<Trial>& trials) {
  const Json objective = study.spec.value("objective", Json::object());
  const double sign = objective.value("direction", "minimize") == "maximize" ? -1.0 : 1.0;
  Json rows = Json::array();
  Json counts = {{"running", 0}, {"complete", 0}, {"pruned", 0}, {"failed", 0}};
  std::vector<TrialRecord> records;
  for (const Trial& t : trials) {
    Json intermediate = Json::array();
    for (const auto& [step, value] : t.record.intermediate) {
      intermediate.push_back({step, sign * value});
    }
    Json row = {
        {"number", t.record.number},
        {"state", TrialStateName(t.record.state)},
        {"params", t.record.params},
        {"value", t.record.value ? Json(sign * *t.record.value) : Json()},
        {"intermediate", intermediate},
        {"job_id", t.job_id ? Json(*t.job_id) : Json()},
        {"note", t.note},
        {"started_at", FormatRfc3339(t.started_at)},
        {"finished_at", t.finished_at ? Json(FormatRfc3339(*t.finished_at)) : Json()},
        {"duration_s", t.finished_at ? Json((*t.finished_at - t.started_at) / 1000.0) : Json()}};
    rows.push_back(std::move(row));
    counts[std::string(TrialStateName(t.record.state))] =
        counts[std::string(TrialStateName(t.record.state))].get<int>() + 1;
    records.push_back(t.record);
  }
  const Trial* best = BestTrial(trials);
  Json best_json;
  if (best != nullptr) {
    best_json = {{"number", best->record.number},
                 {"params", best->record.params},
                 {"value", sign * *best->record.value}};
  }
  return {{"id", study.id},
          {"kind", study.kind},
          {"created_at", FormatRfc3339(study.created_at)},
          {"objective", objective},
          {"spec", study.spec},
          {"trials", rows},
          {"counts", counts},
          {"best_trial", best_json},
          {"param_importance", ParamImportance(records)}};
}

}  // namespace easel::automl
