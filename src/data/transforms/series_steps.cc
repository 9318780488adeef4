// Time-series steps: lags, rolling windows and differences look at the previous rows of the
// same series (see Pipeline::TransformSeries); calendar features read a timestamp column.
//
// History convention: rolling and diff describe the rows *before* the current one unless
// include_current is true, so that they may be computed from the target column without
// leaking it into its own features. A row whose history is shorter than a step needs gets
// missing values there and is marked incomplete (Row::complete).

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "data/timestamps.h"
#include "data/transforms/numbers.h"
#include "data/transforms/record_step.h"

namespace easel::data::transforms {

namespace {

constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();
constexpr std::initializer_list<ColumnKind> kScalarKinds = {ColumnKind::kRaw, ColumnKind::kNumber};

// The last `capacity` values of one column in one series, oldest first.
class History {
 public:
  explicit History(size_t capacity) : values_(std::max<size_t>(capacity, 1)) {}
  size_t size() const { return size_; }
  // The value `k` rows back (k = 1: the previous row); requires 1 <= k <= size().
  double Back(size_t k) const { return values_[(head_ + values_.size() - k) % values_.size()]; }
  void Push(double x) {
    values_[head_] = x;
    head_ = (head_ + 1) % values_.size();
    size_ = std::min(size_ + 1, values_.size());
  }

 private:
  std::vector<double> values_;
  size_t head_ = 0;
  size_t size_ = 0;
};

struct HistoryScratch : StepScratch {
  std::vector<History> columns;
};

// The shape the three history steps share: read each input as a number, compute features
// from it and its History, then remember it.
class HistoryStep : public RecordStep {
 public:
  using RecordStep::RecordStep;

  size_t history() const override { return depth_; }
  std::unique_ptr<StepScratch> NewScratch() const override {
    auto scratch = std::make_unique<HistoryScratch>();
    scratch->columns.assign(inputs_.size(), History(depth_));
    return scratch;
  }

  Status Apply(Row& row, StepScratch* scratch) const override {
    if (scratch == nullptr) return FailedPrecondition("history steps need TransformSeries");
    auto& histories = static_cast<HistoryScratch*>(scratch)->columns;
    const size_t per_column = outputs_.size() / inputs_.size();
    for (size_t i = 0; i < inputs_.size(); ++i) {
      double x;
      EASEL_RETURN_IF_ERROR(CellNumber(row.cells[inputs_[i]], names_[i], &x));
      if (!Compute(x, histories[i], &row.cells[outputs_[i * per_column]])) row.complete = false;
      histories[i].Push(x);
    }
    return OkStatus();
  }

 protected:
  // Writes the features of one input into out[0], out[1]... (its consecutive output slots,
  // see DeriveColumns). False when the history was too short for some of them.
  virtual bool Compute(double x, const History& h, Cell* out) const = 0;

  size_t depth_ = 0;  // rows of history kept
};

void Set(Cell* cell, double v) {
  if (std::isnan(v)) {
    cell->SetMissing();
  } else {
    cell->SetNumber(v);
  }
}

// --- lags ----------------------------------------------------------------------------------

// column_lag{k} = the column's value k rows earlier.
class Lags : public HistoryStep {
 public:
  Lags(const RecordStepContext& ctx, std::vector<int64_t> lags) : HistoryStep(ctx) {
    for (int64_t k : lags) lags_.push_back(static_cast<size_t>(k));
    depth_ = *std::max_element(lags_.begin(), lags_.end());
  }

 protected:
  bool Compute(double, const History& h, Cell* out) const override {
    bool complete = true;
    for (size_t j = 0; j < lags_.size(); ++j) {
      size_t k = lags_[j];
      if (k <= h.size()) {
        Set(out + j, h.Back(k));
      } else {
        out[j].SetMissing();
        complete = false;
      }
    }
    return complete;
  }

 private:
  std::vector<size_t> lags_;
};

// --- rolling -------------------------------------------------------------------------------

enum class Stat { kMean, kStd, kMin, kMax, kSum };

// column_roll{w}_{stat} over the w previous rows (or the current row and the w - 1 before
// it). Missing values in the window are skipped; std is the sample standard deviation (ddof
// 1, pandas' default) and is missing with fewer than two values.
class Rolling : public HistoryStep {
 public:
  Rolling(const RecordStepContext& ctx, std::vector<size_t> windows, std::vector<Stat> stats,
          bool include_current)
      : HistoryStep(ctx),
        windows_(std::move(windows)),
        stats_(std::move(stats)),
        include_current_(include_current) {
    size_t w = *std::max_element(windows_.begin(), windows_.end());
    // At least 1 even when a window of 1 includes only the current row: a history step
    // always transforms series (see RecordStep::history).
    depth_ = std::max<size_t>(include_current_ ? w - 1 : w, 1);
  }

