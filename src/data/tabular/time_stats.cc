#include "data/tabular/time_stats.h"

#include <algorithm>

#include "data/tabular/civil_time.h"
#include "data/timestamps.h"

namespace easel::data {
namespace {

constexpr int64_t kSecond = 1'000'000;
constexpr int64_t kDay = 86'400 * kSecond;
constexpr double kRegularShare = 0.8;

// Whole months from `a` to `b` when b is the same day of the month (or both are the last day)
// at the same time of day; 0 otherwise.
int MonthsBetween(int64_t a, int64_t b) {
  const CivilTime x = ToCivilTime(a), y = ToCivilTime(b);
  if (x.micros_of_day != y.micros_of_day) return 0;
  const bool same_day = x.day == y.day;
  const bool both_last =
      x.day == DaysInMonth(x.year, x.month) && y.day == DaysInMonth(y.year, y.month);
  if (!same_day && !both_last) return 0;
  const int64_t months = (y.year * 12 + y.month) - (x.year * 12 + x.month);
  return months > 0 && months <= 12 ? static_cast<int>(months) : 0;
}

}  // namespace

std::string FormatDuration(int64_t micros) {
  struct Unit {
    int64_t micros;
    const char* suffix;
  };
  static constexpr Unit kUnits[] = {
      {kDay, "d"}, {3600 * kSecond, "h"}, {60 * kSecond, "min"}, {kSecond, "s"}, {1000, "ms"}};
  for (const Unit& u : kUnits) {
    if (micros % u.micros == 0) return std::to_string(micros / u.micros) + u.suffix;
  }
  return std::to_string(micros) + "us";
}

void TimeStats::Add(std::string_view series, int64_t micros) {
  if (rows_++ == 0) {
    start_ = end_ = micros;
  } else {
    start_ = std::min(start_, micros);
    end_ = std::max(end_, micros);
  }
  series_.Add(HashBytes(series));
  auto it = last_.find(series);
  if (it != last_.end()) {
    AddStep(it->second, micros);
    it->second = micros;
  } else if (last_.size() < kMaxTrackedSeries) {
    last_.emplace(series, micros);
  }
}

void TimeStats::AddStep(int64_t from, int64_t to) {
  const int64_t step = to - from;
  ++step_count_;
  if (!too_many_step_values_) {
    auto it = steps_.find(step);
    if (it != steps_.end()) {
      ++it->second;
    } else if (steps_.size() < kMaxStepValues) {
      steps_.emplace(step, 1);
    } else {
      too_many_step_values_ = true;
      steps_.clear();
    }
  }
  if (step >= 28 * kDay) {
    if (int months = MonthsBetween(from, to)) ++month_steps_[months];
  }
}

Json TimeStats::ToJson() const {
  Json out = {
      {"start", nullptr}, {"end", nullptr}, {"frequency", nullptr}, {"series", series_.Count()}};
  if (rows_ == 0) return out;
  out["start"] = FormatTimestamp(start_);
  out["end"] = FormatTimestamp(end_);
  if (step_count_ == 0) return out;
  const double needed = kRegularShare * static_cast<double>(step_count_);
  // Calendar steps first: 91 days between quarters is a coincidence of those months.
  for (int months : {1, 3, 12}) {
    auto it = month_steps_.find(months);
    if (it != month_steps_.end() && static_cast<double>(it->second) >= needed) {
      out["frequency"] = months == 12 ? "1y" : std::to_string(months) + "mo";
      return out;
    }
  }
  if (!too_many_step_values_) {
    // The median: the step where the running count reaches half of all steps.
    uint64_t seen = 0;
    for (const auto& [step, n] : steps_) {
      seen += n;
      if (2 * seen >= step_count_) {
        if (step > 0 && static_cast<double>(n) >= needed) out["frequency"] = FormatDuration(step);
        break;
      }
    }
  }
  return out;
}

}  // namespace easel::data
