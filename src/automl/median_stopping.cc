#include "automl/median_stopping.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace easel::automl {
namespace {

// How many check steps (n_warmup_steps + j·interval_steps, j ≥ 1) lie at or before `step`.
int64_t ChecksUpTo(const MedianStoppingOptions& o, int64_t step) {
  return step <= o.n_warmup_steps ? 0 : (step - o.n_warmup_steps) / o.interval_steps;
}

// The mean of the non-NaN values at steps ≤ `step`, or NaN when there are none.
double RunningAverage(std::span<const Report> reports, int64_t step) {
  double sum = 0;
  int64_t count = 0;
  for (const Report& r : reports) {
    if (r.first > step) break;
    if (std::isnan(r.second)) continue;
    sum += r.second;
    ++count;
  }
  return count == 0 ? NAN : sum / static_cast<double>(count);
}

double Median(std::vector<double>& values) {
  const size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + mid, values.end());
  if (values.size() % 2 == 1) return values[mid];
  const double upper = values[mid];
  const double lower = *std::max_element(values.begin(), values.begin() + mid);
  return lower / 2 + upper / 2;  // no overflow near the double limit
}

}  // namespace

Result<std::unique_ptr<Scheduler>> MedianStoppingScheduler::FromJson(const Json& config) {
  EASEL_RETURN_IF_ERROR(CheckKnownOptions(
      config, "median", {"n_startup_trials", "n_warmup_steps", "interval_steps"}));
  MedianStoppingOptions o;
  EASEL_ASSIGN_OR_RETURN(auto startup, GetOptionalInt(config, "n_startup_trials", 0, 1'000'000));
  EASEL_ASSIGN_OR_RETURN(auto warmup, GetOptionalInt(config, "n_warmup_steps", 0, 1'000'000'000));
  EASEL_ASSIGN_OR_RETURN(auto interval, GetOptionalInt(config, "interval_steps", 1, 1'000'000'000));
  o.n_startup_trials = startup.value_or(o.n_startup_trials);
  o.n_warmup_steps = warmup.value_or(o.n_warmup_steps);
  o.interval_steps = interval.value_or(o.interval_steps);
  return std::unique_ptr<Scheduler>(new MedianStoppingScheduler(o));
}

Decision MedianStoppingScheduler::OnReport(std::span<const TrialProgress> trials, int64_t number,
                                           int64_t step) const {
  std::optional<std::span<const Report>> mine = ReportsUpTo(trials, number, step);
  if (!mine) return Decision::kContinue;
  const int64_t previous_step = mine->size() > 1 ? (*mine)[mine->size() - 2].first : 0;
  if (ChecksUpTo(options_, step) == ChecksUpTo(options_, previous_step)) {
    return Decision::kContinue;  // warmup, or between checks
  }

  int64_t finished = 0;
  for (const TrialProgress& t : trials) {
    if (t.finished && !t.values.empty() && t.number != number) ++finished;
  }
  if (finished < options_.n_startup_trials) return Decision::kContinue;

  double best = NAN;
  for (const Report& r : *mine) {
    if (!std::isnan(r.second) && (std::isnan(best) || r.second < best)) best = r.second;
  }
  if (std::isnan(best)) return Decision::kStop;

  std::vector<double> averages;
  for (const TrialProgress& t : trials) {
    if (t.number == number || t.values.empty() || t.values.back().first < step) continue;
    const double average = RunningAverage(t.values, step);
    if (!std::isnan(average)) averages.push_back(average);
  }
  if (averages.empty()) return Decision::kContinue;
  return best > Median(averages) ? Decision::kStop : Decision::kContinue;
}

Json MedianStoppingScheduler::ToJson() const {
  return Json{{"type", "median"},
              {"n_startup_trials", options_.n_startup_trials},
              {"n_warmup_steps", options_.n_warmup_steps},
              {"interval_steps", options_.interval_steps}};
}

}  // namespace easel::automl
