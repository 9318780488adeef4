#pragma once
// The statistics of one column of a record dataset, gathered in one pass in memory bounded
// per column (never per row): see ColumnStats::ToJson for the object it produces.
//
// Type inference, over the non-missing values (missing = nullopt cells, which the importers
// make of empty fields and the markers of cells.h):
//  1. "boolean"     every value is true/false/yes/no/1/0 (any case; a 0/1 column is boolean);
//  2. "numeric"     every value is a number (cells.h ParseNumber);
//  3. "datetime"    every value is an ISO 8601 date or date-time (ParseTimestamp);
//  4. "categorical" at most kMaxCategories distinct values, each at most kMaxCategoryBytes
//                   long, and distinct <= max(20, count / 20): few values, each repeated on
//                   average at least 20 times (any column with up to 20 values qualifies);
//  5. "text"        everything else, and a column with no values at all.
// Distinct values are counted on the exact strings ("1" and "1.0" are two), exactly up to
// 65,536 and estimated beyond (then "distinct_approximate": true). The standard deviation is
// the sample one (n - 1), 0 for a single value. Lengths are in Unicode code points.

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/json.h"
#include "data/tabular/distinct_counter.h"

namespace easel::data {

struct LengthStats {
  uint64_t count = 0;
  uint64_t min = 0, max = 0;
  double sum = 0;
  void Add(uint64_t length);
  // {min, max, mean}; zeros when empty.
  Json ToJson() const;
};

class ColumnStats {
 public:
  static constexpr uint64_t kMaxCategories = 1000;
  static constexpr size_t kMaxCategoryBytes = 256;
  static constexpr size_t kTopValues = 10;

  void Add(const std::optional<std::string>& value);

  // "numeric", "categorical", "boolean", "datetime" or "text" (see above).
  std::string_view Type() const;
  const LengthStats& lengths() const { return lengths_; }

  // {name, type, count, missing, distinct, distinct_approximate} and by type: numeric
  // {min, max, mean, std}; boolean {true, false}; datetime {min, max} (RFC 3339);
  // categorical {top: [[value, n]...]} (most frequent first, ties by value, at most 10);
  // text {length: {min, max, mean}}.
  Json ToJson(const std::string& name) const;

 private:
  void AddNumber(double v);

  uint64_t count_ = 0, missing_ = 0;
  bool maybe_boolean_ = true, maybe_numeric_ = true, maybe_datetime_ = true;
  bool maybe_categorical_ = true;

  uint64_t true_ = 0, false_ = 0;
  double min_ = std::numeric_limits<double>::infinity();
  double max_ = -std::numeric_limits<double>::infinity();
  double mean_ = 0, m2_ = 0;  // Welford
  uint64_t numbers_ = 0;
  int64_t time_min_ = std::numeric_limits<int64_t>::max();
  int64_t time_max_ = std::numeric_limits<int64_t>::min();

  LengthStats lengths_;
  DistinctCounter distinct_;
  // Value counts while the column may still be categorical, keyed by the value's hash.
  struct Counted {
    std::string value;
    uint64_t count = 0;
  };
  std::unordered_map<uint64_t, Counted> values_;
};

}  // namespace easel::data
