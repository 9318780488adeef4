#include "eval/regression.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace easel::eval {
namespace {

Status CheckFinite(std::span<const float> values, const char* what) {
  for (size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) {
      return InvalidArgument(std::string(what) + " value at index " + std::to_string(i) + " is " +
                             (std::isnan(values[i]) ? "NaN" : "infinite"));
    }
  }
  return OkStatus();
}

Status Validate(std::span<const float> predicted, std::span<const float> truth,
                const RegressionOptions& opts) {
  if (predicted.size() != truth.size()) {
    return InvalidArgument("predicted has " + std::to_string(predicted.size()) +
                           " values but truth has " + std::to_string(truth.size()));
  }
  if (truth.empty()) return InvalidArgument("no samples to evaluate: truth is empty");
  if (opts.bins < 1 || opts.bins > 1000) {
    return InvalidArgument("bins must be between 1 and 1000, got " + std::to_string(opts.bins));
  }
  if (opts.max_points < 1) return InvalidArgument("max_points must be at least 1, got 0");
  EASEL_RETURN_IF_ERROR(CheckFinite(predicted, "predicted"));
  return CheckFinite(truth, "truth");
}

// numpy.histogram(values, bins) for equal-width bins, including its edge arithmetic
// (linspace) and its last-bin-closed rule, so counts agree value for value.
Json Histogram(const std::vector<double>& values, int bins) {
  double first = *std::min_element(values.begin(), values.end());
  double last = *std::max_element(values.begin(), values.end());
  if (first == last) {
    first -= 0.5;
    last += 0.5;
  }
  std::vector<double> edges(bins + 1);
  const double step = (last - first) / bins;
  for (int i = 0; i < bins; ++i) edges[i] = i * step + first;
  edges[bins] = last;
  std::vector<int64_t> counts(bins, 0);
  const double norm = bins / (last - first);
  for (double v : values) {
    auto index = static_cast<int64_t>((v - first) * norm);
    index = std::clamp<int64_t>(index, 0, bins - 1);
    // The scaled index can be one off within an ulp of an edge; the edges decide.
    if (v < edges[index] && index > 0) --index;
    if (v >= edges[index + 1] && index != bins - 1) ++index;
    ++counts[index];
  }
  return {{"edges", edges}, {"counts", counts}};
}

}  // namespace

Result<Json> EvaluateRegression(std::span<const float> predicted, std::span<const float> truth,
                                const RegressionOptions& opts) {
  EASEL_RETURN_IF_ERROR(Validate(predicted, truth, opts));
  const size_t n = truth.size();
  constexpr double kEps = std::numeric_limits<double>::epsilon();

  double mean_truth = 0;
  for (float t : truth) mean_truth += t;
  mean_truth /= n;

  std::vector<double> residuals(n);
  double squared = 0, absolute = 0, percentage = 0, max_error = 0, total = 0;
  for (size_t i = 0; i < n; ++i) {
    const double t = truth[i];
    const double r = t - static_cast<double>(predicted[i]);
    residuals[i] = r;
    squared += r * r;
    absolute += std::abs(r);
    percentage += std::abs(r) / std::max(std::abs(t), kEps);
    max_error = std::max(max_error, std::abs(r));
    total += (t - mean_truth) * (t - mean_truth);
  }

  // Constant truth is tested directly: its mean can miss the value by an ulp, and a tiny
  // SS_tot would turn sklearn's "0 or 1" rule into a huge negative score.
  const bool constant_truth =
      std::all_of(truth.begin(), truth.end(), [&](float t) { return t == truth[0]; });
  Json r2 = nullptr;
  if (n >= 2) {
    if (!constant_truth && total != 0) {
      r2 = 1.0 - squared / total;
    } else {
      r2 = squared == 0 ? 1.0 : 0.0;
    }
  }

  Json points = Json::array();
  const size_t kept = std::min(n, opts.max_points);
  for (size_t j = 0; j < kept; ++j) {
    const size_t i = j * n / kept;
    points.push_back({static_cast<double>(predicted[i]), residuals[i]});
  }

  return Json{{"task", "regression"},
              {"num_samples", n},
              {"rmse", std::sqrt(squared / n)},
              {"mae", absolute / n},
              {"r2", std::move(r2)},
              {"mape", percentage / n},
              {"max_error", max_error},
              {"residuals",
               {{"histogram", Histogram(residuals, opts.bins)}, {"points", std::move(points)}}}};
}

}  // namespace easel::eval
