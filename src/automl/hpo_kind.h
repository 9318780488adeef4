#pragma once
// The `hpo` job kind: a hyperparameter search over any trainer (spec: automl/hpo_spec.h).
//
// The job is a coordinator (jobs/job_kind.h): it proposes trials with its sampler, runs each as
// an `hpo_trial` child job (at most max_concurrent_trials at once), reads the objective each
// trial reports per epoch or boosting round, and stops a trial early when its scheduler says so
// or the time budget is spent. Its study (automl/study_store.h) records every trial, so an
// attempt after a server restart resumes without repeating finished trials; cancelling the job
// cancels its trials. At the end the best complete trial's model is registered as a version of
// `model_name`, with the study in its lineage.
//
// Result: {study, model, version, best_trial: {number, params, value}, objective, counts,
// param_importance}. FAILED_PRECONDITION when no trial completed.

#include <string>

#include "automl/hpo_spec.h"
#include "jobs/job_kind.h"
#include "train/algorithms.h"

namespace easel::jobs {
class JobContext;
}  // namespace easel::jobs

namespace easel::automl {

// `algorithms` must outlive the job kind registry.
jobs::JobKind HpoJobKind(const train::AlgorithmRegistry& algorithms);

// The search itself, inside the job of `ctx`: what an `hpo` job runs, and an `automl` job with
// the spec it derives. `kind` names the study's kind ("hpo", "automl"). The result above.
Result<Json> RunSearch(const train::AlgorithmRegistry& algorithms, jobs::JobContext& ctx,
                       const HpoSpec& spec, const std::string& kind);

}  // namespace easel::automl
