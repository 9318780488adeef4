#pragma once
// A list of categories (or tokens) with their positions, looked up without copying the key:
// what one_hot, ordinal and the text vocabularies fit, store and consult per cell.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace easel::data::transforms {

// Hashes std::string and std::string_view alike, so lookups need not copy the key.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

class CategoryIndex {
 public:
  // `values` must be distinct.
  void Assign(std::vector<std::string> values);
  const std::vector<std::string>& values() const { return values_; }
  size_t size() const { return values_.size(); }
  // The position of `value`, or -1.
  int64_t Find(std::string_view value) const {
    auto it = index_.find(value);
    return it == index_.end() ? -1 : static_cast<int64_t>(it->second);
  }

 private:
  std::vector<std::string> values_;
  std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> index_;
};

// Counts of values seen while fitting.
using CategoryCounts = std::unordered_map<std::string, uint64_t, StringHash, std::equal_to<>>;

// Orders categories for presentation and encoding: numerically when every one parses as a
// number ("2" before "10"), otherwise by their bytes; ties (equal numbers written differently)
// by bytes. Deterministic, so a refit gives the same encoding.
void SortCategories(std::vector<std::string>* categories);

// The `n` most frequent values of `counts` (all when n is 0), ties broken by SortCategories'
// order, returned in SortCategories' order.
std::vector<std::string> MostFrequentCategories(const CategoryCounts& counts, size_t n);

}  // namespace easel::data::transforms
