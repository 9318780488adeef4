#pragma once
// A structural check of an XGBoost JSON model before XGBoost reads it. XGBoost checks array
// sizes when it loads a tree but trusts node indices: a child index out of range or pointing
// back up the tree, or a split on a feature the model does not have, would make prediction
// read out of bounds or loop forever. Model files come from users (uploads, imports), so the
// loader refuses them first.

#include <string_view>

#include "common/status.h"
#include "train/trainers/xgboost/model_files.h"

namespace easel::train::xgboost {

// The objective easel trains for `task`, and the one a model of that task must have:
// binary:logistic, multi:softprob or reg:squarederror.
std::string_view ObjectiveFor(Task task);

// OK when `booster_json` is a gbtree model for `d`'s task, feature count and classes whose
// every tree is a proper binary tree (children after their parent, each reached once, depth at
// most 1024) splitting on numeric features below num_features. INVALID_ARGUMENT naming the
// first problem otherwise. Never throws.
Status CheckBoosterJson(std::string_view booster_json, const ModelDescriptor& d);

}  // namespace easel::train::xgboost
