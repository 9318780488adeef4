#include "train/trainers/xgboost/params.h"

#include <fmt/format.h>

#include "train/params.h"

namespace easel::train::xgboost {

namespace {

Json Prop(std::string_view type, Json default_value, std::string_view description) {
  return Json{{"type", type}, {"default", std::move(default_value)}, {"description", description}};
}

Json Bounded(std::string_view type, Json default_value, double minimum, double maximum,
             std::string_view description) {
  Json p = Prop(type, std::move(default_value), description);
  p["minimum"] = minimum;
  p["maximum"] = maximum;
  return p;
}

// (0, maximum]: zero would mean "nothing", which XGBoost rejects or silently misreads.
Json Positive(Json default_value, double maximum, std::string_view description) {
  Json p = Prop("number", std::move(default_value), description);
  p["exclusiveMinimum"] = 0;
  p["maximum"] = maximum;
  return p;
}

std::string Num(double v) { return fmt::format("{}", v); }

}  // namespace

Json ParamsSchemaJson() {
  Json p = Json::object();
  p["n_estimators"] = Bounded("integer", 100, 1, 10000, "Boosting rounds (trees per class).");
  p["max_depth"] =
      Bounded("integer", 6, 0, 64, "Maximum tree depth; 0 means no limit (hist and approx only).");
  p["learning_rate"] = Positive(0.3, 1, "Shrinkage applied to each new tree (eta).");
  p["min_child_weight"] =
      Bounded("number", 1, 0, 1e6, "Minimum sum of instance hessian needed in a child.");
  p["subsample"] = Positive(1, 1, "Fraction of training rows sampled for each tree.");
  p["colsample_bytree"] = Positive(1, 1, "Fraction of features sampled for each tree.");
  p["reg_lambda"] = Bounded("number", 1, 0, 1e6, "L2 regularization on leaf weights.");
  p["reg_alpha"] = Bounded("number", 0, 0, 1e6, "L1 regularization on leaf weights.");
  p["gamma"] =
      Bounded("number", 0, 0, 1e6, "Minimum loss reduction required to split a leaf further.");
  p["max_bin"] = Bounded("integer", 256, 2, 65536,
                         "Maximum number of histogram bins per feature (hist and approx).");
  p["tree_method"] = Prop("string", "hist", "Tree construction algorithm.");
  p["tree_method"]["enum"] = {"hist", "approx", "exact"};
  p["early_stopping_rounds"] =
      Bounded("integer", 10, 0, 10000,
              "Stop when the validation loss has not improved for this many rounds (0: off); the "
              "model keeps the trees up to the best round.");
  p["scale_pos_weight"] =
      Positive(1, 1e6, "Weight of positive examples (binary tasks): about negatives/positives.");
  return Json{{"type", "object"}, {"properties", std::move(p)}};
}

Result<BoostParams> ParseBoostParams(const Json& given) {
  EASEL_ASSIGN_OR_RETURN(const Json params, ResolveParams(ParamsSchemaJson(), given));
  BoostParams p;
  p.n_estimators = params["n_estimators"].get<int>();
  p.max_depth = params["max_depth"].get<int>();
  p.learning_rate = params["learning_rate"].get<double>();
  p.min_child_weight = params["min_child_weight"].get<double>();
  p.subsample = params["subsample"].get<double>();
  p.colsample_bytree = params["colsample_bytree"].get<double>();
  p.reg_lambda = params["reg_lambda"].get<double>();
  p.reg_alpha = params["reg_alpha"].get<double>();
  p.gamma = params["gamma"].get<double>();
  p.max_bin = params["max_bin"].get<int>();
  p.tree_method = params["tree_method"].get<std::string>();
  p.early_stopping_rounds = params["early_stopping_rounds"].get<int>();
  p.scale_pos_weight = params["scale_pos_weight"].get<double>();
  if (p.max_depth == 0 && p.tree_method == "exact") {
    return ParamError("max_depth", "0 (no limit) needs tree_method hist or approx");
  }
  return p;
}

XgbArgs ToXgbArgs(const BoostParams& p, Task task, size_t num_classes, int threads) {
  XgbArgs args = {
      {"booster", "gbtree"},
      {"nthread", std::to_string(threads)},
      {"max_depth", std::to_string(p.max_depth)},
      {"eta", Num(p.learning_rate)},
      {"min_child_weight", Num(p.min_child_weight)},
      {"subsample", Num(p.subsample)},
      {"colsample_bytree", Num(p.colsample_bytree)},
      {"lambda", Num(p.reg_lambda)},
      {"alpha", Num(p.reg_alpha)},
      {"gamma", Num(p.gamma)},
      {"tree_method", p.tree_method},
      // Re-seeds XGBoost's generator from (seed, round) each round, so a resumed run samples
      // exactly as an uninterrupted one (see train.cc).
      {"seed_per_iteration", "1"},
  };
  // Only where XGBoost reads them: it would not complain, but a reader of the configuration
  // would wonder.
  if (p.tree_method != "exact") args.emplace_back("max_bin", std::to_string(p.max_bin));
  switch (task) {
    case Task::kBinary:
      args.emplace_back("objective", "binary:logistic");
      args.emplace_back("eval_metric", "logloss");
      args.emplace_back("scale_pos_weight", Num(p.scale_pos_weight));
      break;
    case Task::kMulticlass:
      args.emplace_back("objective", "multi:softprob");
      args.emplace_back("num_class", std::to_string(num_classes));
      args.emplace_back("eval_metric", "mlogloss");
      break;
    case Task::kRegression:
      args.emplace_back("objective", "reg:squarederror");
      args.emplace_back("eval_metric", "rmse");
      break;
  }
  return args;
}

std::string UpdaterSequence(const std::string& tree_method) {
  if (tree_method == "exact") return "grow_colmaker,prune";
  if (tree_method == "approx") return "grow_histmaker";
  return "grow_quantile_histmaker";
}

}  // namespace easel::train::xgboost
