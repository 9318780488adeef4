#pragma once
// Checks on what the trainer is given, done before any XGBoost call so that bad input is a
// clear INVALID_ARGUMENT naming the split, row and feature rather than an XGBoost message.

#include <string_view>

#include "common/status.h"
#include "data/transforms/types.h"
#include "train/trainer_api.h"

namespace easel::train::xgboost {

// x has `num_features` columns, rows * cols values, and no infinite value (NaN is missing).
// `split` names the matrix in errors ("train", "input").
Status CheckFeatures(data::transforms::FeatureView x, size_t num_features, std::string_view split);

// The whole problem: at least one feature, unique feature names, classes that fit the task,
// a non-empty train split, every split's features as above, and train/val labels that are
// finite and, for classification, class indices below num_classes().
Status CheckProblem(const TabularProblem& problem);

}  // namespace easel::train::xgboost
