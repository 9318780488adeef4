#pragma once
// ASHA: asynchronous successive halving (Li et al., "A System for Massively Parallel
// Hyperparameter Tuning", MLSys 2020), in the stopping form of Ray Tune's ASHAScheduler and
// Optuna's SuccessiveHalvingPruner: trials are never paused and resumed; a trial reaching a rung
// either goes on or stops for good.
//
// Rungs sit at steps r·η^(s+k), k = 0, 1, ..., below R. When a trial's report first reaches a
// rung (its step is at or past the rung step and its previous report was before it), its rung
// value is compared with the rung values of every trial that has reached that rung so far,
// itself and finished trials included, n values in all. The trial goes on when fewer than
// max(1, ⌊n/η⌋) of them are strictly better than its own, and stops otherwise. So:
//   - the first trial at a rung always goes on, and while fewer than η trials have reached it
//     the trial goes on only if it is the best so far (Optuna's choice; Ray Tune's percentile
//     cutoff behaves alike). Early trials are judged leniently, which is the price of not
//     waiting for a rung to fill; a stricter bootstrap would stop good early trials outright.
//   - ties at the cutoff go on, so trials with equal values share a fate.
// Reports between rungs, and at or past R, go on: R is the trainer's own limit, and stopping
// there would mark a completed trial as stopped. A report that jumps over several rungs is
// judged at each of them in turn.
//
// A trial's rung value is its value at the rung step or, when it skipped that step, at its last
// report before it; a trial whose first report is already past the rung uses that first value.
// A NaN value is the worst: a NaN rung value always stops.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "automl/scheduler.h"
#include "common/json.h"
#include "common/status.h"

namespace easel::automl {

struct AshaOptions {
  int64_t min_resource = 1;             // r: steps before the first rung, ≥ 1
  int64_t reduction_factor = 3;         // η: a rung keeps about 1/η of the trials, ≥ 2
  std::optional<int64_t> max_resource;  // R: the trainer's steps (epochs); no rung at or past it
  int64_t min_early_stopping_rate = 0;  // s: skips the first s rungs
};

class AshaScheduler final : public Scheduler {
 public:
  // JSON options (all optional): "min_resource" (1..10^9), "reduction_factor" (2..100),
  // "max_resource" (1..10^12, must exceed the first rung r·η^s, or nothing would ever be
  // stopped), "min_early_stopping_rate" (0..60, r·η^s must stay within 10^12). Errors are
  // INVALID_ARGUMENT naming the option.
  static Result<std::unique_ptr<Scheduler>> FromJson(const Json& config);

  // `options` must be valid (as FromJson checks).
  explicit AshaScheduler(const AshaOptions& options);

  Decision OnReport(std::span<const TrialProgress> trials, int64_t number,
                    int64_t step) const override;
  std::optional<int64_t> MaxSteps() const override { return options_.max_resource; }
  Json ToJson() const override;

  // The rung steps, ascending. Without max_resource they go on up to 10^12.
  const std::vector<int64_t>& rungs() const { return rungs_; }

 private:
  AshaOptions options_;
  std::vector<int64_t> rungs_;
};

}  // namespace easel::automl
