// Row-wise tabular steps: impute, standard_scale, minmax_scale, drop, select.

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>

#include "data/transforms/numbers.h"
#include "data/transforms/record_step.h"

namespace easel::data::transforms {

namespace {

// Count, mean and sum of squared deviations by Welford's streaming algorithm: numerically
// stable in one pass, and a pure function of the values and their order, so a refit on the
// same version gives bit-identical state.
struct Moments {
  uint64_t n = 0;
  double mean = 0;
  double m2 = 0;
  double min = 0, max = 0;

  void Add(double x) {
    if (n == 0) min = max = x;
    min = std::min(min, x);
    max = std::max(max, x);
    ++n;
    double delta = x - mean;
    mean += delta / static_cast<double>(n);
    m2 += delta * (x - mean);
  }
  // Population standard deviation (ddof = 0, like scikit-learn's StandardScaler).
  double Std() const { return n == 0 ? 0 : std::sqrt(m2 / static_cast<double>(n)); }
};

Status NoValues(const RecordStep& step, const std::string& column) {
  return StepError(
      step.index(), step.op(), "",
      fmt::format("column '{}' has no non-missing values in the training data", column));
}

// --- impute --------------------------------------------------------------------------------

enum class Strategy { kMean, kMedian, kMostFrequent, kConstant };

class Impute : public RecordStep {
 public:
  Impute(const RecordStepContext& ctx, std::vector<int> slots, Strategy strategy,
         std::vector<bool> numeric, std::string fill)
      : RecordStep(ctx), strategy_(strategy), numeric_(std::move(numeric)) {
    inputs_ = outputs_ = std::move(slots);
    for (int s : inputs_) names_.push_back(ctx.schema->slot(s).name);
    if (strategy == Strategy::kConstant) SetFills(std::vector<std::string>(inputs_.size(), fill));
  }

  bool stateful() const override { return strategy_ != Strategy::kConstant; }

  void BeginFit() override {
    moments_.assign(inputs_.size(), {});
    values_.assign(inputs_.size(), {});
    counts_.assign(inputs_.size(), {});
  }

  Status Accumulate(const Row& row) override {
    std::string scratch;
    for (size_t i = 0; i < inputs_.size(); ++i) {
      const Cell& cell = row.cells[inputs_[i]];
      if (strategy_ == Strategy::kMostFrequent) {
        std::string_view category;
        if (CellCategory(cell, &scratch, &category)) ++counts_[i][std::string(category)];
        continue;
      }
      double x;
      EASEL_RETURN_IF_ERROR(CellNumber(cell, names_[i], &x));
      if (std::isnan(x)) continue;
      if (strategy_ == Strategy::kMean) moments_[i].Add(x);
      if (strategy_ == Strategy::kMedian) values_[i].push_back(x);
    }
    return OkStatus();
  }

  Status EndFit() override {
    std::vector<std::string> fills(inputs_.size());
    for (size_t i = 0; i < inputs_.size(); ++i) {
      switch (strategy_) {
        case Strategy::kMean:
          if (moments_[i].n == 0) return NoValues(*this, names_[i]);
          fills[i] = FormatNumber(moments_[i].mean);
          break;
        case Strategy::kMedian: {
          std::vector<double>& v = values_[i];
          if (v.empty()) return NoValues(*this, names_[i]);
          // The middle value, or the mean of the two middle values (numpy's convention).
          size_t mid = v.size() / 2;
          std::nth_element(v.begin(), v.begin() + mid, v.end());
          double median = v[mid];
          if (v.size() % 2 == 0) {
            double lower = *std::max_element(v.begin(), v.begin() + mid);
            median = (lower + median) / 2;
          }
          fills[i] = FormatNumber(median);
          break;
        }
        case Strategy::kMostFrequent: {
          if (counts_[i].empty()) return NoValues(*this, names_[i]);
          fills[i] = MostFrequent(counts_[i], numeric_[i]);
          break;
        }
        case Strategy::kConstant:
          break;
      }
    }
    SetFills(std::move(fills));
    moments_.clear();
    values_.clear();
    counts_.clear();
    return OkStatus();
  }

  // {"values": {column: value}}: numbers for mean and median, the category's text for
  // most_frequent.
  Json State() const override {
    if (!stateful()) return nullptr;
    Json values = Json::object();
    for (size_t i = 0; i < inputs_.size(); ++i) {
      if (strategy_ == Strategy::kMostFrequent) {
        values[names_[i]] = fills_[i];
      } else {
        values[names_[i]] = fill_numbers_[i];
      }
    }
    return {{"values", values}};
  }

