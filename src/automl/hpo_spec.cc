#include "automl/hpo_spec.h"

#include <algorithm>
#include <cmath>

#include "automl/sampler.h"
#include "automl/scheduler.h"
#include "train/train_kind.h"

namespace easel::automl {
namespace {

constexpr const char* kSearchFields[] = {"search_space", "objective",  "sampler",
                                         "scheduler",    "max_trials", "max_concurrent_trials",
                                         "time_budget_s"};
constexpr const char* kObjectiveMetrics[] = {"val_loss", "val_accuracy", "val_rmse", "train_loss"};

Status FieldError(const std::string& field, const std::string& message) {
  return Status(StatusCode::kInvalidArgument, message, Json{{"field", field}});
}

Result<Objective> ParseObjective(const Json& spec) {
  Objective o;
  auto it = spec.find("objective");
  if (it == spec.end() || it->is_null()) return o;
  if (!it->is_object())
    return FieldError("objective", "objective must be an object {metric, direction}");
  for (const auto& [key, value] : it->items()) {
    if (key != "metric" && key != "direction") {
      return FieldError("objective",
                        "unknown field 'objective." + key + "'; it takes metric, direction");
    }
  }
  EASEL_ASSIGN_OR_RETURN(auto metric, GetOptionalString(*it, "metric"));
  o.metric = metric.value_or("val_loss");
  if (std::find(std::begin(kObjectiveMetrics), std::end(kObjectiveMetrics), o.metric) ==
      std::end(kObjectiveMetrics)) {
    return FieldError("objective", "objective.metric '" + o.metric +
                                       "' is not reported by trainers; use val_loss, "
                                       "val_accuracy, val_rmse or train_loss");
  }
  o.maximize = o.metric == "val_accuracy";
  EASEL_ASSIGN_OR_RETURN(auto direction, GetOptionalString(*it, "direction"));
  if (direction) {
    if (*direction != "minimize" && *direction != "maximize") {
      return FieldError("objective", "objective.direction must be minimize or maximize");
    }
    o.maximize = *direction == "maximize";
  }
  return o;
}

}  // namespace

Json Objective::ToJson() const {
  return {{"metric", metric}, {"direction", maximize ? "maximize" : "minimize"}};
}

Json HpoSpec::TrialTrainSpec(const Json& assignment) const {
  Json spec = train;
  spec["model_name"] = model_name;
  if (trial_threads > 0 && !(spec.contains("resources") && spec["resources"].is_object() &&
                             spec["resources"].contains("threads"))) {
    if (!spec.contains("resources") || !spec["resources"].is_object()) {
      spec["resources"] = Json::object();
    }
    spec["resources"]["threads"] = trial_threads;
  }
  if (portfolio) {
    const std::string algorithm = assignment.value("algorithm", "");
    auto fixed = portfolio_fixed.find(algorithm);
    Json params = fixed == portfolio_fixed.end() ? Json::object() : fixed->second;
    const std::string prefix = algorithm + ".";
    for (const auto& [name, value] : assignment.items()) {
      if (name.rfind(prefix, 0) == 0) params[name.substr(prefix.size())] = value;
    }
    spec["algorithm"] = algorithm;
    spec["params"] = std::move(params);
    return spec;
  }
  Json params = spec.value("params", Json::object());
  for (const auto& [name, value] : assignment.items()) params[name] = value;
  spec["params"] = std::move(params);
  return spec;
}

bool KeepsBestEpoch(const Json& resolved_params) {
  for (const char* key : {"early_stopping_rounds", "early_stopping_patience"}) {
    auto it = resolved_params.find(key);
    if (it != resolved_params.end() && it->is_number() && it->get<double>() > 0) return true;
  }
  return false;
}

Json RefitParams(const Json& params, int64_t epochs) {
  Json out = params.is_object() ? params : Json::object();
  if (out.contains("early_stopping_rounds")) {  // xgboost: boosting rounds
    out["n_estimators"] = epochs;
    out["early_stopping_rounds"] = 0;
  }
  if (out.contains("early_stopping_patience")) {  // the LibTorch trainers: epochs
    out["epochs"] = epochs;
    out["early_stopping_patience"] = 0;
  }
  return out;
}

std::optional<int64_t> BestEpoch(const Json& series) {
  std::optional<int64_t> step;
  double lowest = INFINITY;
  for (const Json& p : series.value("val_loss", Json::array())) {
    if (p["value"].get<double>() < lowest) {
      lowest = p["value"].get<double>();
      step = p["step"].get<int64_t>();
    }
  }
  return step;
}

std::optional<double> TrialFinalValue(const Json& series, const Objective& objective,
                                      bool keeps_best_epoch) {
  const Json points = series.value(objective.metric, Json::array());
  if (points.empty()) return std::nullopt;
  const std::optional<int64_t> step =
      keeps_best_epoch ? BestEpoch(series) : std::optional<int64_t>();
  for (const Json& p : points) {
    if (step && p["step"].get<int64_t>() == *step) {
      return objective.Minimized(p["value"].get<double>());
    }
  }
  return objective.Minimized(points.back()["value"].get<double>());
}

Json HpoSpec::ToJson() const {
  Json out = train;
  out["model_name"] = model_name;
  out["search_space"] = space ? space->ToJson() : Json::object();
  out["objective"] = objective.ToJson();
  out["sampler"] = sampler;
  out["scheduler"] = scheduler;
  out["max_trials"] = max_trials;
  out["max_concurrent_trials"] = max_concurrent_trials;
  out["time_budget_s"] = time_budget_s ? Json(*time_budget_s) : Json();
  out["seed"] = seed;
  if (portfolio) {
    out["ensemble"] = ensemble;
    out["refit"] = refit;
    out["stacking"] = stacking;
  }
  if (!initial_points.empty()) out["initial_points"] = initial_points;
  return out;
}

Result<HpoSpec> ParseHpoSpec(const train::AlgorithmRegistry& algorithms, const Json& spec) {
  if (!spec.is_object()) return InvalidArgument("an hpo spec must be a JSON object");
  HpoSpec h;
  h.train = spec;
  for (const char* field : kSearchFields) h.train.erase(field);
  EASEL_RETURN_IF_ERROR(train::ValidateTrainSpec(algorithms, h.train));
  const train::Algorithm* algorithm = *algorithms.Find(h.train["algorithm"].get<std::string>());

  if (!spec.contains("search_space")) {
    return FieldError("search_space", "field 'search_space' is required: {param: domain}");
  }
  EASEL_ASSIGN_OR_RETURN(SearchSpace space,
                         SearchSpace::FromJson(spec["search_space"], algorithm->params_schema));
  const Json fixed = h.train.value("params", Json::object());
  for (const ParamSpec& p : space.params()) {
    if (fixed.contains(p.name)) {
      return FieldError("params", "parameter '" + p.name +
                                      "' is both fixed in params and searched in search_space");
    }
  }
  h.space = std::move(space);
  EASEL_ASSIGN_OR_RETURN(h.objective, ParseObjective(spec));

  EASEL_ASSIGN_OR_RETURN(auto seed, GetOptionalInt(spec, "seed", 0, INT64_MAX));
  h.seed = static_cast<uint64_t>(seed.value_or(0));
  if (spec.contains("sampler") && !spec["sampler"].is_null()) h.sampler = spec["sampler"];
  {
    auto sampler = MakeSampler(h.sampler, h.seed);
    if (!sampler.ok()) return FieldError("sampler", sampler.status().message());
    h.sampler = (*sampler)->ToJson();
  }
  if (spec.contains("scheduler") && !spec["scheduler"].is_null()) h.scheduler = spec["scheduler"];
  {
    auto scheduler = MakeScheduler(h.scheduler);
    if (!scheduler.ok()) return FieldError("scheduler", scheduler.status().message());
    h.scheduler = (*scheduler)->ToJson();
  }
  EASEL_ASSIGN_OR_RETURN(auto max_trials, GetOptionalInt(spec, "max_trials", 1, 10000));
  h.max_trials = max_trials.value_or(20);
  EASEL_ASSIGN_OR_RETURN(auto concurrent, GetOptionalInt(spec, "max_concurrent_trials", 1, 64));
  h.max_concurrent_trials = concurrent.value_or(2);
  EASEL_ASSIGN_OR_RETURN(h.time_budget_s, GetOptionalInt(spec, "time_budget_s", 1, 30 * 86400));
  EASEL_ASSIGN_OR_RETURN(auto model_name, GetOptionalString(h.train, "model_name"));
  h.model_name =
      model_name.value_or(h.train["dataset"]["name"].get<std::string>() + "-" + algorithm->name);
  if (h.model_name.size() > 63) h.model_name.resize(63);
  return h;
}

Json HpoSpecSchema() {
  return {
      {"type", "object"},
      {"required", {"algorithm", "dataset", "search_space"}},
      {"properties",
       {{"algorithm", {{"type", "string"}, {"description", "a trainer of GET /api/v1/algorithms"}}},
        {"dataset", {{"type", "object"}, {"description", "{name, version}"}}},
        {"target", {{"type", "string"}, {"description", "the column to predict (tabular)"}}},
        {"params", {{"type", "object"}, {"description", "parameters every trial shares"}}},
        {"search_space",
         {{"type", "object"},
          {"description", "{param: {type: uniform|log_uniform|int|categorical, ...}}"}}},
        {"objective",
         {{"type", "object"},
          {"description", "{metric: val_loss|val_accuracy|val_rmse|train_loss, direction}"}}},
        {"sampler", {{"type", "object"}, {"description", "{type: tpe|random|grid, ...}"}}},
        {"scheduler", {{"type", "object"}, {"description", "{type: asha|median|none, ...}"}}},
        {"max_trials", {{"type", "integer"}, {"minimum", 1}, {"default", 20}}},
        {"max_concurrent_trials", {{"type", "integer"}, {"minimum", 1}, {"default", 2}}},
        {"time_budget_s", {{"type", "integer"}, {"minimum", 1}}},
        {"seed", {{"type", "integer"}, {"minimum", 0}, {"default", 0}}},
        {"model_name", {{"type", "string"}, {"description", "where the best model goes"}}}}}};
}

}  // namespace easel::automl
