#include "automl/parzen_estimator.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <numeric>

namespace easel::automl {

namespace {

constexpr double kHalfLog2Pi = 0.91893853320467274178;  // log(2 pi) / 2

// Phi(b) - Phi(a) for a < b, taking the difference in whichever tail keeps it accurate.
double NormalMass(double a, double b) {
  const double r = std::numbers::sqrt2 / 2;
  if (a >= 0) return 0.5 * (std::erfc(a * r) - std::erfc(b * r));
  if (b <= 0) return 0.5 * (std::erfc(-b * r) - std::erfc(-a * r));
  return 1.0 - 0.5 * std::erfc(-a * r) - 0.5 * std::erfc(b * r);
}

// Log of the standard normal's mass on [a, b]; far in a tail, where the difference underflows,
// the density at the middle times the width.
double LogNormalMass(double a, double b) {
  double m = NormalMass(a, b);
  if (m > 1e-280) return std::log(m);
  double mid = 0.5 * (a + b);
  return -0.5 * mid * mid - kHalfLog2Pi + std::log(b - a);
}

// Optuna's default: equal weights, except that beyond 25 observations the older ones fade
// linearly so the search can move on.
std::vector<double> ObservationWeights(size_t n) {
  std::vector<double> w(n, 1.0);
  if (n < 25) return w;
  const size_t ramp = n - 25;
  for (size_t i = 0; i < ramp; ++i) {
    double start = 1.0 / static_cast<double>(n);
    w[i] = ramp == 1 ? start : start + (1.0 - start) * static_cast<double>(i) / (ramp - 1);
  }
  return w;
}

// The univariate bandwidth rule: each kernel as wide as the larger gap to its sorted
// neighbours; the outermost kernels use their inner gap only (no endpoint gaps).
std::vector<double> NeighbourSigmas(const std::vector<double>& mus, double low, double high) {
  const size_t n = mus.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return mus[a] < mus[b]; });
  std::vector<double> e = {low};
  for (size_t i : order) e.push_back(mus[i]);
  e.push_back(high);
  std::vector<double> sigmas(n);
  for (size_t j = 0; j < n; ++j) {
    double s = std::max(e[j + 1] - e[j], e[j + 2] - e[j + 1]);
    if (n >= 2 && j == 0) s = e[2] - e[1];
    if (n >= 2 && j == n - 1) s = e[n] - e[n - 1];
    sigmas[order[j]] = s;
  }
  return sigmas;
}

}  // namespace

ParzenDimension::ParzenDimension(const ParamSpec& spec) : spec_(&spec) {
  if (categorical()) return;
  const double half = discrete() ? 0.5 * static_cast<double>(spec.step) : 0.0;
  low_ = Forward(spec.low - half);
  high_ = Forward(spec.high + half);
}

double ParzenDimension::Forward(double v) const { return spec_->log_scale() ? std::log(v) : v; }

bool ParzenDimension::Encode(const Json& value, double* x) const {
  if (categorical()) {
    int index = spec_->ChoiceIndex(value);
    *x = index;
    return index >= 0;
  }
  if (!spec_->CheckValue(value).ok()) return false;
  *x = Forward(value.get<double>());
  return true;
}

Json ParzenDimension::Decode(double x) const {
  if (categorical()) {
    auto last = static_cast<double>(n_choices() - 1);
    return spec_->choices[static_cast<size_t>(std::clamp(std::round(x), 0.0, last))];
  }
  double v = spec_->log_scale() ? std::exp(x) : x;
  if (!discrete()) return std::clamp(v, spec_->low, spec_->high);
  double k = std::round((v - spec_->low) / static_cast<double>(spec_->step));
  k = std::clamp(k, 0.0, static_cast<double>(spec_->IntCount() - 1));
  return spec_->IntValue(static_cast<int64_t>(k));
}

void ParzenDimension::Cell(double x, double* a, double* b) const {
  double v = Decode(x).get<double>();
  double half = 0.5 * static_cast<double>(spec_->step);
  *a = Forward(v - half);
  *b = Forward(v + half);
}