  Status LoadState(const Json& state) override {
    const Json* values = StateField(state, "values");
    std::vector<std::string> fills;
    for (const std::string& name : names_) {
      const Json* v = values ? StateField(*values, name) : nullptr;
      double x;
      if (v != nullptr && strategy_ == Strategy::kMostFrequent && v->is_string()) {
        fills.push_back(v->get<std::string>());
      } else if (v != nullptr && strategy_ != Strategy::kMostFrequent && JsonToDouble(*v, &x)) {
        fills.push_back(FormatNumber(x));
      } else {
        return Error(fmt::format("state has no valid value for column '{}'", name));
      }
    }
    SetFills(std::move(fills));
    return OkStatus();
  }

  bool maps_numbers() const override {
    for (size_t i = 0; i < inputs_.size(); ++i) {
      if (!ToNumber(i)) return false;
    }
    return true;
  }

  double MapNumber(size_t i, double x) const override {
    return std::isnan(x) ? fill_numbers_[i] : x;
  }

  Status Apply(Row& row, StepScratch*) const override {
    for (size_t i = 0; i < inputs_.size(); ++i) {
      Cell& cell = row.cells[inputs_[i]];
      const bool to_number = ToNumber(i);
      if (cell.kind == Cell::Kind::kMissing) {
        if (to_number) {
          cell.SetNumber(fill_numbers_[i]);
        } else {
          cell.SetText(fills_[i]);
        }
      } else if (to_number && cell.kind == Cell::Kind::kText) {
        double x;
        EASEL_RETURN_IF_ERROR(CellNumber(cell, names_[i], &x));
        cell.SetNumber(x);
      }
    }
    return OkStatus();
  }

 private:
  // Whether input i's cells become numbers (else the fill is text in a text column).
  bool ToNumber(size_t i) const {
    return numeric_[i] || strategy_ == Strategy::kMean || strategy_ == Strategy::kMedian;
  }

  static std::string MostFrequent(const std::unordered_map<std::string, uint64_t>& counts,
                                  bool numeric) {
    // Ties go to the smallest value (scikit-learn's rule), compared as numbers in a numeric
    // column so that the result does not depend on how the numbers are written.
    const std::pair<const std::string, uint64_t>* best = nullptr;
    for (const auto& entry : counts) {
      if (best == nullptr || entry.second > best->second) {
        best = &entry;
      } else if (entry.second == best->second) {
        bool smaller =
            numeric ? ParseNumber(entry.first).value_or(0) < ParseNumber(best->first).value_or(0)
                    : entry.first < best->first;
        if (smaller) best = &entry;
      }
    }
    return best->first;
  }

  // Fill values are kept as text (what most_frequent finds in a raw column) and as numbers
  // for numeric columns. Those are numbers by construction: constants are checked when the
  // step is created, fitted means and medians are written by FormatNumber.
  void SetFills(std::vector<std::string> fills) {
    fills_ = std::move(fills);
    fill_numbers_.clear();
    for (const std::string& f : fills_) fill_numbers_.push_back(ParseNumber(f).value_or(0));
  }

  Strategy strategy_;
  std::vector<bool> numeric_;  // per input: the column holds numbers (kind kNumber)
  std::vector<std::string> fills_;
  std::vector<double> fill_numbers_;
  // Fit-time accumulators, one per input.
  std::vector<Moments> moments_;
  std::vector<std::vector<double>> values_;
  std::vector<std::unordered_map<std::string, uint64_t>> counts_;
};

// --- standard_scale and minmax_scale --------------------------------------------------------

// The shared shape of the scalers: per column, learn Moments, then map x to x * scale + offset.
class Scaler : public RecordStep {
 public:
  Scaler(const RecordStepContext& ctx, std::vector<int> slots) : RecordStep(ctx) {
    inputs_ = outputs_ = std::move(slots);
    for (int s : inputs_) {
      names_.push_back(ctx.schema->slot(s).name);
      ctx.schema->SetKind(s, ColumnKind::kNumber);
    }
  }

  bool stateful() const override { return true; }
  void BeginFit() override { moments_.assign(inputs_.size(), {}); }

  Status Accumulate(const Row& row) override {
    for (size_t i = 0; i < inputs_.size(); ++i) {
      double x;
      EASEL_RETURN_IF_ERROR(CellNumber(row.cells[inputs_[i]], names_[i], &x));
      if (!std::isnan(x)) moments_[i].Add(x);
    }
    return OkStatus();
  }

