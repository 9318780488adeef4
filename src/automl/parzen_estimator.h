#pragma once
// The Parzen estimator behind TPE: a weighted mixture of kernels, one per observed trial plus
// a broad prior, over one parameter (independent TPE) or several at once (multivariate TPE).
//
// Numbers live in an internal coordinate: the logarithm for log-scaled domains, and for int
// the cell [v - step/2, v + step/2] of each value v, so a continuous truncated-normal kernel
// over [low - step/2, high + step/2] gives each integer the mass of its cell. A categorical
// kernel puts weight 1 on its observed choice plus prior_weight spread over all choices.

#include <cstdint>
#include <vector>

#include "automl/search_space.h"
#include "automl/trial_rng.h"

namespace easel::automl {

// How a parameter's values map to the estimator's coordinates. `spec` must outlive it.
class ParzenDimension {
 public:
  explicit ParzenDimension(const ParamSpec& spec);

  bool categorical() const { return spec_->type == DomainType::kCategorical; }
  size_t n_choices() const { return spec_->choices.size(); }
  // The kernel's support (numbers only).
  double low() const { return low_; }
  double high() const { return high_; }

  // The coordinate of a value (a choice index for categorical); false when the value does not
  // belong to the domain.
  bool Encode(const Json& value, double* x) const;
  // The value a coordinate stands for (int rounds to the nearest value on the step grid).
  Json Decode(double x) const;
  // For int: the cell of the value `x` decodes to, in coordinates.
  void Cell(double x, double* a, double* b) const;
  bool discrete() const { return spec_->type == DomainType::kInt; }

 private:
  double Forward(double v) const;
  const ParamSpec* spec_;
  double low_ = 0;
  double high_ = 0;
};

struct ParzenOptions {
  double prior_weight = 1.0;
  // Multivariate bandwidths (Scott's rule across dimensions) instead of the one-dimensional
  // nearest-neighbour rule.
  bool multivariate = false;
};

class ParzenEstimator {
 public:
  // `observations[i][d]` is trial i's coordinate in dimension d, oldest trial first (later
  // trials weigh more once there are over 25). `dims` must outlive the estimator.
  ParzenEstimator(const std::vector<ParzenDimension>& dims,
                  const std::vector<std::vector<double>>& observations,
                  const ParzenOptions& options);

  // A point drawn from the mixture: one kernel chosen by weight, each coordinate from it.
  std::vector<double> Sample(TrialRng& rng) const;
  // The log density (log mass for int and categorical coordinates) of a point.
  double LogDensity(const std::vector<double>& x) const;

 private:
  const std::vector<ParzenDimension>& dims_;
  std::vector<double> weights_;                          // per kernel, summing to 1
  std::vector<double> log_weights_;                      // per kernel
  std::vector<std::vector<double>> mu_;                  // [kernel][dim]; numbers
  std::vector<std::vector<double>> sigma_;               // [kernel][dim]; numbers
  std::vector<std::vector<double>> log_norm_;            // [kernel][dim]; log mass on the support
  std::vector<std::vector<std::vector<double>>> probs_;  // [kernel][dim][choice]; categorical
};

}  // namespace easel::automl
