#include "data/tabular/column_stats.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "data/tabular/cells.h"
#include "data/timestamps.h"

namespace easel::data {

void LengthStats::Add(uint64_t length) {
  if (count == 0 || length < min) min = length;
  if (count == 0 || length > max) max = length;
  sum += static_cast<double>(length);
  ++count;
}

Json LengthStats::ToJson() const {
  return {
      {"min", min}, {"max", max}, {"mean", count == 0 ? 0.0 : sum / static_cast<double>(count)}};
}

void ColumnStats::Add(const std::optional<std::string>& value) {
  if (!value) {
    ++missing_;
    return;
  }
  const std::string& v = *value;
  ++count_;
  lengths_.Add(Utf8Length(v));
  const uint64_t hash = HashBytes(v);
  distinct_.Add(hash);

  if (maybe_boolean_) {
    std::optional<bool> b = ParseBoolean(v);
    if (b) {
      ++(*b ? true_ : false_);
    } else {
      maybe_boolean_ = false;
    }
  }
  if (maybe_numeric_) {
    std::optional<double> d = ParseNumber(v);
    if (d) {
      AddNumber(*d);
    } else {
      maybe_numeric_ = false;
    }
  }
  if (maybe_datetime_) {
    std::optional<int64_t> t = ParseTimestamp(v);
    if (t) {
      time_min_ = std::min(time_min_, *t);
      time_max_ = std::max(time_max_, *t);
    } else {
      maybe_datetime_ = false;
    }
  }
  if (maybe_categorical_) {
    if (v.size() > kMaxCategoryBytes) {
      maybe_categorical_ = false;
    } else {
      Counted& c = values_[hash];
      if (c.count++ == 0) c.value = v;
      if (values_.size() > kMaxCategories) maybe_categorical_ = false;
    }
    if (!maybe_categorical_) {
      values_.clear();
      values_.rehash(0);
    }
  }
}

void ColumnStats::AddNumber(double v) {
  min_ = std::min(min_, v);
  max_ = std::max(max_, v);
  ++numbers_;
  const double delta = v - mean_;
  mean_ += delta / static_cast<double>(numbers_);
  m2_ += delta * (v - mean_);
}

std::string_view ColumnStats::Type() const {
  if (count_ == 0) return "text";
  if (maybe_boolean_) return "boolean";
  if (maybe_numeric_) return "numeric";
  if (maybe_datetime_) return "datetime";
  const uint64_t distinct = distinct_.Count();
  if (maybe_categorical_ && !distinct_.approximate() &&
      distinct <= std::max<uint64_t>(20, count_ / 20)) {
    return "categorical";
  }
  return "text";
}

Json ColumnStats::ToJson(const std::string& name) const {
  const std::string_view type = Type();
  Json out = {{"name", name},
              {"type", type},
              {"count", count_},
              {"missing", missing_},
              {"distinct", distinct_.Count()},
              {"distinct_approximate", distinct_.approximate()}};
  if (type == "numeric") {
    out["min"] = min_;
    out["max"] = max_;
    out["mean"] = mean_;
    out["std"] = numbers_ > 1 ? std::sqrt(m2_ / static_cast<double>(numbers_ - 1)) : 0.0;
  } else if (type == "boolean") {
    out["true"] = true_;
    out["false"] = false_;
  } else if (type == "datetime") {
    out["min"] = FormatTimestamp(time_min_);
    out["max"] = FormatTimestamp(time_max_);
  } else if (type == "categorical") {
    std::vector<const Counted*> sorted;
    sorted.reserve(values_.size());
    for (const auto& [hash, counted] : values_) sorted.push_back(&counted);
    const size_t n = std::min(kTopValues, sorted.size());
    std::partial_sort(sorted.begin(), sorted.begin() + static_cast<ptrdiff_t>(n), sorted.end(),
                      [](const Counted* a, const Counted* b) {
                        return a->count != b->count ? a->count > b->count : a->value < b->value;
                      });
    Json top = Json::array();
    for (size_t i = 0; i < n; ++i) top.push_back(Json::array({sorted[i]->value, sorted[i]->count}));
    out["top"] = std::move(top);
  } else if (count_ > 0) {
    out["length"] = lengths_.ToJson();
  }
  return out;
}

}  // namespace easel::data
