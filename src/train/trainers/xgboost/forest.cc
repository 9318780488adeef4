#include "train/trainers/xgboost/forest.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <set>

#include "common/json.h"

namespace easel::train::xgboost {

namespace {

Status NotEvaluated(const std::string& why) {
  return Unimplemented("the model is left to XGBoost's predictor: " + why);
}

// XGBoost writes its learner parameters as decimal strings ("num_class": "3").
template <typename T>
T NumberParam(const Json& j) {
  const std::string& s = j.get_ref<const std::string&>();
  T v{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) {
    throw std::invalid_argument("parameter '" + s + "' is not a number");
  }
  return v;
}

}  // namespace

Result<Forest> Forest::FromUbjson(std::string_view ubj) {
  Forest f;
  try {
    const Json root = Json::from_ubjson(ubj);
    const Json& learner = root.at("learner");
    const Json& param = learner.at("learner_model_param");
    const std::string objective = learner.at("objective").at("name").get<std::string>();
    const Json& booster = learner.at("gradient_booster");
    if (booster.at("name") != "gbtree") return NotEvaluated("its booster is not gbtree");
    if (param.contains("num_target") && NumberParam<int>(param.at("num_target")) != 1) {
      return NotEvaluated("it has several targets");
    }
    f.num_features_ = NumberParam<size_t>(param.at("num_feature"));
    const auto num_class = NumberParam<size_t>(param.at("num_class"));
    const auto base_score = NumberParam<float>(param.at("base_score"));
    if (objective == "binary:logistic" && num_class == 0) {
      // XGBoost's ProbToMargin for the logistic objectives.
      f.transform_ = Transform::kSigmoid;
      f.base_margin_ = -std::log(1.0f / base_score - 1.0f);
    } else if (objective == "multi:softprob" && num_class >= 2) {
      f.transform_ = Transform::kSoftmax;
      f.num_groups_ = num_class;
      f.base_margin_ = base_score;
    } else if (objective == "reg:squarederror" && num_class == 0) {
      f.base_margin_ = base_score;
    } else {
      return NotEvaluated("objective " + objective);
    }

    const Json& model = booster.at("model");
    const Json& trees = model.at("trees");
    const Json& tree_info = model.at("tree_info");
    if (trees.size() != tree_info.size()) return NotEvaluated("tree_info does not match trees");
    for (size_t t = 0; t < trees.size(); ++t) {
      const Json& tree = trees[t];
      const auto group = tree_info[t].get<uint32_t>();
      if (group >= f.num_groups_) return NotEvaluated(fmt::format("tree {}'s group", t));
      const Json& left = tree.at("left_children");
      const Json& right = tree.at("right_children");
      const Json& feature = tree.at("split_indices");
      const Json& value = tree.at("split_conditions");
      const Json& default_left = tree.at("default_left");
      const size_t n = left.size();
      if (n == 0 || right.size() != n || feature.size() != n || value.size() != n ||
          default_left.size() != n) {
        return NotEvaluated(fmt::format("tree {} has node arrays of different lengths", t));
      }
      if (tree.contains("split_type")) {
        const Json& types = tree.at("split_type");
        if (std::any_of(types.begin(), types.end(), [](const Json& v) { return v != 0; })) {
          return NotEvaluated("it has categorical splits");
        }
      }
      if (f.nodes_.size() + n > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
        return NotEvaluated("it has more nodes than a 32-bit index reaches");
      }
      const auto root = static_cast<uint32_t>(f.nodes_.size());
      f.roots_.push_back(root);
      f.groups_.push_back(group);
      for (size_t i = 0; i < n; ++i) {
        Node node;
        node.value = value[i].get<float>();
        const auto l = left[i].get<int64_t>(), r = right[i].get<int64_t>();
        if (l == -1) {
          f.nodes_.push_back(node);
          continue;
        }
        // Children come after their parent in XGBoost's arrays, so a walk always ends.
        const auto split = feature[i].get<int64_t>();
        if (l <= static_cast<int64_t>(i) || r <= static_cast<int64_t>(i) ||
            l >= static_cast<int64_t>(n) || r >= static_cast<int64_t>(n) || split < 0 ||
            static_cast<size_t>(split) >= f.num_features_) {
          return NotEvaluated(fmt::format("tree {} node {} is malformed", t, i));
        }
        node.left = static_cast<int32_t>(root + l);
        node.right = static_cast<int32_t>(root + r);
        node.feature =
            static_cast<uint32_t>(split) | (default_left[i].get<int>() != 0 ? kDefaultLeft : 0u);
        f.nodes_.push_back(node);
      }
    }
  } catch (const std::exception& e) {  // nlohmann's, or NumberParam's
    return NotEvaluated(e.what());
  }
  return f;
}

float Forest::Walk(uint32_t n, const float* row) const {
  const Node* nodes = nodes_.data();
  while (nodes[n].left >= 0) {
    const Node& node = nodes[n];
    const float v = row[node.feature & ~kDefaultLeft];
    const bool left = std::isnan(v) ? (node.feature & kDefaultLeft) != 0 : v < node.value;
    n = static_cast<uint32_t>(left ? node.left : node.right);
  }
  return nodes[n].value;
}

void Forest::Predict(const float* x, size_t rows, float* out) const {
  // Rows go in blocks, every tree over a block's rows before the next tree, so that a forest
  // larger than the cache comes through it once per block rather than once per row (and the
  // walks of different rows overlap). Each row still adds its trees in tree order.
  constexpr size_t kBlock = 64;
  for (size_t first = 0; first < rows; first += kBlock) {
    const size_t n = std::min(kBlock, rows - first);
    const float* block = x + first * num_features_;
    float* margins = out + first * num_groups_;
    std::fill(margins, margins + n * num_groups_, base_margin_);
    for (size_t t = 0; t < roots_.size(); ++t) {
      float* margin = margins + groups_[t];
      for (size_t r = 0; r < n; ++r) {
        margin[r * num_groups_] += Walk(roots_[t], block + r * num_features_);
      }
    }
    for (size_t r = 0; r < n; ++r) Finish(margins + r * num_groups_);
  }
}

void Forest::Finish(float* margin) const {
  switch (transform_) {
    case Transform::kNone:
      break;
    case Transform::kSigmoid:
      margin[0] = 1.0f / (1.0f + std::exp(-margin[0]));
      break;
    case Transform::kSoftmax: {
      // As XGBoost's: shifted by the largest margin, the sum of exponentials in double.
      float largest = margin[0];
      for (size_t g = 1; g < num_groups_; ++g) largest = std::fmax(margin[g], largest);
      double sum = 0;
      for (size_t g = 0; g < num_groups_; ++g) {
        margin[g] = std::exp(margin[g] - largest);
        sum += margin[g];
      }
      for (size_t g = 0; g < num_groups_; ++g) margin[g] /= static_cast<float>(sum);
      break;
    }
  }
}

std::vector<std::pair<uint32_t, float>> Forest::Splits() const {
  std::set<std::pair<uint32_t, float>> splits;
  for (const Node& node : nodes_) {
    if (node.left >= 0) splits.emplace(node.feature & ~kDefaultLeft, node.value);
  }
  return {splits.begin(), splits.end()};
}

}  // namespace easel::train::xgboost
