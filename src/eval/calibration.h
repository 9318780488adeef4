#pragma once
// Reliability (calibration) statistics over uniform probability bins, binned exactly like
// scikit-learn's calibration_curve(strategy="uniform"): edges i/bins, bin b holds the
// predictions p with edge[b] < p <= edge[b+1] (the first bin also takes p = 0).
//
// Pure functions; thread-safe. Callers validate that predictions lie in [0, 1] and that the
// spans have equal length.

#include <cstdint>
#include <span>

#include "common/json.h"

namespace easel::eval {

// One JSON object per bin, empty bins included so a chart can show the gaps:
//   {"lower", "upper", "count", "mean_predicted", "fraction_positive"}
// where the two means are null for an empty bin. `outcome` is 1 where the event happened (the
// sample is positive, or the top-label prediction was right). bins >= 1.
Json ReliabilityBins(std::span<const double> predicted, std::span<const uint8_t> outcome, int bins);

// Expected calibration error Σ_b (count_b / n) · |fraction_positive_b − mean_predicted_b| over
// the same bins; 0 when there are no predictions.
double ExpectedCalibrationError(std::span<const double> predicted, std::span<const uint8_t> outcome,
                                int bins);

}  // namespace easel::eval