ParzenEstimator::ParzenEstimator(const std::vector<ParzenDimension>& dims,
                                 const std::vector<std::vector<double>>& observations,
                                 const ParzenOptions& options)
    : dims_(dims) {
  const size_t n = observations.size();
  const size_t kernels = n + 1;  // the last one is the prior
  weights_ = ObservationWeights(n);
  weights_.push_back(options.prior_weight);
  double total = std::accumulate(weights_.begin(), weights_.end(), 0.0);
  for (double& w : weights_) {
    w /= total;
    log_weights_.push_back(std::log(w));
  }
  mu_.assign(kernels, std::vector<double>(dims.size(), 0.0));
  sigma_.assign(kernels, std::vector<double>(dims.size(), 1.0));
  log_norm_.assign(kernels, std::vector<double>(dims.size(), 0.0));
  probs_.assign(kernels, std::vector<std::vector<double>>(dims.size()));
  for (size_t d = 0; d < dims.size(); ++d) {
    const ParzenDimension& dim = dims[d];
    if (dim.categorical()) {
      const size_t c = dim.n_choices();
      const double spread = options.prior_weight / static_cast<double>(c);
      for (size_t k = 0; k < n; ++k) {
        std::vector<double> p(c, spread / (options.prior_weight + 1.0));
        p[static_cast<size_t>(observations[k][d])] += 1.0 / (options.prior_weight + 1.0);
        probs_[k][d] = std::move(p);
      }
      probs_[n][d].assign(c, 1.0 / static_cast<double>(c));
      continue;
    }
    const double range = dim.high() - dim.low();
    std::vector<double> mus(n);
    for (size_t k = 0; k < n; ++k) mus[k] = observations[k][d];
    std::vector<double> sigmas;
    if (options.multivariate) {
      // Scott's rule scaled as Optuna's multivariate TPE does.
      double s = 0.2 * std::pow(std::max<double>(n, 1), -1.0 / (dims.size() + 4.0)) * range;
      sigmas.assign(n, s);
    } else {
      sigmas = NeighbourSigmas(mus, dim.low(), dim.high());
    }
    mus.push_back(0.5 * (dim.low() + dim.high()));
    sigmas.push_back(range);
    // The "magic clip": no kernel narrower than range / min(100, kernels + 1) or wider than the
    // range, so a few close observations cannot collapse the density onto a point.
    const double min_sigma = range / std::min(100.0, static_cast<double>(kernels) + 1.0);
    for (size_t k = 0; k < kernels; ++k) {
      mu_[k][d] = mus[k];
      sigma_[k][d] = std::clamp(sigmas[k], min_sigma, range);
      log_norm_[k][d] = LogNormalMass((dim.low() - mu_[k][d]) / sigma_[k][d],
                                      (dim.high() - mu_[k][d]) / sigma_[k][d]);
    }
  }
}

std::vector<double> ParzenEstimator::Sample(TrialRng& rng) const {
  double u = rng.Uniform();
  size_t k = 0;
  while (k + 1 < weights_.size() && u >= weights_[k]) u -= weights_[k++];
  std::vector<double> x(dims_.size());
  for (size_t d = 0; d < dims_.size(); ++d) {
    const ParzenDimension& dim = dims_[d];
    if (dim.categorical()) {
      const std::vector<double>& p = probs_[k][d];
      double v = rng.Uniform();
      size_t c = 0;
      while (c + 1 < p.size() && v >= p[c]) v -= p[c++];
      x[d] = static_cast<double>(c);
      continue;
    }
    // The kernel's mean lies inside the support and its width is at most the support's, so
    // a draw lands inside at least a third of the time.
    x[d] = rng.Uniform(dim.low(), dim.high());
    for (int tries = 0; tries < 100; ++tries) {
      double z = mu_[k][d] + sigma_[k][d] * rng.Normal();
      if (z >= dim.low() && z <= dim.high()) {
        x[d] = z;
        break;
      }
    }
  }
  return x;
}

double ParzenEstimator::LogDensity(const std::vector<double>& x) const {
  std::vector<double> a(dims_.size()), b(dims_.size());
  for (size_t d = 0; d < dims_.size(); ++d) {
    if (dims_[d].discrete()) dims_[d].Cell(x[d], &a[d], &b[d]);
  }
  std::vector<double> terms(weights_.size());
  for (size_t k = 0; k < weights_.size(); ++k) {
    double s = log_weights_[k];
    for (size_t d = 0; d < dims_.size(); ++d) {
      const ParzenDimension& dim = dims_[d];
      if (dim.categorical()) {
        s += std::log(probs_[k][d][static_cast<size_t>(x[d])]);
        continue;
      }
      const double mu = mu_[k][d], sigma = sigma_[k][d];
      const double log_z = log_norm_[k][d];
      if (dim.discrete()) {
        s += LogNormalMass((a[d] - mu) / sigma, (b[d] - mu) / sigma) - log_z;
      } else {
        const double z = (x[d] - mu) / sigma;
        s += -0.5 * z * z - kHalfLog2Pi - std::log(sigma) - log_z;
      }
    }
    terms[k] = s;
  }
  const double top = *std::max_element(terms.begin(), terms.end());
  double sum = 0;
  for (double t : terms) sum += std::exp(t - top);
  return top + std::log(sum);
}

}  // namespace easel::automl