  Status EndFit() override {
    std::vector<std::pair<double, double>> fitted;
    for (size_t i = 0; i < inputs_.size(); ++i) {
      if (moments_[i].n == 0) return NoValues(*this, names_[i]);
      fitted.push_back(Fitted(moments_[i]));
    }
    fitted_ = std::move(fitted);
    ComputeCoefficients();
    moments_.clear();
    return OkStatus();
  }

  Json State() const override {
    Json columns = Json::object();
    for (size_t i = 0; i < inputs_.size(); ++i) {
      columns[names_[i]] = {{FirstKey(), fitted_[i].first}, {SecondKey(), fitted_[i].second}};
    }
    return {{"columns", columns}};
  }

  Status LoadState(const Json& state) override {
    const Json* columns = StateField(state, "columns");
    std::vector<std::pair<double, double>> fitted;
    for (const std::string& name : names_) {
      const Json* c = columns ? StateField(*columns, name) : nullptr;
      const Json* a = c ? StateField(*c, FirstKey()) : nullptr;
      const Json* b = c ? StateField(*c, SecondKey()) : nullptr;
      double x, y;
      if (!a || !b || !JsonToDouble(*a, &x) || !JsonToDouble(*b, &y)) {
        return Error(fmt::format("state has no valid {} and {} for column '{}'", FirstKey(),
                                 SecondKey(), name));
      }
      fitted.emplace_back(x, y);
    }
    fitted_ = std::move(fitted);
    ComputeCoefficients();
    return OkStatus();
  }

  bool maps_numbers() const override { return true; }
  double MapNumber(size_t i, double x) const override { return std::isnan(x) ? x : Map(i, x); }

  Status Apply(Row& row, StepScratch*) const override {
    for (size_t i = 0; i < inputs_.size(); ++i) {
      Cell& cell = row.cells[inputs_[i]];
      double x;
      EASEL_RETURN_IF_ERROR(CellNumber(cell, names_[i], &x));
      if (std::isnan(x)) {
        cell.SetMissing();
      } else {
        cell.SetNumber(Map(i, x));
      }
    }
    return OkStatus();
  }

 protected:
  // The two numbers stored per column, and their names in the state.
  virtual std::pair<double, double> Fitted(const Moments& m) const = 0;
  virtual const char* FirstKey() const = 0;
  virtual const char* SecondKey() const = 0;
  virtual void ComputeCoefficients() = 0;
  virtual double Map(size_t i, double x) const = 0;

  std::vector<Moments> moments_;
  std::vector<std::pair<double, double>> fitted_;
};

// (x - mean) / std, scikit-learn's StandardScaler: population std, and a constant column
// (std 0) is only centred.
class StandardScale : public Scaler {
 public:
  StandardScale(const RecordStepContext& ctx, std::vector<int> slots, bool with_mean, bool with_std)
      : Scaler(ctx, std::move(slots)), with_mean_(with_mean), with_std_(with_std) {}

 protected:
  std::pair<double, double> Fitted(const Moments& m) const override { return {m.mean, m.Std()}; }
  const char* FirstKey() const override { return "mean"; }
  const char* SecondKey() const override { return "std"; }
  void ComputeCoefficients() override {}
  double Map(size_t i, double x) const override {
    auto [mean, std] = fitted_[i];
    if (with_mean_) x -= mean;
    if (with_std_ && std > 0) x /= std;
    return x;
  }

 private:
  bool with_mean_, with_std_;
};

// scikit-learn's MinMaxScaler: x * scale + offset with scale = (hi - lo) / (max - min) and
// offset = lo - min * scale; a constant column (max == min) uses a range of 1.
class MinMaxScale : public Scaler {
 public:
  MinMaxScale(const RecordStepContext& ctx, std::vector<int> slots, double lo, double hi, bool clip)
      : Scaler(ctx, std::move(slots)), lo_(lo), hi_(hi), clip_(clip) {}

 protected:
  std::pair<double, double> Fitted(const Moments& m) const override { return {m.min, m.max}; }
  const char* FirstKey() const override { return "min"; }
  const char* SecondKey() const override { return "max"; }
  void ComputeCoefficients() override {
    coefficients_.clear();
    for (auto [min, max] : fitted_) {
      double range = max - min;
      if (range == 0) range = 1;
      double scale = (hi_ - lo_) / range;
      coefficients_.emplace_back(scale, lo_ - min * scale);
    }
  }
  double Map(size_t i, double x) const override {
    double y = x * coefficients_[i].first + coefficients_[i].second;
    return clip_ ? std::clamp(y, lo_, hi_) : y;
  }

