#pragma once
// Median stopping rule (Golovin et al., "Google Vizier", KDD 2017; Ray Tune's
// MedianStoppingRule; Optuna's MedianPruner): stop a trial whose best value so far is worse than
// the median of what the other trials had achieved by the same step.
//
// At a checked report of trial T at step s, every other trial that has reached s (its last
// report is at or past s, finished or still running) contributes the running average of its
// values at steps ≤ s; T stops when its best value at steps ≤ s is strictly greater than the
// median of those averages (the mean of the two middle ones for an even count). Choices:
//   - running averages (Vizier, Ray Tune), not the others' values at s (Optuna): an average
//     carries each curve's early, worse values, so the bar is lenient and one noisy report
//     cannot stop a good trial, at the cost of stopping fewer weak ones.
//   - the others must have reached s, so each average covers the same span of training as T's
//     best; a trial that skipped step s but reported past it counts, averaging its reports ≤ s.
//   - running trials count as well as finished ones (Ray Tune): the bar is available before
//     trials finish, and n_startup_trials already holds it back at the start.
//   - NaN values are skipped; a trial whose every value at steps ≤ s is NaN stops, and gives
//     no average to others. No other trial at s, no decision: T goes on.
//
// Options:
//   n_startup_trials: nothing stops until that many trials have finished with at least one
//     report (a trial that failed before reporting says nothing about the curve).
//   n_warmup_steps: nothing stops at steps ≤ n_warmup_steps.
//   interval_steps: checks happen at steps n_warmup_steps + j·interval_steps (j ≥ 1); a trial
//     that skips such a step is checked at its first report past it. Other reports go on.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "automl/scheduler.h"
#include "common/json.h"
#include "common/status.h"

namespace easel::automl {

struct MedianStoppingOptions {
  int64_t n_startup_trials = 5;  // ≥ 0
  int64_t n_warmup_steps = 0;    // ≥ 0
  int64_t interval_steps = 1;    // ≥ 1
};

class MedianStoppingScheduler final : public Scheduler {
 public:
  // JSON options (all optional): "n_startup_trials" (0..10^6), "n_warmup_steps" (0..10^9),
  // "interval_steps" (1..10^9). Errors are INVALID_ARGUMENT naming the option.
  static Result<std::unique_ptr<Scheduler>> FromJson(const Json& config);

  // `options` must be valid (as FromJson checks).
  explicit MedianStoppingScheduler(const MedianStoppingOptions& options) : options_(options) {}

  Decision OnReport(std::span<const TrialProgress> trials, int64_t number,
                    int64_t step) const override;
  std::optional<int64_t> MaxSteps() const override { return std::nullopt; }
  Json ToJson() const override;

 private:
  MedianStoppingOptions options_;
};

}  // namespace easel::automl
