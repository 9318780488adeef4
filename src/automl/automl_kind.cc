#include "automl/automl_kind.h"

#include <algorithm>
#include <cmath>

#include "automl/hpo_kind.h"
#include "automl/sampler.h"
#include "automl/scheduler.h"
#include "data/dataset_type.h"
#include "data/datasets.h"
#include "jobs/job_context.h"
#include "train/dataset_problem.h"
#include "train/train_kind.h"

namespace easel::automl {
namespace {

// One algorithm of a portfolio: what every trial of it fixes, and what is searched.
struct Candidate {
  const char* algorithm;
  bool images;
  Json fixed;
  Json space;
};

Json LogUniform(double low, double high) {
  return {{"type", "log_uniform"}, {"low", low}, {"high", high}};
}

// A parameter that only mini-batch training reads.
Json WhenAdamw(Json domain) {
  domain["when"] = {{"optimizer", {"adamw"}}};
  return domain;
}

// Ranges that hold the good settings for small and medium data. The iterative learners stop
// early, so a trial's model is its best epoch and a weak setting ends soon; the linear model
// converges instead (and ASHA still ends its weak settings).
const std::vector<Candidate>& Candidates() {
  static const auto* candidates = new std::vector<Candidate>{
      // Full-batch L-BFGS on the L2-penalized loss, run until it converges, is exactly logistic
      // (ridge) regression, the classic strong baseline on small tables; weight_decay is
      // 1 / (C n) in scikit-learn's terms, so the range holds C from about 0.01 to 1000 for a
      // few hundred rows. No early stopping: weight_decay is the one regularizer, so a
      // cross-validation fold or a refit fits the model its penalty defines, where an epoch
      // count chosen on a small validation split would stop them at arbitrary points.
      {"linear",
       false,
       {{"optimizer", "lbfgs"}, {"epochs", 50}, {"early_stopping_patience", 0}},
       {{"weight_decay", LogUniform(1e-6, 0.3)}}},
      {"xgboost",
       false,
       {{"n_estimators", 300}, {"early_stopping_rounds", 20}},
       {{"max_depth", {{"type", "int"}, {"low", 2}, {"high", 10}}},
        {"learning_rate", LogUniform(0.03, 0.3)},
        {"min_child_weight", LogUniform(0.5, 20)},
        {"subsample", {{"type", "uniform"}, {"low", 0.5}, {"high", 1.0}}},
        {"colsample_bytree", {{"type", "uniform"}, {"low", 0.3}, {"high", 1.0}}}}},
      // A bagged forest of randomized trees: accurate on small tables where boosting overfits,
      // with probabilities calibrated out of bag, so log-loss weighting can use them. Each tree
      // draws at most 2,000 rows, which bounds the trials' models (fully grown trees have a
      // leaf per few rows; every trial's model is kept until the search ends).
      {"extra_trees",
       false,
       {{"n_estimators", 300}, {"max_samples", 2000}},
       {{"max_features", {{"type", "uniform"}, {"low", 0.05}, {"high", 1.0}}},
        {"min_samples_leaf", {{"type", "int"}, {"low", 1}, {"high", 10}}}}},
      // AdamW in mini-batches, or full-batch L-BFGS, which on a few thousand rows often finds a
      // better-regularized network; weight_decay is then an L2 penalty.
      {"mlp",
       false,
       {{"epochs", 200}, {"early_stopping_patience", 10}, {"hidden_layers", {256}}},
       {{"optimizer", {{"type", "categorical"}, {"choices", {"adamw", "lbfgs"}}}},
        {"learning_rate", WhenAdamw(LogUniform(1e-4, 3e-2))},
        {"weight_decay", LogUniform(1e-6, 1e-2)},
        {"batch_size", WhenAdamw({{"type", "categorical"}, {"choices", {16, 32, 64}}})}}},
      {"image_classifier",
       true,
       {{"epochs", 15}, {"early_stopping_patience", 3}},
       {{"arch", {{"type", "categorical"}, {"choices", {"resnet18", "mobilenet_v2"}}}},
        {"width", {{"type", "categorical"}, {"choices", {0.25, 0.5}}}},
        {"input_size", {{"type", "categorical"}, {"choices", {32, 64}}}},
        {"learning_rate", LogUniform(3e-4, 1e-2)}}},
  };
  return *candidates;
}

constexpr const char* kFields[] = {
    "dataset",       "target",     "task",       "metric",
    "time_budget_s", "model_name", "algorithms", "max_concurrent_trials",
    "seed",          "resources",  "ensemble",   "refit",
    "stacking"};

Status FieldError(const std::string& field, const std::string& message) {
  return Status(StatusCode::kInvalidArgument, message, Json{{"field", field}});
}

Result<std::string> ObjectiveMetric(const Json& spec) {
  EASEL_ASSIGN_OR_RETURN(auto metric, GetOptionalString(spec, "metric"));
  const std::string m = metric.value_or("log_loss");
  if (m == "log_loss" || m == "loss") return std::string("val_loss");
  if (m == "accuracy") return std::string("val_accuracy");
  if (m == "rmse") return std::string("val_rmse");
  return FieldError("metric", "metric '" + m + "' is not one of log_loss, accuracy, rmse");
}

// The shape of the spec, before the dataset is known.
Status CheckFields(const Json& spec) {
  if (!spec.is_object()) return InvalidArgument("an automl spec must be a JSON object");
  for (const auto& [key, value] : spec.items()) {
    if (std::find(std::begin(kFields), std::end(kFields), key) == std::end(kFields)) {
      return FieldError(key, "unknown field '" + key + "' in an automl spec");
    }
  }
  if (!spec.contains("time_budget_s")) {
    return FieldError("time_budget_s", "field 'time_budget_s' is required: AutoML is bounded");
  }
  EASEL_RETURN_IF_ERROR(GetOptionalInt(spec, "time_budget_s", 10, 86400));
  return ObjectiveMetric(spec).status();
}

Result<bool> DatasetHasImages(store::Database& db, const std::string& project_id,
                              const Json& spec) {
  if (!spec.contains("dataset") || !spec["dataset"].is_object()) {
    return FieldError("dataset", "dataset must be an object {name, version}");
  }
  EASEL_ASSIGN_OR_RETURN(std::string name, GetString(spec["dataset"], "name"));
  EASEL_ASSIGN_OR_RETURN(data::Dataset d, data::DatasetStore(db).Get(project_id, name));
  return data::IsImageType(d.type);
}

// `value` if the domain holds it, else the middle of the range (in log space where the domain
// is log-scaled) or the first choice.
Json WithinDomain(const ParamSpec& p, const Json& value) {
  if (p.CheckValue(value).ok()) return value;
  if (p.type == DomainType::kCategorical) return p.choices.front();
  if (p.type == DomainType::kInt) return p.IntValue((p.IntCount() - 1) / 2);
  return p.log_scale() ? std::sqrt(p.low * p.high) : (p.low + p.high) / 2;
}

// Each algorithm's default configuration, tried before the search proposes anything: its
// trainer's defaults for the searched parameters where the searched range holds them, and for
// `linear` the penalty of scikit-learn's default logistic regression (C = 1, weight_decay 1 /
// train rows). On a small table the search drifts towards what its validation split of a few
// dozen rows rewards; the defaults are settings that hold up on most tables, and they stay
// among the ensemble's candidates (ensemble_candidates.h).
Status AddDefaultTrials(const train::AlgorithmRegistry& algorithms, int64_t train_rows,
                        HpoSpec& spec) {
  const ParamSpec* algorithm_param = spec.space->Find("algorithm");
  if (algorithm_param == nullptr) return OkStatus();
  for (const Json& choice : algorithm_param->choices) {
    const std::string name = choice.get<std::string>();
    EASEL_ASSIGN_OR_RETURN(const train::Algorithm* algorithm, algorithms.Find(name));
    const Json& properties = algorithm->params_schema["properties"];
    const std::string prefix = name + ".";
    Json point = {{"algorithm", name}};
    for (const ParamSpec& p : spec.space->params()) {
      if (!p.name.starts_with(prefix)) continue;
      const std::string param = p.name.substr(prefix.size());
      Json value = properties.contains(param) ? properties[param].value("default", Json()) : Json();
      if (name == "linear" && param == "weight_decay" && train_rows > 0) {
        value = 1.0 / static_cast<double>(train_rows);
      }
      point[p.name] = WithinDomain(p, value);
    }
    // Only what is active: mini-batch settings drop out when the default optimizer is L-BFGS.
    for (const ParamSpec& p : spec.space->params()) {
      if (point.contains(p.name) && !IsActive(p, point)) point.erase(p.name);
    }
    EASEL_RETURN_IF_ERROR(spec.space->Validate(point));
    spec.initial_points.push_back(std::move(point));
  }
  return OkStatus();
}

// Tabular trials of every algorithm read the same features, so that their models can form one
// ensemble: the default pipeline that imputes and standardizes numeric columns (tree models
// are indifferent to the scaling), for the version pinned when the search starts. Returns that
// version.
Result<data::DatasetVersion> ShareOnePipeline(store::Database& db, const std::string& project_id,
                                              HpoSpec& spec) {
  const Json& ref = spec.train["dataset"];
  data::DatasetStore datasets(db);
  EASEL_ASSIGN_OR_RETURN(data::Dataset d, datasets.Get(project_id, ref.value("name", "")));
  int64_t n = 0;
  if (ref.contains("version") && ref["version"].is_number_integer()) {
    n = ref["version"].get<int64_t>();
  }
  EASEL_ASSIGN_OR_RETURN(data::DatasetVersion v, datasets.GetVersion(d.id, n));
  spec.train["dataset"]["version"] = v.version;
  spec.train["transforms"] =
      train::DefaultTransforms(d, v, spec.train.value("target", ""), /*scale_numeric=*/true);
  return v;
}

Result<Json> RunAutoml(const train::AlgorithmRegistry& algorithms, jobs::JobContext& ctx) {
  EASEL_ASSIGN_OR_RETURN(bool images, DatasetHasImages(ctx.db(), ctx.project_id(), ctx.spec()));
  EASEL_ASSIGN_OR_RETURN(HpoSpec spec, PortfolioSpec(algorithms, ctx.spec(), images));
  if (!images) {
    EASEL_ASSIGN_OR_RETURN(data::DatasetVersion v,
                           ShareOnePipeline(ctx.db(), ctx.project_id(), spec));
    const int64_t train_rows =
        v.splits.contains("counts") ? v.splits["counts"].value("train", int64_t{0}) : 0;
    EASEL_RETURN_IF_ERROR(AddDefaultTrials(algorithms, train_rows, spec));
  }
  return RunSearch(algorithms, ctx, spec, "automl");
}

}  // namespace

std::vector<std::string> PortfolioAlgorithms(bool images) {
  std::vector<std::string> out;
  for (const Candidate& c : Candidates()) {
    if (c.images == images) out.push_back(c.algorithm);
  }
  return out;
}

Result<HpoSpec> PortfolioSpec(const train::AlgorithmRegistry& algorithms, const Json& spec,
                              bool images) {
  EASEL_RETURN_IF_ERROR(CheckFields(spec));
  std::vector<std::string> chosen = PortfolioAlgorithms(images);
  if (spec.contains("algorithms")) {
    const Json& list = spec["algorithms"];
    if (!list.is_array() || list.empty()) {
      return FieldError("algorithms", "algorithms must be a non-empty list");
    }
    std::vector<std::string> subset;
    for (const Json& a : list) {
      if (!a.is_string() ||
          std::find(chosen.begin(), chosen.end(), a.get<std::string>()) == chosen.end()) {
        std::string known;
        for (const std::string& c : chosen) known += (known.empty() ? "" : ", ") + c;
        return FieldError("algorithms", "the portfolio for this dataset has " + known);
      }
      subset.push_back(a.get<std::string>());
    }
    chosen = subset;
  }

  HpoSpec h;
  h.portfolio = true;
  h.train = Json::object();
  for (const char* field : {"dataset", "target", "task", "seed", "resources"}) {
    if (spec.contains(field)) h.train[field] = spec[field];
  }
  h.train["algorithm"] = chosen.front();
  // The schema of the combined space: "algorithm" and each algorithm's parameters, prefixed.
  Json properties = {{"algorithm", {{"type", "string"}, {"enum", chosen}}}};
  Json space = {{"algorithm", {{"type", "categorical"}, {"choices", chosen}}}};
  for (const Candidate& c : Candidates()) {
    if (std::find(chosen.begin(), chosen.end(), c.algorithm) == chosen.end()) continue;
    EASEL_ASSIGN_OR_RETURN(const train::Algorithm* algorithm, algorithms.Find(c.algorithm));
    for (const auto& [name, property] : algorithm->params_schema["properties"].items()) {
      properties[std::string(c.algorithm) + "." + name] = property;
    }
    for (const auto& [name, domain] : c.space.items()) {
      // Active for this algorithm, and on the candidate's own conditions, renamed likewise.
      Json when = {{"algorithm", {c.algorithm}}};
      const Json own = domain.value("when", Json::object());
      for (const auto& [parent, values] : own.items()) {
        when[std::string(c.algorithm) + "." + parent] = values;
      }
      Json d = domain;
      d["when"] = std::move(when);
      space[std::string(c.algorithm) + "." + name] = d;
    }
    h.portfolio_fixed[c.algorithm] = c.fixed;
    // Each algorithm's trials must pass the train kind's own checks.
    Json probe = h.train;
    probe["algorithm"] = c.algorithm;
    probe["params"] = c.fixed;
    EASEL_RETURN_IF_ERROR(train::ValidateTrainSpec(algorithms, probe));
  }
  EASEL_ASSIGN_OR_RETURN(
      SearchSpace parsed,
      SearchSpace::FromJson(space, {{"type", "object"}, {"properties", properties}}));
  h.space = std::move(parsed);
  EASEL_ASSIGN_OR_RETURN(h.objective.metric, ObjectiveMetric(spec));
  h.objective.maximize = h.objective.metric == "val_accuracy";
  h.sampler = {{"type", "tpe"}, {"n_startup_trials", 2 * static_cast<int>(chosen.size()) + 2}};
  h.scheduler = {{"type", "asha"}, {"min_resource", 3}, {"reduction_factor", 3}};
  h.max_trials = 10000;
  EASEL_ASSIGN_OR_RETURN(auto concurrent, GetOptionalInt(spec, "max_concurrent_trials", 1, 64));
  h.max_concurrent_trials = concurrent.value_or(2);
  EASEL_ASSIGN_OR_RETURN(h.time_budget_s, GetOptionalInt(spec, "time_budget_s", 10, 86400));
  EASEL_ASSIGN_OR_RETURN(auto seed, GetOptionalInt(spec, "seed", 0, INT64_MAX));
  h.seed = static_cast<uint64_t>(seed.value_or(0));
  EASEL_ASSIGN_OR_RETURN(auto ensemble, GetOptionalBool(spec, "ensemble"));
  h.ensemble = ensemble.value_or(true);
  // Retraining image models costs as much as their trials; tables refit in seconds.
  EASEL_ASSIGN_OR_RETURN(auto refit, GetOptionalBool(spec, "refit"));
  h.refit = refit.value_or(!images);
  EASEL_ASSIGN_OR_RETURN(auto stacking, GetOptionalString(spec, "stacking"));
  h.stacking = stacking.value_or("auto");
  if (h.stacking != "auto" && h.stacking != "always" && h.stacking != "never") {
    return FieldError("stacking",
                      "stacking must be auto, always or never, not '" + h.stacking + "'");
  }
  EASEL_ASSIGN_OR_RETURN(auto model_name, GetOptionalString(spec, "model_name"));
  h.model_name = model_name.value_or(spec["dataset"].value("name", "model") + "-automl");
  if (h.model_name.size() > 63) h.model_name.resize(63);
  // Resolve the sampler and scheduler as an hpo spec would.
  EASEL_ASSIGN_OR_RETURN(auto sampler, MakeSampler(h.sampler, h.seed));
  h.sampler = sampler->ToJson();
  EASEL_ASSIGN_OR_RETURN(auto scheduler, MakeScheduler(h.scheduler));
  h.scheduler = scheduler->ToJson();
  return h;
}

jobs::JobKind AutomlJobKind(const train::AlgorithmRegistry& algorithms) {
  jobs::JobKind kind;
  kind.name = "automl";
  kind.description =
      "Finds the best model for a dataset within a time budget: a TPE + ASHA search over a "
      "portfolio of algorithms, then a weighted ensemble of the best models, refit on train + "
      "validation.";
  kind.params_schema = {
      {"type", "object"},
      {"required", {"dataset", "time_budget_s"}},
      {"properties",
       {{"dataset", {{"type", "object"}, {"description", "{name, version}"}}},
        {"target", {{"type", "string"}, {"description", "the column to predict (tabular)"}}},
        {"task", {{"type", "string"}, {"description", "inferred from the target when absent"}}},
        {"metric", {{"type", "string"}, {"enum", {"log_loss", "accuracy", "rmse"}}}},
        {"time_budget_s", {{"type", "integer"}, {"minimum", 10}, {"maximum", 86400}}},
        {"model_name", {{"type", "string"}, {"description", "default <dataset>-automl"}}},
        {"algorithms", {{"type", "array"}, {"description", "a subset of the portfolio"}}},
        {"max_concurrent_trials", {{"type", "integer"}, {"minimum", 1}, {"default", 2}}},
        {"seed", {{"type", "integer"}, {"minimum", 0}, {"default", 0}}},
        {"ensemble",
         {{"type", "boolean"},
          {"default", true},
          {"description", "register a weighted ensemble of the best trials' models"}}},
        {"refit",
         {{"type", "boolean"},
          {"description",
           "retrain the final models on train + validation (default: tables "
           "yes, images no); the search then stops at 80% of the budget"}}},
        {"stacking",
         {{"type", "string"},
          {"enum", {"auto", "always", "never"}},
          {"default", "auto"},
          {"description",
           "classifiers chosen by cross-validation: answer through a logistic regression over "
           "every candidate's probabilities instead of weights (auto: when that "
           "cross-validates better)"}}}}}};
  kind.coordinator = true;
  kind.validate = [](const Json& spec) { return CheckFields(spec); };
  kind.check = [&algorithms](const Json& spec, store::Database& db,
                             const std::string& project_id) -> Status {
    EASEL_ASSIGN_OR_RETURN(bool images, DatasetHasImages(db, project_id, spec));
    EASEL_ASSIGN_OR_RETURN(HpoSpec h, PortfolioSpec(algorithms, spec, images));
    for (const auto& [algorithm, fixed] : h.portfolio_fixed) {
      EASEL_RETURN_IF_ERROR(train::CheckTrainSpec(
          algorithms, h.TrialTrainSpec({{"algorithm", algorithm}}), db, project_id));
    }
    return OkStatus();
  };
  kind.run = [&algorithms](jobs::JobContext& ctx) { return RunAutoml(algorithms, ctx); };
  return kind;
}

}  // namespace easel::automl
