#pragma once
// Trial schedulers: early stopping of hyperparameter-search trials.
//
// A study runs trials (training jobs) in parallel; each trial reports an intermediate objective
// after every epoch or boosting round ("step", 1-based). After each report the study asks its
// scheduler whether the trial goes on or stops now. Objective values are minimized (the study
// negates metrics it maximizes). Schedulers keep no state: a decision is a function of the
// history the study passes in, so a study that persists its reports gets the same decisions
// after a restart.

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "common/json.h"
#include "common/status.h"

namespace easel::automl {

// One intermediate report: (step, minimized value).
using Report = std::pair<int64_t, double>;

// What the study knows about one trial.
struct TrialProgress {
  int64_t number = 0;  // 0-based, in creation order
  // Reports in strictly increasing step order. NaN values are allowed (a diverged loss) and
  // rank as the worst possible value.
  std::vector<Report> values;
  bool finished = false;  // completed, stopped or failed: no more reports will come
};

enum class Decision { kContinue, kStop };

class Scheduler {
 public:
  virtual ~Scheduler();

  // Called right after trial `number` reported its value at `step`; that report is already the
  // last entry of its TrialProgress in `trials` (which holds every trial of the study, in any
  // order, finished ones included). Reports of `number` after `step`, if the history passed
  // holds any, are ignored. A report the history does not contain answers kContinue.
  // Deterministic: the same arguments always give the same decision. Thread-safe.
  virtual Decision OnReport(std::span<const TrialProgress> trials, int64_t number,
                            int64_t step) const = 0;

  // The most steps a trial runs under this scheduler (its max resource), for budget
  // accounting; nullopt when the scheduler does not bound it (the trainer's own limit rules).
  virtual std::optional<int64_t> MaxSteps() const = 0;

  // The full configuration, every default filled in: MakeScheduler(ToJson()) builds an equal
  // scheduler.
  virtual Json ToJson() const = 0;
};

// Builds a scheduler from {"type": "asha" | "median" | "none", <options>...}; the options sit
// beside "type" and are described with each scheduler (asha.h, median_stopping.h). Errors are
// INVALID_ARGUMENT with a message naming the offending field: a config that is not an object,
// a missing or unknown type (listing the known ones), an unknown option (listing the known
// ones), a wrong type or a value out of range.
Result<std::unique_ptr<Scheduler>> MakeScheduler(const Json& config);

// For scheduler implementations: INVALID_ARGUMENT naming the first key of `config`, other than
// "type", that is not in `known`, with the known ones listed.
Status CheckKnownOptions(const Json& config, std::string_view type,
                         std::initializer_list<std::string_view> known);

// For scheduler implementations: the reports of trial `number` up to and including its report
// at `step`, or nullopt when `trials` holds no such report. The span points into `trials`.
std::optional<std::span<const Report>> ReportsUpTo(std::span<const TrialProgress> trials,
                                                   int64_t number, int64_t step);

}  // namespace easel::automl
