#pragma once
// Checking a TabularProblem before training and the standardization both training and
// inference apply. No LibTorch.

#include <vector>

#include "common/status.h"
#include "data/transforms/types.h"
#include "train/trainer_api.h"

namespace easel::train::torch_tabular {

// INVALID_ARGUMENT for: no training rows; feature_names not matching x.cols or differing
// column counts between splits; data sizes not rows × cols; y sizes not rows; NaN features
// ("feature 'x' has missing values; add an impute step") or infinite ones; classification with
// fewer than 2 classes (binary: exactly 2) or labels that are not class indices; non-finite
// regression targets.
Status ValidateProblem(const TabularProblem& problem);

struct Standardization {
  std::vector<float> mean;  // per column
  std::vector<float> std;   // per column, > 0 (constant columns get 1)
};

// Column statistics of the training rows (population std, accumulated in double), or the
// identity (0, 1) when `enabled` is false.
Standardization FitStandardization(const data::transforms::FeatureMatrix& train, bool enabled);

// Row-major (x - mean) / std. x.cols must equal mean.size().
std::vector<float> Standardize(data::transforms::FeatureView x, const Standardization& s);

// Mean and population std of regression targets (std 1 when they are constant).
void FitTarget(const std::vector<float>& y, double* mean, double* std);

}  // namespace easel::train::torch_tabular