 private:
  double lo_, hi_;
  bool clip_;
  std::vector<std::pair<double, double>> coefficients_;  // scale, offset
};

// --- drop and select -----------------------------------------------------------------------

// Only the schema changes: a dropped column stays in the row but never reaches the output.
class SchemaOnly : public RecordStep {
 public:
  using RecordStep::RecordStep;
  bool maps_numbers() const override { return true; }
  Status Apply(Row&, StepScratch*) const override { return OkStatus(); }
};

constexpr std::initializer_list<ColumnKind> kAnyKind = {ColumnKind::kRaw, ColumnKind::kNumber,
                                                        ColumnKind::kTokens, ColumnKind::kBlock};
constexpr std::initializer_list<ColumnKind> kScalarKinds = {ColumnKind::kRaw, ColumnKind::kNumber};

}  // namespace

Result<std::unique_ptr<RecordStep>> MakeImpute(RecordStepContext& ctx) {
  EASEL_ASSIGN_OR_RETURN(std::vector<int> slots, ctx.Columns("columns", kScalarKinds));
  std::string name = ctx.params.String("strategy");
  Strategy strategy = name == "mean"       ? Strategy::kMean
                      : name == "median"   ? Strategy::kMedian
                      : name == "constant" ? Strategy::kConstant
                                           : Strategy::kMostFrequent;
  std::vector<bool> numeric;
  for (int s : slots) numeric.push_back(ctx.schema->slot(s).kind == ColumnKind::kNumber);
  std::string fill;
  if (strategy == Strategy::kConstant) {
    const Json& v = ctx.params.Raw("fill_value");
    if (v.is_null()) {
      return ctx.Error("fill_value", "parameter 'fill_value' is required with strategy constant");
    }
    fill = v.is_string() ? v.get<std::string>() : FormatNumber(v.get<double>());
    for (size_t i = 0; i < slots.size(); ++i) {
      if (numeric[i] && !ParseNumber(fill)) {
        return ctx.Error("fill_value",
                         fmt::format("column '{}' is numeric at this step; fill_value '{}' is "
                                     "not a number",
                                     ctx.schema->slot(slots[i]).name, Excerpt(fill)));
      }
    }
  } else if (ctx.params.Has("fill_value")) {
    return ctx.Error("fill_value", "parameter 'fill_value' applies to strategy constant only");
  }
  if (strategy == Strategy::kMean || strategy == Strategy::kMedian) {
    for (int s : slots) ctx.schema->SetKind(s, ColumnKind::kNumber);
  }
  return std::unique_ptr<RecordStep>(
      new Impute(ctx, std::move(slots), strategy, std::move(numeric), std::move(fill)));
}

Result<std::unique_ptr<RecordStep>> MakeStandardScale(RecordStepContext& ctx) {
  EASEL_ASSIGN_OR_RETURN(std::vector<int> slots, ctx.Columns("columns", kScalarKinds));
  return std::unique_ptr<RecordStep>(new StandardScale(
      ctx, std::move(slots), ctx.params.Bool("with_mean"), ctx.params.Bool("with_std")));
}

Result<std::unique_ptr<RecordStep>> MakeMinMaxScale(RecordStepContext& ctx) {
  EASEL_ASSIGN_OR_RETURN(std::vector<int> slots, ctx.Columns("columns", kScalarKinds));
  double lo = ctx.params.Number("min"), hi = ctx.params.Number("max");
  if (!(lo < hi)) return ctx.Error("max", "parameter 'max' must be greater than 'min'");
  return std::unique_ptr<RecordStep>(
      new MinMaxScale(ctx, std::move(slots), lo, hi, ctx.params.Bool("clip")));
}

Result<std::unique_ptr<RecordStep>> MakeDrop(RecordStepContext& ctx) {
  EASEL_ASSIGN_OR_RETURN(std::vector<int> slots, ctx.Columns("columns", kAnyKind));
  for (int s : slots) ctx.schema->Remove(s);
  auto step = std::make_unique<SchemaOnly>(ctx);
  return std::unique_ptr<RecordStep>(std::move(step));
}

Result<std::unique_ptr<RecordStep>> MakeSelect(RecordStepContext& ctx) {
  EASEL_ASSIGN_OR_RETURN(std::vector<int> slots, ctx.Columns("columns", kAnyKind));
  ctx.schema->SetOrder(slots);
  return std::unique_ptr<RecordStep>(new SchemaOnly(ctx));
}

}  // namespace easel::data::transforms
