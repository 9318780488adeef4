#include "train/trainers/torch_tabular/dataset.h"

#include <cmath>
#include <string>

namespace easel::train::torch_tabular {
namespace {

Status ValidateSplit(const TabularProblem& p, const TabularSplit& split, std::string_view name) {
  const auto& x = split.x;
  const std::string where = std::string(name) + " split";
  if (x.rows == 0) return OkStatus();
  if (x.cols != p.feature_names.size()) {
    return InvalidArgument(where + " has " + std::to_string(x.cols) + " columns but there are " +
                           std::to_string(p.feature_names.size()) + " feature names");
  }
  if (x.data.size() != x.rows * x.cols) {
    return InvalidArgument(where + " holds " + std::to_string(x.data.size()) +
                           " values, not rows × columns = " + std::to_string(x.rows * x.cols));
  }
  if (split.y.size() != x.rows) {
    return InvalidArgument(where + " has " + std::to_string(split.y.size()) + " targets for " +
                           std::to_string(x.rows) + " rows");
  }
  for (size_t i = 0; i < x.data.size(); ++i) {
    const float v = x.data[i];
    if (std::isfinite(v)) continue;
    const std::string& feature = p.feature_names[i % x.cols];
    if (std::isnan(v)) {
      return InvalidArgument("feature '" + feature + "' has missing values; add an impute step");
    }
    return InvalidArgument("feature '" + feature + "' has infinite values");
  }
  const size_t k = p.num_classes();
  for (float y : split.y) {
    if (p.task == Task::kRegression) {
      if (!std::isfinite(y)) return InvalidArgument(where + " has a non-finite target");
    } else if (!(y >= 0) || y >= static_cast<float>(k) || std::trunc(y) != y) {
      return InvalidArgument(where + " has label " + std::to_string(y) +
                             ", not a class index below " + std::to_string(k));
    }
  }
  return OkStatus();
}

}  // namespace

Status ValidateProblem(const TabularProblem& p) {
  if (p.train.rows() == 0) return InvalidArgument("the training split has no rows");
  if (p.feature_names.empty()) return InvalidArgument("the problem has no features");
  if (p.task == Task::kBinary && p.num_classes() != 2) {
    return InvalidArgument("binary classification needs exactly 2 classes, not " +
                           std::to_string(p.num_classes()));
  }
  if (p.task == Task::kMulticlass && p.num_classes() < 2) {
    return InvalidArgument("classification needs at least 2 classes");
  }
  EASEL_RETURN_IF_ERROR(ValidateSplit(p, p.train, "train"));
  return ValidateSplit(p, p.val, "validation");
}

Standardization FitStandardization(const data::transforms::FeatureMatrix& train, bool enabled) {
  Standardization s{std::vector<float>(train.cols, 0.0f), std::vector<float>(train.cols, 1.0f)};
  if (!enabled || train.rows == 0) return s;
  for (size_t c = 0; c < train.cols; ++c) {
    double sum = 0;
    for (size_t r = 0; r < train.rows; ++r) sum += train.data[r * train.cols + c];
    const double mean = sum / static_cast<double>(train.rows);
    double sq = 0;
    for (size_t r = 0; r < train.rows; ++r) {
      const double d = train.data[r * train.cols + c] - mean;
      sq += d * d;
    }
    const double std = std::sqrt(sq / static_cast<double>(train.rows));
    s.mean[c] = static_cast<float>(mean);
    // Constant (or nearly) columns carry no signal; dividing by ~0 would only blow up noise.
    s.std[c] = std > 1e-12 ? static_cast<float>(std) : 1.0f;
  }
  return s;
}

std::vector<float> Standardize(data::transforms::FeatureView x, const Standardization& s) {
  std::vector<float> out(x.rows * x.cols);
  for (size_t r = 0; r < x.rows; ++r) {
    for (size_t c = 0; c < x.cols; ++c) {
      const size_t i = r * x.cols + c;
      out[i] = (x.data[i] - s.mean[c]) / s.std[c];
    }
  }
  return out;
}

void FitTarget(const std::vector<float>& y, double* mean, double* std) {
  double sum = 0;
  for (float v : y) sum += v;
  *mean = y.empty() ? 0.0 : sum / static_cast<double>(y.size());
  double sq = 0;
  for (float v : y) sq += (v - *mean) * (v - *mean);
  const double s = y.empty() ? 0.0 : std::sqrt(sq / static_cast<double>(y.size()));
  *std = s > 1e-12 ? s : 1.0;
}

}  // namespace easel::train::torch_tabular
