#pragma once
// Threshold curves of a binary scoring problem (ROC, precision-recall) computed the way
// scikit-learn 1.2 does, so that easel's numbers can be checked against it: one operating point
// per distinct score, ties never split.
//
// Pure functions over caller-owned spans; thread-safe; no allocation beyond the results.
// Callers validate inputs (finite scores, spans of equal length) before calling.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace easel::eval {

using CurvePoint = std::array<double, 2>;

// Cumulative counts at each distinct score, highest score first (sklearn's _binary_clf_curve):
// fps[i] / tps[i] count negatives / positives scored >= thresholds[i]. Empty when no scores.
struct ThresholdCounts {
  std::vector<double> thresholds;
  std::vector<double> fps;
  std::vector<double> tps;
};
ThresholdCounts CountByThreshold(std::span<const double> scores,
                                 std::span<const uint8_t> is_positive);

// ROC points [fpr, tpr] from (0, 0) to (1, 1) after sklearn's drop_intermediate (collinear
// thresholds removed; the area is unchanged), and the trapezoid area under them. Both are
// undefined (nullopt) when the labels hold no positive or no negative sample.
struct RocCurve {
  std::vector<CurvePoint> points;
  std::optional<double> auc;
};
RocCurve ComputeRoc(const ThresholdCounts& counts);

// Precision-recall points [recall, precision] in order of increasing recall, starting at
// sklearn's anchor (0, 1), and average precision as sklearn defines it (the step integral
// Σ (R_n − R_{n−1}) P_n, no interpolation). Undefined (nullopt, empty points) when there is no
// positive sample; sklearn 1.2 answers 0 with a warning there, which would read as "useless
// model" on a report.
struct PrCurve {
  std::vector<CurvePoint> points;
  std::optional<double> average_precision;
};
PrCurve ComputePrecisionRecall(const ThresholdCounts& counts);

// Removes interior points lying on the straight line through their neighbours, then, if more
// than max_points remain, keeps max_points evenly spaced by index. The first and last points are
// always kept, so the curve stays exact at its ends. max_points must be >= 2.
std::vector<CurvePoint> ThinCurve(std::vector<CurvePoint> points, size_t max_points);

}  // namespace easel::eval
