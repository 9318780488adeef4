#include "data/transforms/category_index.h"

#include <algorithm>
#include <optional>

#include "data/transforms/numbers.h"

namespace easel::data::transforms {

void CategoryIndex::Assign(std::vector<std::string> values) {
  values_ = std::move(values);
  index_.clear();
  index_.reserve(values_.size());
  for (size_t i = 0; i < values_.size(); ++i) index_.emplace(values_[i], static_cast<uint32_t>(i));
}

namespace {
// A comparator of categories: numbers first compared as numbers when all are numeric.
struct CategoryLess {
  bool numeric;
  bool operator()(const std::pair<double, const std::string*>& a,
                  const std::pair<double, const std::string*>& b) const {
    if (numeric && a.first != b.first) return a.first < b.first;
    return *a.second < *b.second;
  }
};

std::vector<std::pair<double, const std::string*>> Keys(const std::vector<std::string>& values,
                                                        bool* numeric) {
  std::vector<std::pair<double, const std::string*>> keys;
  *numeric = true;
  for (const std::string& v : values) {
    std::optional<double> x = ParseNumber(v);
    if (!x) *numeric = false;
    keys.emplace_back(x.value_or(0), &v);
  }
  return keys;
}
}  // namespace

void SortCategories(std::vector<std::string>* categories) {
  bool numeric;
  auto keys = Keys(*categories, &numeric);
  std::sort(keys.begin(), keys.end(), CategoryLess{numeric});
  std::vector<std::string> sorted;
  sorted.reserve(keys.size());
  for (const auto& k : keys) sorted.push_back(*k.second);
  *categories = std::move(sorted);
}

std::vector<std::string> MostFrequentCategories(const CategoryCounts& counts, size_t n) {
  std::vector<std::string> all;
  all.reserve(counts.size());
  for (const auto& [value, count] : counts) all.push_back(value);
  SortCategories(&all);
  if (n > 0 && n < all.size()) {
    // A stable sort by count keeps SortCategories' order among equal counts.
    std::stable_sort(all.begin(), all.end(), [&](const std::string& a, const std::string& b) {
      return counts.find(a)->second > counts.find(b)->second;
    });
    all.resize(n);
    SortCategories(&all);
  }
  return all;
}

}  // namespace easel::data::transforms