 protected:
  bool Compute(double x, const History& h, Cell* out) const override {
    bool complete = true;
    size_t j = 0;
    for (size_t w : windows_) {
      // The window's values, newest first.
      size_t from_history = include_current_ ? w - 1 : w;
      bool enough = from_history <= h.size();
      complete = complete && enough;
      double n = 0, sum = 0, min = 0, max = 0, mean = 0, m2 = 0;
      auto add = [&](double v) {
        if (std::isnan(v)) return;
        if (n == 0) min = max = v;
        min = std::min(min, v);
        max = std::max(max, v);
        sum += v;
        n += 1;
        double d = v - mean;
        mean += d / n;
        m2 += d * (v - mean);
      };
      if (enough) {
        if (include_current_) add(x);
        for (size_t k = 1; k <= from_history; ++k) add(h.Back(k));
      }
      for (Stat s : stats_) {
        double v = kMissing;
        if (enough && n > 0) {
          switch (s) {
            case Stat::kMean:
              v = sum / n;
              break;
            case Stat::kStd:
              v = n >= 2 ? std::sqrt(m2 / (n - 1)) : kMissing;
              break;
            case Stat::kMin:
              v = min;
              break;
            case Stat::kMax:
              v = max;
              break;
            case Stat::kSum:
              v = sum;
              break;
          }
        }
        Set(out + j++, v);
      }
    }
    return complete;
  }

 private:
  std::vector<size_t> windows_;
  std::vector<Stat> stats_;
  bool include_current_;
};

// --- diff ----------------------------------------------------------------------------------

// column_diff{p} = x[t] - x[t-p] with include_current, otherwise x[t-1] - x[t-1-p].
class Diff : public HistoryStep {
 public:
  Diff(const RecordStepContext& ctx, size_t periods, bool include_current)
      : HistoryStep(ctx), periods_(periods), include_current_(include_current) {
    depth_ = include_current ? periods : periods + 1;
  }

 protected:
  bool Compute(double x, const History& h, Cell* out) const override {
    if (h.size() < depth_) {
      out->SetMissing();
      return false;
    }
    double newer = include_current_ ? x : h.Back(1);
    Set(out, newer - h.Back(depth_));
    return true;
  }

