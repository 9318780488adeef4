#include "eval/classification.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "eval/calibration.h"
#include "eval/curves.h"

namespace easel::eval {
namespace {

// Producers such as a float softmax may overshoot 1 by a rounding step; anything beyond this is
// not a probability.
constexpr double kProbabilityTolerance = 1e-5;
constexpr double kLogLossEps = 1e-15;

Status Validate(std::span<const float> probs, size_t k, std::span<const int> labels,
                const std::vector<std::string>& class_names, const ClassificationOptions& opts) {
  const size_t n = labels.size();
  if (n == 0) return InvalidArgument("no samples to evaluate: labels is empty");
  if (k < 2) {
    return InvalidArgument("num_classes must be at least 2, got " + std::to_string(k));
  }
  if (probs.size() != n * k) {
    return InvalidArgument("probs has " + std::to_string(probs.size()) + " values but " +
                           std::to_string(n) + " labels × " + std::to_string(k) + " classes need " +
                           std::to_string(n * k));
  }
  if (!class_names.empty() && class_names.size() != k) {
    return InvalidArgument("class_names has " + std::to_string(class_names.size()) +
                           " names but num_classes is " + std::to_string(k));
  }
  if (opts.bins < 1 || opts.bins > 1000) {
    return InvalidArgument("bins must be between 1 and 1000, got " + std::to_string(opts.bins));
  }
  if (opts.max_curve_points < 2) {
    return InvalidArgument("max_curve_points must be at least 2, got " +
                           std::to_string(opts.max_curve_points));
  }
  for (size_t i = 0; i < n; ++i) {
    if (labels[i] < 0 || static_cast<size_t>(labels[i]) >= k) {
      return InvalidArgument("label " + std::to_string(labels[i]) + " at row " + std::to_string(i) +
                             " is outside [0, " + std::to_string(k) + ")");
    }
  }
  for (size_t i = 0; i < probs.size(); ++i) {
    const double p = probs[i];
    std::string problem;
    if (std::isnan(p)) {
      problem = "is NaN";
    } else if (std::isinf(p)) {
      problem = "is infinite";
    } else if (p < 0) {
      problem = "is negative (" + std::to_string(p) + ")";
    } else if (p > 1 + kProbabilityTolerance) {
      problem = "is greater than 1 (" + std::to_string(p) + ")";
    }
    if (!problem.empty()) {
      return InvalidArgument("probability at row " + std::to_string(i / k) + ", class " +
                             std::to_string(i % k) + " " + problem);
    }
  }
  return OkStatus();
}

// 0/0 is 0, sklearn's zero_division=0.
double Ratio(double num, double den) { return den > 0 ? num / den : 0.0; }

Json OptionalNumber(const std::optional<double>& v) {
  return v.has_value() ? Json(*v) : Json(nullptr);
}

Json PointsJson(std::vector<CurvePoint> points, size_t max_points) {
  Json out = Json::array();
  for (const auto& p : ThinCurve(std::move(points), max_points)) out.push_back({p[0], p[1]});
  return out;
}

struct Curves {
  Json roc = Json::array();
  Json pr = Json::array();
  std::vector<double> aucs;  // defined ones only
};

Curves ComputeCurves(std::span<const float> probs, size_t k, std::span<const int> labels,
                     const std::vector<std::string>& names, size_t max_points) {
  Curves out;
  const size_t n = labels.size();
  std::vector<double> scores(n);
  std::vector<uint8_t> positive(n);
  // A binary problem is one curve, the positive class's; the other would be its mirror image.
  for (size_t c = (k == 2 ? 1 : 0); c < k; ++c) {
    for (size_t i = 0; i < n; ++i) {
      scores[i] = probs[i * k + c];
      positive[i] = static_cast<size_t>(labels[i]) == c ? 1 : 0;
    }
    const ThresholdCounts counts = CountByThreshold(scores, positive);
    RocCurve roc = ComputeRoc(counts);
    PrCurve pr = ComputePrecisionRecall(counts);
    if (roc.auc) out.aucs.push_back(*roc.auc);
    out.roc.push_back({{"class", names[c]},
                       {"auc", OptionalNumber(roc.auc)},
                       {"points", PointsJson(std::move(roc.points), max_points)}});
    out.pr.push_back({{"class", names[c]},
                      {"average_precision", OptionalNumber(pr.average_precision)},
                      {"points", PointsJson(std::move(pr.points), max_points)}});
  }
  return out;
}

}  // namespace

Result<Json> EvaluateClassification(std::span<const float> probs, size_t num_classes,
                                    std::span<const int> labels,
                                    const std::vector<std::string>& class_names,
                                    const ClassificationOptions& opts) {
  EASEL_RETURN_IF_ERROR(Validate(probs, num_classes, labels, class_names, opts));
  const size_t n = labels.size();
  const size_t k = num_classes;
  std::vector<std::string> names = class_names;
  if (names.empty()) {
    for (size_t c = 0; c < k; ++c) names.push_back(std::to_string(c));
  }

  std::vector<std::vector<int64_t>> confusion(k, std::vector<int64_t>(k, 0));
  std::vector<double> top_confidence(n);
  std::vector<uint8_t> top_correct(n);
  int64_t correct = 0;
  double log_loss = 0;
  for (size_t i = 0; i < n; ++i) {
    const float* row = probs.data() + i * k;
    const size_t predicted = std::max_element(row, row + k) - row;  // first maximum, as argmax
    const size_t truth = static_cast<size_t>(labels[i]);
    ++confusion[truth][predicted];
    top_confidence[i] = row[predicted];
    top_correct[i] = predicted == truth ? 1 : 0;
    correct += top_correct[i];
    double row_sum = 0;
    for (size_t c = 0; c < k; ++c)
      row_sum += std::clamp<double>(row[c], kLogLossEps, 1 - kLogLossEps);
    log_loss -= std::log(std::clamp<double>(row[truth], kLogLossEps, 1 - kLogLossEps) / row_sum);
  }

  Json per_class = Json::array();
  double macro[3] = {0, 0, 0};
  double weighted[3] = {0, 0, 0};
  for (size_t c = 0; c < k; ++c) {
    int64_t support = 0, predicted = 0;
    for (size_t j = 0; j < k; ++j) {
      support += confusion[c][j];
      predicted += confusion[j][c];
    }
    const double tp = static_cast<double>(confusion[c][c]);
    const double precision = Ratio(tp, predicted);
    const double recall = Ratio(tp, support);
    const double f1 = Ratio(2 * precision * recall, precision + recall);
    per_class.push_back({{"class", names[c]},
                         {"precision", precision},
                         {"recall", recall},
                         {"f1", f1},
                         {"support", support}});
    const double values[3] = {precision, recall, f1};
    for (int m = 0; m < 3; ++m) {
      macro[m] += values[m] / k;
      weighted[m] += values[m] * support / n;
    }
  }

  Json matrix = Json::array();
  for (const auto& row : confusion) matrix.push_back(row);

  Curves curves = ComputeCurves(probs, k, labels, names, opts.max_curve_points);

  Json out = {
      {"task", "classification"},
      {"num_samples", n},
      {"num_classes", k},
      {"accuracy", static_cast<double>(correct) / n},
      {"log_loss", log_loss / n},
      {"per_class", std::move(per_class)},
      {"macro_avg", {{"precision", macro[0]}, {"recall", macro[1]}, {"f1", macro[2]}}},
      {"weighted_avg", {{"precision", weighted[0]}, {"recall", weighted[1]}, {"f1", weighted[2]}}},
      {"confusion_matrix", {{"labels", names}, {"matrix", std::move(matrix)}}},
      {"roc", std::move(curves.roc)},
      {"pr", std::move(curves.pr)},
  };
  if (k == 2) {
    out["roc_auc"] = curves.aucs.empty() ? Json(nullptr) : Json(curves.aucs.front());
  } else {
    double sum = 0;
    for (double a : curves.aucs) sum += a;
    out["roc_auc_macro"] = curves.aucs.empty() ? Json(nullptr) : Json(sum / curves.aucs.size());
  }

  Json calibration = {{"ece", ExpectedCalibrationError(top_confidence, top_correct, opts.bins)}};
  if (k == 2) {
    std::vector<double> p_positive(n);
    std::vector<uint8_t> is_positive(n);
    for (size_t i = 0; i < n; ++i) {
      p_positive[i] = probs[i * 2 + 1];
      is_positive[i] = labels[i] == 1 ? 1 : 0;
    }
    calibration["target"] = "positive_class";
    calibration["bins"] = ReliabilityBins(p_positive, is_positive, opts.bins);
  } else {
    calibration["target"] = "top_label";
    calibration["bins"] = ReliabilityBins(top_confidence, top_correct, opts.bins);
  }
  out["calibration"] = std::move(calibration);
  return out;
}

}  // namespace easel::eval
