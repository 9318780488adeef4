#include "eval/calibration.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace easel::eval {
namespace {

struct BinTotals {
  std::vector<double> edges;  // bins + 1 values, numpy.linspace(0, 1, bins + 1)
  std::vector<double> sum_predicted;
  std::vector<double> sum_outcome;
  std::vector<int64_t> count;
};

BinTotals Accumulate(std::span<const double> predicted, std::span<const uint8_t> outcome,
                     int bins) {
  BinTotals t;
  bins = std::max(bins, 1);
  const double step = 1.0 / bins;
  for (int i = 0; i <= bins; ++i) t.edges.push_back(i == bins ? 1.0 : i * step);
  t.sum_predicted.assign(bins, 0.0);
  t.sum_outcome.assign(bins, 0.0);
  t.count.assign(bins, 0);
  // numpy.searchsorted(edges[1:-1], p, side="left"): the number of inner edges below p.
  const auto inner_begin = t.edges.begin() + 1;
  const auto inner_end = t.edges.end() - 1;
  const size_t n = std::min(predicted.size(), outcome.size());
  for (size_t i = 0; i < n; ++i) {
    const size_t b = std::lower_bound(inner_begin, inner_end, predicted[i]) - inner_begin;
    t.sum_predicted[b] += predicted[i];
    t.sum_outcome[b] += outcome[i] ? 1.0 : 0.0;
    ++t.count[b];
  }
  return t;
}

}  // namespace

Json ReliabilityBins(std::span<const double> predicted, std::span<const uint8_t> outcome,
                     int bins) {
  const BinTotals t = Accumulate(predicted, outcome, bins);
  Json out = Json::array();
  for (size_t b = 0; b < t.count.size(); ++b) {
    Json bin = {{"lower", t.edges[b]}, {"upper", t.edges[b + 1]}, {"count", t.count[b]}};
    if (t.count[b] > 0) {
      bin["mean_predicted"] = t.sum_predicted[b] / t.count[b];
      bin["fraction_positive"] = t.sum_outcome[b] / t.count[b];
    } else {
      bin["mean_predicted"] = nullptr;
      bin["fraction_positive"] = nullptr;
    }
    out.push_back(std::move(bin));
  }
  return out;
}

double ExpectedCalibrationError(std::span<const double> predicted, std::span<const uint8_t> outcome,
                                int bins) {
  const BinTotals t = Accumulate(predicted, outcome, bins);
  int64_t n = 0;
  for (int64_t c : t.count) n += c;
  if (n == 0) return 0.0;
  double ece = 0;
  for (size_t b = 0; b < t.count.size(); ++b) {
    if (t.count[b] == 0) continue;
    const double gap = std::abs(t.sum_outcome[b] - t.sum_predicted[b]) / t.count[b];
    ece += static_cast<double>(t.count[b]) / n * gap;
  }
  return ece;
}

}  // namespace easel::eval
