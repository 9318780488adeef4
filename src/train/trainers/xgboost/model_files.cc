#include "train/trainers/xgboost/model_files.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "train/trainers/xgboost/problem.h"

namespace easel::train::xgboost {

namespace {

Status BadField(std::string_view field, std::string_view sentence) {
  return InvalidArgument(fmt::format("model.json: {} {}", field, sentence));
}

Result<std::vector<std::string>> StringList(const Json& j, std::string_view field) {
  auto it = j.find(field);
  if (it == j.end() || !it->is_array()) return BadField(field, "must be an array of strings");
  std::vector<std::string> out;
  for (const Json& v : *it) {
    if (!v.is_string()) return BadField(field, "must be an array of strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

Result<int> NonNegativeInt(const Json& j, std::string_view field) {
  auto it = j.find(field);
  if (it == j.end() || !it->is_number_integer() || it->get<int64_t>() < 0 ||
      it->get<int64_t>() > (1 << 30)) {
    return BadField(field, "must be a non-negative integer");
  }
  return it->get<int>();
}

}  // namespace

Json DescriptorToJson(const ModelDescriptor& d) {
  return Json{{"format", "xgboost"},
              {"task", TaskName(d.task)},
              {"num_features", d.feature_names.size()},
              {"feature_names", d.feature_names},
              {"classes", d.classes},
              {"best_iteration", d.best_iteration},
              {"num_rounds", d.num_rounds},
              {"rounds_trained", d.rounds_trained}};
}

Result<ModelDescriptor> DescriptorFromJson(const Json& j) {
  if (!j.is_object()) return BadField("the document", "must be an object");
  auto format = j.find("format");
  if (format == j.end() || *format != "xgboost") return BadField("format", "must be \"xgboost\"");
  auto task_name = j.find("task");
  if (task_name == j.end() || !task_name->is_string()) return BadField("task", "must be a string");
  ModelDescriptor d;
  EASEL_ASSIGN_OR_RETURN(d.task, ParseTask(task_name->get<std::string>()));
  EASEL_ASSIGN_OR_RETURN(d.feature_names, StringList(j, "feature_names"));
  EASEL_ASSIGN_OR_RETURN(d.classes, StringList(j, "classes"));
  EASEL_ASSIGN_OR_RETURN(int num_features, NonNegativeInt(j, "num_features"));
  EASEL_ASSIGN_OR_RETURN(d.best_iteration, NonNegativeInt(j, "best_iteration"));
  EASEL_ASSIGN_OR_RETURN(d.num_rounds, NonNegativeInt(j, "num_rounds"));
  EASEL_ASSIGN_OR_RETURN(d.rounds_trained, NonNegativeInt(j, "rounds_trained"));
  if (num_features == 0 || static_cast<size_t>(num_features) != d.feature_names.size()) {
    return BadField("num_features", "must be the (non-zero) number of feature_names");
  }
  bool classes_fit = d.task == Task::kRegression ? d.classes.empty()
                     : d.task == Task::kBinary   ? d.classes.size() == 2
                                                 : d.classes.size() >= 2;
  if (!classes_fit) return BadField("classes", "do not fit the task");
  if (d.num_rounds == 0) return BadField("num_rounds", "must be at least 1");
  return d;
}

Result<Json> ImportanceJson(const Booster& booster, const std::vector<std::string>& names) {
  Json out = Json::object();
  for (const char* type : {"gain", "weight", "cover", "total_gain"}) {
    EASEL_ASSIGN_OR_RETURN(auto scores, booster.FeatureScore(type, names.size()));
    std::vector<double> by_feature(names.size(), 0.0);
    for (const auto& [index, score] : scores) by_feature[index] = score;
    Json j = Json::object();
    for (size_t i = 0; i < names.size(); ++i) j[names[i]] = by_feature[i];
    out[type] = std::move(j);
  }
  return out;
}

data::transforms::FeatureMatrix SampleRows(const data::transforms::FeatureMatrix& x,
                                           size_t max_rows) {
  if (x.rows <= max_rows) return x;
  data::transforms::FeatureMatrix out;
  out.rows = max_rows;
  out.cols = x.cols;
  out.data.reserve(max_rows * x.cols);
  for (size_t i = 0; i < max_rows; ++i) {
    auto row = x.row(i * x.rows / max_rows);
    out.data.insert(out.data.end(), row.begin(), row.end());
  }
  return out;
}

size_t ShapRows(std::string_view booster_json) {
  constexpr double kBudget = 5e7;  // leaves x depth^2 units, summed over rows
  constexpr size_t kMinRows = 100, kMaxRows = 2000;
  auto model = ParseJson(booster_json);
  if (!model.ok()) return kMinRows;
  double per_row = 0;
  try {
    for (const Json& tree : model->at("learner").at("gradient_booster").at("model").at("trees")) {
      const Json& left = tree.at("left_children");
      const Json& right = tree.at("right_children");
      if (left.size() != right.size()) return kMinRows;
      // Children come after their parent, so one forward pass sets every node's depth.
      std::vector<int> depth(left.size(), 0);
      size_t leaves = 0;
      int max_depth = 0;
      for (size_t i = 0; i < left.size(); ++i) {
        const int64_t l = left[i].get<int64_t>(), r = right[i].get<int64_t>();
        if (l < 0) {
          ++leaves;
          continue;
        }
        for (int64_t c : {l, r}) {
          if (c > static_cast<int64_t>(i) && c < static_cast<int64_t>(depth.size())) {
            depth[c] = depth[i] + 1;
            max_depth = std::max(max_depth, depth[c]);
          }
        }
      }
      per_row += static_cast<double>(leaves) * (max_depth + 1) * (max_depth + 1);
    }
  } catch (const Json::exception&) {  // not a model Train wrote: explain the fewest rows
    return kMinRows;
  }
  if (per_row <= 0) return kMaxRows;
  return std::clamp(static_cast<size_t>(kBudget / per_row), kMinRows, kMaxRows);
}

Result<Json> ShapSummaryJson(const Booster& booster, const ModelDescriptor& d,
                             const data::transforms::FeatureMatrix& x,
                             const std::string& split_name, int threads) {
  EASEL_ASSIGN_OR_RETURN(DMatrix m, DMatrix::FromFeatures(x, threads));
  EASEL_ASSIGN_OR_RETURN(Prediction p, booster.Predict(m, PredictType::kContributions));
  const size_t rows = x.rows, groups = d.num_groups(), width = x.cols + 1;
  if (p.values.size() != rows * groups * width) {
    return Internal(fmt::format("xgboost returned {} SHAP values for {} rows x {} outputs x {}",
                                p.values.size(), rows, groups, width));
  }
  // sums[g][f]: sum over rows of |phi| (the bias column: of phi itself).
  std::vector<std::vector<double>> sums(groups, std::vector<double>(width, 0.0));
  for (size_t r = 0; r < rows; ++r) {
    for (size_t g = 0; g < groups; ++g) {
      const float* phi = p.values.data() + (r * groups + g) * width;
      for (size_t f = 0; f < x.cols; ++f) sums[g][f] += std::fabs(phi[f]);
      sums[g][x.cols] += phi[x.cols];
    }
  }
  const double n = rows == 0 ? 1.0 : static_cast<double>(rows);
  Json features = Json::array();
  for (size_t f = 0; f < x.cols; ++f) {
    Json per_class = Json::array();
    double total = 0;
    for (size_t g = 0; g < groups; ++g) {
      per_class.push_back(sums[g][f] / n);
      total += sums[g][f] / n;
    }
    Json entry = {{"feature", d.feature_names[f]}, {"mean_abs", total}};
    if (d.task == Task::kMulticlass) entry["per_class"] = std::move(per_class);
    features.push_back(std::move(entry));
  }
  std::stable_sort(features.begin(), features.end(), [](const Json& a, const Json& b) {
    return a["mean_abs"].get<double>() > b["mean_abs"].get<double>();
  });
  Json base = Json::array();
  for (size_t g = 0; g < groups; ++g) base.push_back(sums[g][x.cols] / n);
  const char* output = d.task == Task::kBinary       ? "log_odds"
                       : d.task == Task::kMulticlass ? "class_margin"
                                                     : "value";
  return Json{{"split", split_name},
              {"rows", rows},
              {"output", output},
              {"base_value", d.task == Task::kMulticlass ? base : base[0]},
              {"features", std::move(features)}};
}

}  // namespace easel::train::xgboost
