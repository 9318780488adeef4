#pragma once
// Test helpers for the xgboost trainer: its default parameters, and the datasets and hooks
// every tabular trainer's tests share (trainers/testing/sklearn_problems.h).

#include "common/json.h"
#include "train/trainers/testing/sklearn_problems.h"

namespace easel::train::xgboost::testing {

using train::testing::BreastCancer;
using train::testing::Diabetes;
using train::testing::FakeHooks;
using train::testing::Iris;
using train::testing::Wine;

// The default parameters with `overrides` applied.
Json Params(const Json& overrides = Json::object());

}  // namespace easel::train::xgboost::testing
