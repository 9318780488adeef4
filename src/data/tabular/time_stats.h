#pragma once
// The "time" statistics of a time series: {"start", "end" (RFC 3339), "frequency", "series"}.
//
// The frequency is the median of the steps between consecutive timestamps of each series, in
// file order, written as "500ms", "1s", "5min", "1h", "1d", "7d"... (the largest unit that
// divides it). It is reported only when the series are regular: at least 80% of the steps
// equal the median (so a few gaps are fine). Calendar steps come first: when 80% of the steps
// go to the same day (or from a last day to the last day) of the month 1, 3 or 12 months
// later, the frequency is "1mo", "3mo" or "1y". Else it is null (irregular, unsorted, or a
// single row per series).
//
// Memory is bounded: the last timestamp of at most kMaxTrackedSeries series (later series
// still count in "series" and in start/end but add no steps) and at most kMaxStepValues
// distinct steps (more means irregular).

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/json.h"
#include "data/tabular/distinct_counter.h"

namespace easel::data {

class TimeStats {
 public:
  static constexpr size_t kMaxTrackedSeries = 65'536;
  static constexpr size_t kMaxStepValues = 4096;

  // One row: its series ("" when the dataset has no series_id) and time.
  void Add(std::string_view series, int64_t micros);
  Json ToJson() const;

 private:
  void AddStep(int64_t from, int64_t to);

  uint64_t rows_ = 0;
  int64_t start_ = 0, end_ = 0;
  DistinctCounter series_;
  // Hashes strings and string_views alike, so lookups by view allocate nothing.
  struct SeriesHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return HashBytes(s); }
  };
  // series -> its previous timestamp
  std::unordered_map<std::string, int64_t, SeriesHash, std::equal_to<>> last_;
  std::map<int64_t, uint64_t> steps_;  // step -> how often
  uint64_t step_count_ = 0;
  bool too_many_step_values_ = false;
  std::map<int, uint64_t> month_steps_;  // whole-month steps (months -> how often)
};

// "1d", "5min", "250ms"...: the largest unit (d, h, min, s, ms, us) that divides `micros`.
std::string FormatDuration(int64_t micros);

}  // namespace easel::data
