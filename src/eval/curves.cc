#include "eval/curves.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace easel::eval {

ThresholdCounts CountByThreshold(std::span<const double> scores,
                                 std::span<const uint8_t> is_positive) {
  ThresholdCounts out;
  const size_t n = std::min(scores.size(), is_positive.size());
  if (n == 0) return out;
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  double tp = 0;
  for (size_t i = 0; i < n; ++i) {
    tp += is_positive[order[i]] ? 1.0 : 0.0;
    // A threshold closes at the last sample of each run of equal scores: ties move together.
    const bool last_of_run = i + 1 == n || scores[order[i + 1]] != scores[order[i]];
    if (!last_of_run) continue;
    out.thresholds.push_back(scores[order[i]]);
    out.tps.push_back(tp);
    out.fps.push_back(static_cast<double>(i + 1) - tp);
  }
  return out;
}

RocCurve ComputeRoc(const ThresholdCounts& counts) {
  RocCurve out;
  const size_t m = counts.fps.size();
  if (m == 0) return out;
  const double negatives = counts.fps.back();
  const double positives = counts.tps.back();
  if (negatives <= 0 || positives <= 0) return out;

  // sklearn's drop_intermediate: keep a threshold only where the counts bend (a non-zero second
  // difference in either coordinate); the area under the curve is unchanged.
  std::vector<size_t> keep;
  for (size_t i = 0; i < m; ++i) {
    if (m > 2 && i > 0 && i + 1 < m) {
      const double dfps = counts.fps[i + 1] - 2 * counts.fps[i] + counts.fps[i - 1];
      const double dtps = counts.tps[i + 1] - 2 * counts.tps[i] + counts.tps[i - 1];
      if (dfps == 0 && dtps == 0) continue;
    }
    keep.push_back(i);
  }
  out.points.reserve(keep.size() + 1);
  out.points.push_back({0.0, 0.0});
  for (size_t i : keep) {
    out.points.push_back({counts.fps[i] / negatives, counts.tps[i] / positives});
  }
  double area = 0;
  for (size_t i = 1; i < out.points.size(); ++i) {
    const auto& a = out.points[i - 1];
    const auto& b = out.points[i];
    area += (b[0] - a[0]) * (b[1] + a[1]) / 2.0;
  }
  out.auc = area;
  return out;
}

PrCurve ComputePrecisionRecall(const ThresholdCounts& counts) {
  PrCurve out;
  const size_t m = counts.tps.size();
  if (m == 0 || counts.tps.back() <= 0) return out;
  const double positives = counts.tps.back();
  out.points.reserve(m + 1);
  out.points.push_back({0.0, 1.0});
  double ap = 0;
  double previous_recall = 0;
  for (size_t i = 0; i < m; ++i) {
    const double predicted = counts.tps[i] + counts.fps[i];
    const double precision = predicted > 0 ? counts.tps[i] / predicted : 0.0;
    const double recall = counts.tps[i] / positives;
    ap += (recall - previous_recall) * precision;
    previous_recall = recall;
    out.points.push_back({recall, precision});
  }
  out.average_precision = ap;
  return out;
}

namespace {

// True when b lies on the segment direction from a to c (no turn and no reversal).
bool IsCollinearMiddle(const CurvePoint& a, const CurvePoint& b, const CurvePoint& c) {
  const double ux = b[0] - a[0], uy = b[1] - a[1];
  const double vx = c[0] - b[0], vy = c[1] - b[1];
  const double cross = ux * vy - uy * vx;
  const double dot = ux * vx + uy * vy;
  const double scale = (std::abs(ux) + std::abs(uy)) * (std::abs(vx) + std::abs(vy));
  return std::abs(cross) <= 1e-12 * scale && dot >= 0;
}

}  // namespace

std::vector<CurvePoint> ThinCurve(std::vector<CurvePoint> points, size_t max_points) {
  if (points.size() <= 2) return points;
  std::vector<CurvePoint> kept;
  kept.reserve(points.size());
  kept.push_back(points.front());
  for (size_t i = 1; i + 1 < points.size(); ++i) {
    if (IsCollinearMiddle(kept.back(), points[i], points[i + 1])) continue;
    kept.push_back(points[i]);
  }
  kept.push_back(points.back());
  max_points = std::max<size_t>(max_points, 2);
  if (kept.size() <= max_points) return kept;

  std::vector<CurvePoint> thinned;
  thinned.reserve(max_points);
  const size_t last = kept.size() - 1;
  for (size_t i = 0; i < max_points; ++i) {
    // Rounded even spacing over [0, last]: index 0 and `last` are both hit, none repeats.
    const size_t index = (i * last + (max_points - 1) / 2) / (max_points - 1);
    thinned.push_back(kept[index]);
  }
  return thinned;
}

}  // namespace easel::eval