 private:
  size_t periods_;
  bool include_current_;
};

// --- calendar ------------------------------------------------------------------------------

enum class Field { kHour, kMinute, kDayOfWeek, kDayOfMonth, kDayOfYear, kMonth, kYear, kWeekend };

struct FieldName {
  Field field;
  std::string_view name;
};
constexpr FieldName kFields[] = {
    {Field::kHour, "hour"},
    {Field::kMinute, "minute"},
    {Field::kDayOfWeek, "day_of_week"},
    {Field::kDayOfMonth, "day_of_month"},
    {Field::kDayOfYear, "day_of_year"},
    {Field::kMonth, "month"},
    {Field::kYear, "year"},
    {Field::kWeekend, "is_weekend"},
};

// Civil date of a day count since 1970-01-01 (Howard Hinnant's days_from_civil inverse).
void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

bool IsLeap(int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

// Calendar fields of a timestamp, in UTC (a timestamp written with an offset is converted to
// UTC first: ParseTimestamp keeps the instant, not the offset). day_of_week: Monday 0 ..
// Sunday 6 (pandas' dayofweek); day_of_year: 1..366; is_weekend: 1 on Saturday and Sunday.
class Calendar : public RecordStep {
 public:
  Calendar(const RecordStepContext& ctx, std::vector<Field> fields)
      : RecordStep(ctx), fields_(std::move(fields)) {}

  bool reads_text() const override { return true; }

  Status Apply(Row& row, StepScratch*) const override {
    for (size_t i = 0; i < inputs_.size(); ++i) {
      const Cell& in = row.cells[inputs_[i]];
      Cell* out = &row.cells[outputs_[i * fields_.size()]];
      if (in.kind != Cell::Kind::kText) {
        for (size_t j = 0; j < fields_.size(); ++j) out[j].SetMissing();
        continue;
      }
      std::optional<int64_t> micros = ParseTimestamp(in.text);
      if (!micros) {
        return Status(StatusCode::kInvalidArgument,
                      fmt::format("column '{}': '{}' is not an ISO 8601 date or date-time",
                                  names_[i], Excerpt(in.text)),
                      Json{{"column", names_[i]}, {"value", Excerpt(in.text)}});
      }
      constexpr int64_t kDay = 86'400'000'000;
      int64_t days = *micros >= 0 ? *micros / kDay : -((-*micros + kDay - 1) / kDay);
      int64_t in_day = *micros - days * kDay;
      int64_t y;
      unsigned m, d;
      CivilFromDays(days, &y, &m, &d);
      int64_t weekday = ((days % 7) + 7 + 3) % 7;  // 1970-01-01 was a Thursday (3)
      static constexpr int kCumulative[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
      int64_t yday = kCumulative[m - 1] + d + (m > 2 && IsLeap(y) ? 1 : 0);
      for (size_t j = 0; j < fields_.size(); ++j) {
        double v = 0;
        switch (fields_[j]) {
          case Field::kHour:
            v = static_cast<double>(in_day / 3'600'000'000);
            break;
          case Field::kMinute:
            v = static_cast<double>(in_day / 60'000'000 % 60);
            break;
          case Field::kDayOfWeek:
            v = static_cast<double>(weekday);
            break;
          case Field::kDayOfMonth:
            v = d;
            break;
          case Field::kDayOfYear:
            v = static_cast<double>(yday);
            break;
          case Field::kMonth:
            v = m;
            break;
          case Field::kYear:
            v = static_cast<double>(y);
            break;
          case Field::kWeekend:
            v = weekday >= 5 ? 1 : 0;
            break;
        }
        out[j].SetNumber(v);
      }
    }
    return OkStatus();
  }

  std::vector<Field> fields_;
};

}  // namespace

Result<std::unique_ptr<RecordStep>> MakeLags(RecordStepContext& ctx) {
  EASEL_ASSIGN_OR_RETURN(std::vector<int> slots, ctx.Columns("columns", kScalarKinds));
  std::vector<int64_t> lags = ctx.params.Ints("lags");
  std::vector<std::string> suffixes;
  for (int64_t k : lags) suffixes.push_back(fmt::format("_lag{}", k));
  auto step = std::make_unique<Lags>(ctx, lags);
  EASEL_RETURN_IF_ERROR(step->DeriveColumns(ctx, slots, suffixes));
  return std::unique_ptr<RecordStep>(std::move(step));
}

Result<std::unique_ptr<RecordStep>> MakeRolling(RecordStepContext& ctx) {
  EASEL_ASSIGN_OR_RETURN(std::vector<int> slots, ctx.Columns("columns", kScalarKinds));
  std::vector<size_t> windows;
  for (int64_t w : ctx.params.Ints("windows")) windows.push_back(static_cast<size_t>(w));
  std::vector<Stat> stats;
  std::vector<std::string> stat_names = ctx.params.Strings("stats");
  for (const std::string& s : stat_names) {
    stats.push_back(s == "mean"  ? Stat::kMean
                    : s == "std" ? Stat::kStd
                    : s == "min" ? Stat::kMin
                    : s == "max" ? Stat::kMax
                                 : Stat::kSum);
  }
  bool std_asked = std::find(stats.begin(), stats.end(), Stat::kStd) != stats.end();
  if (std_asked && *std::min_element(windows.begin(), windows.end()) < 2) {
    return ctx.Error("windows", "the std of a window needs windows of at least 2 rows");
  }
  std::vector<std::string> suffixes;
  for (size_t w : windows) {
    for (const std::string& s : stat_names) suffixes.push_back(fmt::format("_roll{}_{}", w, s));
  }
  auto step = std::make_unique<Rolling>(ctx, windows, stats, ctx.params.Bool("include_current"));
  EASEL_RETURN_IF_ERROR(step->DeriveColumns(ctx, slots, suffixes));
  return std::unique_ptr<RecordStep>(std::move(step));
}

Result<std::unique_ptr<RecordStep>> MakeDiff(RecordStepContext& ctx) {
  EASEL_ASSIGN_OR_RETURN(std::vector<int> slots, ctx.Columns("columns", kScalarKinds));
  int64_t periods = ctx.params.Int("periods");
  auto step = std::make_unique<Diff>(ctx, periods, ctx.params.Bool("include_current"));
  EASEL_RETURN_IF_ERROR(step->DeriveColumns(ctx, slots, {fmt::format("_diff{}", periods)}));
  return std::unique_ptr<RecordStep>(std::move(step));
}

Result<std::unique_ptr<RecordStep>> MakeCalendar(RecordStepContext& ctx) {
  EASEL_ASSIGN_OR_RETURN(std::vector<int> slots, ctx.Columns("columns", {ColumnKind::kRaw}));
  std::vector<Field> fields;
  std::vector<std::string> names = ctx.params.Strings("features");
  for (const std::string& n : names) {
    for (const FieldName& f : kFields) {
      if (f.name == n) fields.push_back(f.field);
    }
  }
  std::vector<std::string> suffixes;
  for (const std::string& n : names) suffixes.push_back("_" + n);
  auto step = std::make_unique<Calendar>(ctx, fields);
  EASEL_RETURN_IF_ERROR(step->DeriveColumns(ctx, slots, suffixes));
  if (!ctx.params.Bool("keep")) {
    for (int s : slots) ctx.schema->Remove(s);
  }
  return std::unique_ptr<RecordStep>(std::move(step));
}

}  // namespace easel::data::transforms
