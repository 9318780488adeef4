#pragma once
// The `automl` job kind: a model without choosing an algorithm. Spec (API.md "Jobs"):
//   {dataset: {name, version}, target?, task?, metric?, time_budget_s, model_name?,
//    algorithms?, max_concurrent_trials?, seed?, resources?}
//  - The dataset's type picks the portfolio: tabular datasets (a target column is required)
//    search linear, xgboost and mlp; image datasets image_classifier variants (architecture,
//    width, input resolution). `algorithms` narrows the portfolio.
//  - metric: log_loss (default; "val_loss" for regression: the trainer's loss), accuracy or
//    rmse, measured on the version's validation split.
//  - time_budget_s (10..86400) is strict: no trial starts after it, running ones are stopped,
//    and the job ends shortly after with the best complete trial.
// It runs an `hpo` search over the portfolio (automl/hpo_kind.h): TPE over a space whose
// categorical "algorithm" activates each algorithm's parameters, ASHA comparing trials of the
// same algorithm. The study is the leaderboard (GET …/studies/{job}); the best model is
// registered as a version of model_name (default "<dataset>-automl").

#include <string>
#include <vector>

#include "automl/hpo_spec.h"
#include "jobs/job_kind.h"
#include "train/algorithms.h"

namespace easel::automl {

// `algorithms` must outlive the job kind registry.
jobs::JobKind AutomlJobKind(const train::AlgorithmRegistry& algorithms);

// The algorithms a portfolio searches for tabular or image data.
std::vector<std::string> PortfolioAlgorithms(bool images);

// The search an automl spec becomes, for a dataset of images or not. INVALID_ARGUMENT naming
// the field for a bad spec.
Result<HpoSpec> PortfolioSpec(const train::AlgorithmRegistry& algorithms, const Json& spec,
                              bool images);

}  // namespace easel::automl
