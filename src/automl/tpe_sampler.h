#pragma once
// Tree-structured Parzen Estimator (Bergstra et al., "Algorithms for Hyper-Parameter
// Optimization", 2011), with Optuna's defaults. Configuration:
//   {"type": "tpe", "n_startup_trials": 10, "n_ei_candidates": 24, "multivariate": false,
//    "gamma": 0.1, "gamma_max": 25, "prior_weight": 1.0}
//
// Evidence: completed trials with a finite value, best (lowest) first; then pruned trials that
// reported an intermediate value, ranked after every completed trial, those that got further
// first and among equals the lower last value first. Running and failed trials, and completed
// trials without a value, are ignored (two trials running at once may therefore get similar
// suggestions). Until n_startup_trials trials are evidence, suggestions are random search's.
//
// Then the best min(ceil(gamma * n), gamma_max) trials of the n form l(x) and the rest g(x),
// each a Parzen estimator (see parzen_estimator.h) with one kernel per trial plus a prior;
// n_ei_candidates points are drawn from l and the one maximizing l(x) / g(x) is suggested.
//
// Independent (default): each active parameter in turn, parents first, from the trials that
// have it. Multivariate: the parameters without conditions are drawn jointly from one mixture
// over all of them (a candidate takes every coordinate from one kernel of l, and a kernel's
// density is the product over parameters), so correlations between parameters are learnt;
// conditional parameters are then drawn independently as above. A parameter for which no trial
// of l has a value is drawn at random.

#include <cstdint>
#include <memory>

#include "automl/sampler.h"

namespace easel::automl {

class TpeSampler final : public Sampler {
 public:
  struct Options {
    int n_startup_trials = 10;  // [0, 100000]
    int n_ei_candidates = 24;   // [1, 10000]
    bool multivariate = false;
    double gamma = 0.1;         // (0, 1]: the fraction of trials that form l(x)
    int gamma_max = 25;         // [1, 100000]: at most this many trials form l(x)
    double prior_weight = 1.0;  // > 0
  };

  TpeSampler(Options options, uint64_t seed) : options_(options), seed_(seed) {}

  Result<Json> Suggest(const SearchSpace& space, std::span<const TrialRecord> history,
                       int64_t number) const override;
  Json ToJson() const override;

 private:
  Options options_;
  uint64_t seed_;
};

Result<std::unique_ptr<Sampler>> MakeTpeSampler(const Json& config, uint64_t seed);

}  // namespace easel::automl
