#pragma once
// The API shape of a study (API.md "Jobs": GET …/studies/{job}): the trial table, the best
// trial and the parameter importance. Values are the metric as reported (not negated).
//
// {id, kind, created_at, objective: {metric, direction}, spec,
//  trials: [{number, state, params, value, intermediate: [[step, value]], job_id, note,
//            started_at, finished_at, duration_s}],
//  counts: {running, complete, pruned, failed}, best_trial: {number, params, value} | null,
//  param_importance: {param: share}}

#include <vector>

#include "automl/study_store.h"
#include "common/json.h"

namespace easel::automl {

// The objective's direction is read from study.spec["objective"] (the resolved spec the study
// stored); minimize when absent.
Json StudyToJson(const Study& study, const std::vector<Trial>& trials);

// The complete trial with the best value, or nullptr.
const Trial* BestTrial(const std::vector<Trial>& trials);

}  // namespace easel::automl
