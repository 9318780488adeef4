#pragma once
// The xgboost trainer's parameters: the schema the registry publishes, their typed form, and
// the XGBoost parameter strings they become.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "train/trainer_api.h"

namespace easel::train::xgboost {

struct BoostParams {
  int n_estimators = 100;
  int max_depth = 6;
  double learning_rate = 0.3;
  double min_child_weight = 1;
  double subsample = 1;
  double colsample_bytree = 1;
  double reg_lambda = 1;
  double reg_alpha = 0;
  double gamma = 0;
  int max_bin = 256;
  std::string tree_method = "hist";  // hist | approx | exact
  int early_stopping_rounds = 10;    // 0: off
  double scale_pos_weight = 1;
};

// {"type": "object", "properties": {...}}: see xgboost_trainer.h.
Json ParamsSchemaJson();

// Reads parameters against the schema (train/params.h: defaults fill what is not given).
// INVALID_ARGUMENT naming the parameter for an unknown key, a wrong type, a value out of
// bounds or a combination XGBoost refuses (max_depth 0 with tree_method exact).
Result<BoostParams> ParseBoostParams(const Json& given);

using XgbArgs = std::vector<std::pair<std::string, std::string>>;

// XGBoost parameters for training `p` on `task`. They are set again before every round (see
// train.cc), so this is the booster's whole configuration apart from the per-round seed and
// updater.
XgbArgs ToXgbArgs(const BoostParams& p, Task task, size_t num_classes, int threads);

// The updater sequence XGBoost 1.7 picks for tree_method (GBTree::ConfigureUpdaters).
std::string UpdaterSequence(const std::string& tree_method);

}  // namespace easel::train::xgboost
