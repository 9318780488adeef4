#include "automl/tpe_sampler.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <tuple>

#include "automl/parzen_estimator.h"
#include "automl/random_sampler.h"
#include "automl/trial_rng.h"

namespace easel::automl {

namespace {

using Trials = std::vector<const TrialRecord*>;

// The usable trials, best first (see the header for the order).
Trials RankTrials(std::span<const TrialRecord> history) {
  using Key = std::tuple<int, double, double, int64_t>;
  std::vector<std::pair<Key, const TrialRecord*>> keyed;
  for (const TrialRecord& t : history) {
    if (t.state == TrialState::kComplete && t.value && std::isfinite(*t.value)) {
      keyed.push_back({Key{0, *t.value, 0.0, t.number}, &t});
    } else if (t.state == TrialState::kPruned && !t.intermediate.empty() &&
               std::isfinite(t.intermediate.back().second)) {
      const auto& [step, value] = t.intermediate.back();
      keyed.push_back({Key{1, -static_cast<double>(step), value, t.number}, &t});
    }
  }
  std::sort(keyed.begin(), keyed.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  Trials out;
  for (const auto& [key, t] : keyed) out.push_back(t);
  return out;
}

// Each trial's coordinates in `dims`, oldest trial first; trials lacking one are left out.
std::vector<std::vector<double>> Observe(const std::vector<const ParamSpec*>& specs,
                                         const std::vector<ParzenDimension>& dims, Trials trials) {
  std::sort(trials.begin(), trials.end(),
            [](const TrialRecord* a, const TrialRecord* b) { return a->number < b->number; });
  std::vector<std::vector<double>> out;
  for (const TrialRecord* t : trials) {
    if (!t->params.is_object()) continue;
    std::vector<double> x(dims.size());
    bool complete = true;
    for (size_t d = 0; d < dims.size() && complete; ++d) {
      auto it = t->params.find(specs[d]->name);
      complete = it != t->params.end() && dims[d].Encode(*it, &x[d]);
    }
    if (complete) out.push_back(std::move(x));
  }
  return out;
}

struct Split {
  Trials below;  // form l(x)
  Trials above;  // form g(x)
};

// Draws values for `specs` (all active) into `assignment`.
void SampleJointly(const std::vector<const ParamSpec*>& specs, const Split& split,
                   const TpeSampler::Options& options, bool multivariate, TrialRng& rng,
                   Json& assignment) {
  std::vector<ParzenDimension> dims;
  for (const ParamSpec* p : specs) dims.emplace_back(*p);
  std::vector<std::vector<double>> below = Observe(specs, dims, split.below);
  if (below.empty()) {
    for (const ParamSpec* p : specs) assignment[p->name] = DrawRandomValue(*p, rng);
    return;
  }
  ParzenOptions parzen{options.prior_weight, multivariate};
  ParzenEstimator l(dims, below, parzen);
  ParzenEstimator g(dims, Observe(specs, dims, split.above), parzen);
  std::vector<double> best;
  double best_score = -INFINITY;
  for (int i = 0; i < options.n_ei_candidates; ++i) {
    std::vector<double> x = l.Sample(rng);
    double score = l.LogDensity(x) - g.LogDensity(x);
    if (best.empty() || score > best_score) {
      best = std::move(x);
      best_score = score;
    }
  }
  for (size_t d = 0; d < specs.size(); ++d) assignment[specs[d]->name] = dims[d].Decode(best[d]);
}

}  // namespace

Result<Json> TpeSampler::Suggest(const SearchSpace& space, std::span<const TrialRecord> history,
                                 int64_t number) const {
  if (number < 0) return InvalidArgument("trial number must not be negative");
  TrialRng rng(seed_, number);
  Trials ranked = RankTrials(history);
  const size_t n = ranked.size();
  if (n == 0 || n < static_cast<size_t>(options_.n_startup_trials)) {
    return DrawRandomAssignment(space, rng);
  }
  size_t n_below = static_cast<size_t>(std::ceil(options_.gamma * static_cast<double>(n)));
  n_below = std::clamp<size_t>(n_below, 1, std::min<size_t>(n, options_.gamma_max));
  Split split{Trials(ranked.begin(), ranked.begin() + n_below),
              Trials(ranked.begin() + n_below, ranked.end())};

  Json assignment = Json::object();
  if (options_.multivariate) {
    std::vector<const ParamSpec*> joint;
    for (const ParamSpec& p : space.params()) {
      if (p.when.empty()) joint.push_back(&p);
    }
    if (!joint.empty()) SampleJointly(joint, split, options_, true, rng, assignment);
  }
  for (const ParamSpec& p : space.params()) {
    if (assignment.contains(p.name) || !IsActive(p, assignment)) continue;
    SampleJointly({&p}, split, options_, false, rng, assignment);
  }
  return assignment;
}

Json TpeSampler::ToJson() const {
  return Json{{"type", "tpe"},
              {"n_startup_trials", options_.n_startup_trials},
              {"n_ei_candidates", options_.n_ei_candidates},
              {"multivariate", options_.multivariate},
              {"gamma", options_.gamma},
              {"gamma_max", options_.gamma_max},
              {"prior_weight", options_.prior_weight}};
}

Result<std::unique_ptr<Sampler>> MakeTpeSampler(const Json& config, uint64_t seed) {
  EASEL_RETURN_IF_ERROR(CheckSamplerOptions(config, "tpe",
                                            {"n_startup_trials", "n_ei_candidates", "multivariate",
                                             "gamma", "gamma_max", "prior_weight"}));
  TpeSampler::Options o;
  EASEL_ASSIGN_OR_RETURN(auto startup, GetOptionalInt(config, "n_startup_trials", 0, 100000));
  o.n_startup_trials = static_cast<int>(startup.value_or(o.n_startup_trials));
  EASEL_ASSIGN_OR_RETURN(auto candidates, GetOptionalInt(config, "n_ei_candidates", 1, 10000));
  o.n_ei_candidates = static_cast<int>(candidates.value_or(o.n_ei_candidates));
  EASEL_ASSIGN_OR_RETURN(auto multivariate, GetOptionalBool(config, "multivariate"));
  o.multivariate = multivariate.value_or(o.multivariate);
  EASEL_ASSIGN_OR_RETURN(auto gamma_max, GetOptionalInt(config, "gamma_max", 1, 100000));
  o.gamma_max = static_cast<int>(gamma_max.value_or(o.gamma_max));
  EASEL_ASSIGN_OR_RETURN(auto gamma, GetOptionalNumber(config, "gamma"));
  o.gamma = gamma.value_or(o.gamma);
  if (!(o.gamma > 0 && o.gamma <= 1)) {
    return Status(StatusCode::kInvalidArgument, "field 'gamma' must be in (0, 1]",
                  Json{{"field", "gamma"}});
  }
  EASEL_ASSIGN_OR_RETURN(auto prior_weight, GetOptionalNumber(config, "prior_weight"));
  o.prior_weight = prior_weight.value_or(o.prior_weight);
  if (!(o.prior_weight > 0 && std::isfinite(o.prior_weight))) {
    return Status(StatusCode::kInvalidArgument, "field 'prior_weight' must be a positive number",
                  Json{{"field", "prior_weight"}});
  }
  return std::unique_ptr<Sampler>(std::make_unique<TpeSampler>(o, seed));
}

}  // namespace easel::automl
