#pragma once
// Regression metrics, numerically matching scikit-learn 1.2 run on the float64 cast of the
// inputs, plus the residual data a report draws.
//
// EvaluateRegression is a pure function over caller-owned spans: no state, safe from any
// thread. Bad input answers INVALID_ARGUMENT with a sentence naming the problem; it never
// throws or aborts. O(n) time and memory.

#include <cstddef>
#include <span>

#include "common/json.h"
#include "common/status.h"

namespace easel::eval {

struct RegressionOptions {
  // Equal-width bins of the residual histogram; 1..1000.
  int bins = 20;
  // Residual scatter points kept; more samples are thinned by even, deterministic sampling; >= 1.
  size_t max_points = 500;
};

// Output (residual = truth − predicted):
// {
//   "task": "regression", "num_samples": n,
//   "rmse":  sqrt(mean squared error),
//   "mae":   mean absolute error,
//   "r2":    sklearn r2_score: 1 − SS_res / SS_tot; for constant truth 1 when the predictions
//            are exact and 0 otherwise (sklearn's force_finite); null when n < 2,
//   "mape":  sklearn mean_absolute_percentage_error: mean |truth − predicted| / max(|truth|,
//            float64 eps) — a fraction, not a percentage, and huge when a truth is 0,
//   "max_error": the largest |truth − predicted|,
//   "residuals": {
//     "histogram": {"edges": [bins + 1 numbers], "counts": [bins integers]}   numpy.histogram
//                  of the residuals (range min..max, widened by ±0.5 when all are equal),
//     "points": [[predicted, residual], …]   all samples when n <= max_points, else the
//                  max_points samples at indices floor(i · n / max_points)
//   }
// }
//
// INVALID_ARGUMENT when: the spans differ in length; they are empty; a value is NaN or
// infinite; options are out of range.
Result<Json> EvaluateRegression(std::span<const float> predicted, std::span<const float> truth,
                                const RegressionOptions& opts = {});

}  // namespace easel::eval
