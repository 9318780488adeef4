#include "train/trainers/xgboost/booster_check.h"

#include <fmt/format.h>

#include <charconv>
#include <vector>

#include "common/json.h"

namespace easel::train::xgboost {

namespace {

constexpr int64_t kMaxNodes = 1 << 24;
constexpr size_t kMaxDepth = 1024;

Status Bad(const std::string& sentence) {
  return InvalidArgument("booster.json is not a model easel can load: " + sentence);
}

// Member `key` of object `j`, or null when `j` is not an object or lacks it.
const Json* Member(const Json& j, std::string_view key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

// XGBoost writes its parameters as decimal strings ("num_feature": "4").
std::optional<int64_t> IntParam(const Json* j) {
  if (j == nullptr || !j->is_string()) return std::nullopt;
  const std::string& s = j->get_ref<const std::string&>();
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<int64_t> IntAt(const Json& array, size_t i) {
  const Json& v = array[i];
  if (!v.is_number_integer()) return std::nullopt;
  return v.get<int64_t>();
}

Status CheckTree(const Json& tree, size_t index, int64_t num_features) {
  const std::string where = fmt::format("tree {}", index);
  const Json* param = Member(tree, "tree_param");
  if (param == nullptr) return Bad(where + " has no tree_param");
  auto n = IntParam(Member(*param, "num_nodes"));
  if (!n || *n < 1 || *n > kMaxNodes) return Bad(where + " has no valid node count");
  if (IntParam(Member(*param, "num_feature")) != num_features) {
    return Bad(where + " has another feature count");
  }
  for (const char* name :
       {"left_children", "right_children", "parents", "split_indices", "split_conditions",
        "default_left", "base_weights", "loss_changes", "sum_hessian"}) {
    const Json* a = Member(tree, name);
    if (a == nullptr || !a->is_array() || static_cast<int64_t>(a->size()) != *n) {
      return Bad(fmt::format("{} {} is not an array of {} nodes", where, name, *n));
    }
  }
  // Categorical splits read node-indexed segments XGBoost does not bound-check; easel never
  // writes them.
  for (const char* name :
       {"categories", "categories_nodes", "categories_segments", "categories_sizes"}) {
    const Json* a = Member(tree, name);
    if (a != nullptr && (!a->is_array() || !a->empty())) {
      return Bad(where + " has categorical splits, which easel does not support");
    }
  }
  const Json* split_type = Member(tree, "split_type");
  if (split_type != nullptr &&
      (!split_type->is_array() || static_cast<int64_t>(split_type->size()) != *n)) {
    return Bad(where + " split_type is not an array of every node");
  }
  const Json& left = tree["left_children"];
  const Json& right = tree["right_children"];
  const Json& feature = tree["split_indices"];
  std::vector<bool> reached(*n, false);
  std::vector<std::pair<int64_t, size_t>> stack = {{0, 1}};  // (node, depth)
  reached[0] = true;
  while (!stack.empty()) {
    auto [node, depth] = stack.back();
    stack.pop_back();
    auto l = IntAt(left, node), r = IntAt(right, node);
    if (!l || !r) return Bad(fmt::format("{} node {} has non-integer children", where, node));
    if (*l == -1 && *r == -1) continue;  // a leaf
    if (depth >= kMaxDepth) return Bad(where + " is deeper than 1024");
    for (int64_t child : {*l, *r}) {
      // Children always come after their parent in XGBoost's node arrays: no cycles.
      if (child <= node || child >= *n || reached[child]) {
        return Bad(fmt::format("{} node {} has an invalid child {}", where, node, child));
      }
      reached[child] = true;
      stack.emplace_back(child, depth + 1);
    }
    auto f = IntAt(feature, node);
    if (!f || *f < 0 || *f >= num_features) {
      return Bad(
          fmt::format("{} node {} splits on a feature the model does not have", where, node));
    }
    auto type = split_type == nullptr ? std::optional<int64_t>(0) : IntAt(*split_type, node);
    if (type != 0) return Bad(fmt::format("{} node {} is not a numeric split", where, node));
  }
  return OkStatus();
}

Status CheckModel(const Json& root, const ModelDescriptor& d) {
  const Json* learner = Member(root, "learner");
  const Json* model_param = learner ? Member(*learner, "learner_model_param") : nullptr;
  const Json* objective = learner ? Member(*learner, "objective") : nullptr;
  const Json* gbm = learner ? Member(*learner, "gradient_booster") : nullptr;
  if (model_param == nullptr || objective == nullptr || gbm == nullptr) {
    return Bad("it lacks learner.learner_model_param, objective or gradient_booster");
  }
  const int64_t num_features = static_cast<int64_t>(d.feature_names.size());
  if (IntParam(Member(*model_param, "num_feature")) != num_features) {
    return Bad(fmt::format("its feature count differs from model.json's {}", num_features));
  }
  const int64_t num_class = d.task == Task::kMulticlass ? d.classes.size() : 0;
  if (IntParam(Member(*model_param, "num_class")) != num_class) {
    return Bad("its class count differs from model.json's");
  }
  const Json* num_target = Member(*model_param, "num_target");
  if (num_target != nullptr && IntParam(num_target) != 1) return Bad("it has several targets");
  const Json* objective_name = Member(*objective, "name");
  if (objective_name == nullptr || *objective_name != std::string(ObjectiveFor(d.task))) {
    return Bad(fmt::format("its objective is not {}", ObjectiveFor(d.task)));
  }
  const Json* gbm_name = Member(*gbm, "name");
  const Json* model = Member(*gbm, "model");
  if (gbm_name == nullptr || *gbm_name != std::string("gbtree") || model == nullptr) {
    return Bad("its booster is not gbtree");
  }
  const Json* trees = Member(*model, "trees");
  const Json* tree_info = Member(*model, "tree_info");
  const Json* gbtree_param = Member(*model, "gbtree_model_param");
  if (trees == nullptr || !trees->is_array() || tree_info == nullptr || !tree_info->is_array() ||
      tree_info->size() != trees->size() || gbtree_param == nullptr) {
    return Bad("its trees and tree_info do not match");
  }
  const int64_t groups = static_cast<int64_t>(d.num_groups());
  if (IntParam(Member(*gbtree_param, "num_trees")) != static_cast<int64_t>(trees->size()) ||
      IntParam(Member(*gbtree_param, "num_parallel_tree")) != 1 ||
      static_cast<int64_t>(trees->size()) != d.num_rounds * groups) {
    return Bad(fmt::format("it does not hold {} rounds of {} trees", d.num_rounds, groups));
  }
  for (size_t i = 0; i < trees->size(); ++i) {
    auto group = IntAt(*tree_info, i);
    if (!group || *group < 0 || *group >= groups)
      return Bad(fmt::format("tree {} has no class", i));
    EASEL_RETURN_IF_ERROR(CheckTree((*trees)[i], i, num_features));
  }
  return OkStatus();
}

}  // namespace

std::string_view ObjectiveFor(Task task) {
  switch (task) {
    case Task::kBinary:
      return "binary:logistic";
    case Task::kMulticlass:
      return "multi:softprob";
    case Task::kRegression:
      return "reg:squarederror";
  }
  return "";
}

Status CheckBoosterJson(std::string_view booster_json, const ModelDescriptor& d) {
  // The depth limit also protects XGBoost's own recursive JSON reader.
  auto root = ParseJson(booster_json);
  if (!root.ok()) return Bad(root.status().message());
  try {
    return CheckModel(*root, d);
  } catch (const std::exception& e) {  // nlohmann's, should a check above be incomplete
    return Bad(e.what());
  }
}

}  // namespace easel::train::xgboost
