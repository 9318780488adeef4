#include "data/split.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

namespace easel::data {

namespace {

// Fisher-Yates with mt19937_64 drawn directly: std::shuffle and the std distributions differ
// between standard libraries, and a stored split must not.
void Shuffle(std::vector<size_t>& v, std::mt19937_64& rng) {
  for (size_t i = v.size(); i > 1; --i) {
    const size_t j = static_cast<size_t>(rng() % i);
    std::swap(v[i - 1], v[j]);
  }
}

// Gives the first share of `order` to train, the next to val, the rest to test.
void AssignInOrder(const std::vector<size_t>& order, const SplitSpec& spec,
                   std::vector<Split>& out) {
  const size_t n = order.size();
  const size_t n_train = std::min(n, static_cast<size_t>(std::llround(n * spec.train)));
  const size_t n_val = std::min(n - n_train, static_cast<size_t>(std::llround(n * spec.val)));
  for (size_t i = 0; i < n; ++i) {
    out[order[i]] = i < n_train ? Split::kTrain : i < n_train + n_val ? Split::kVal : Split::kTest;
  }
}

}  // namespace

std::string_view ToString(Split split) {
  switch (split) {
    case Split::kTrain:
      return "train";
    case Split::kVal:
      return "val";
    case Split::kTest:
      return "test";
  }
  return "train";
}

Result<Split> ParseSplit(std::string_view name) {
  if (name == "train") return Split::kTrain;
  if (name == "val" || name == "validation") return Split::kVal;
  if (name == "test") return Split::kTest;
  return InvalidArgument("unknown split; use train, val or test");
}

Result<SplitSpec> ParseSplitSpec(const Json& value) {
  SplitSpec spec;
  if (value.is_null()) return spec;
  EASEL_RETURN_IF_ERROR(RequireObject(value, "split"));
  for (const auto& [key, v] : value.items()) {
    if (key != "train" && key != "val" && key != "test" && key != "seed" && key != "stratify") {
      return InvalidArgument("split: unknown field '" + key +
                             "'; use train, val, test, seed, stratify");
    }
  }
  bool any_fraction = false;
  for (auto [key, field] :
       {std::pair{"train", &spec.train}, {"val", &spec.val}, {"test", &spec.test}}) {
    EASEL_ASSIGN_OR_RETURN(auto f, GetOptionalNumber(value, key));
    if (f && (!std::isfinite(*f) || *f < 0 || *f > 1)) {
      return InvalidArgument(std::string("split.") + key + " must be between 0 and 1");
    }
    if (f) any_fraction = true;
  }
  if (any_fraction) {
    // Fractions not given are 0 once any is given: {train: 0.7, test: 0.3} means no val.
    spec.train = value.value("train", 0.0);
    spec.val = value.value("val", 0.0);
    spec.test = value.value("test", 0.0);
    if (std::abs(spec.train + spec.val + spec.test - 1.0) > 1e-6) {
      return InvalidArgument("split fractions must add up to 1");
    }
  }
  EASEL_ASSIGN_OR_RETURN(auto seed, GetOptionalInt(value, "seed", 0, INT64_MAX));
  if (seed) spec.seed = static_cast<uint64_t>(*seed);
  EASEL_ASSIGN_OR_RETURN(auto stratify, GetOptionalBool(value, "stratify"));
  if (stratify) spec.stratify = *stratify;
  return spec;
}

Json SplitSpecToJson(const SplitSpec& spec) {
  return {{"train", spec.train},
          {"val", spec.val},
          {"test", spec.test},
          {"seed", spec.seed},
          {"stratify", spec.stratify}};
}

std::vector<Split> AssignSplits(DatasetType type, const std::vector<SplitKey>& keys,
                                const SplitSpec& spec) {
  std::vector<Split> out(keys.size(), Split::kTrain);
  if (type == DatasetType::kTimeSeries) {
    // Per series, oldest first: the model is always tested on a later time than it saw.
    std::map<uint32_t, std::vector<size_t>> by_series;
    for (size_t i = 0; i < keys.size(); ++i) by_series[keys[i].series].push_back(i);
    for (auto& [series, order] : by_series) {
      std::stable_sort(order.begin(), order.end(),
                       [&](size_t a, size_t b) { return keys[a].time_us < keys[b].time_us; });
      AssignInOrder(order, spec, out);
    }
    return out;
  }
  std::mt19937_64 rng(spec.seed);
  if (IsClassificationType(type) && spec.stratify) {
    // Each class is split on its own, so every split keeps the class proportions.
    std::map<uint32_t, std::vector<size_t>> by_class;
    for (size_t i = 0; i < keys.size(); ++i) by_class[keys[i].stratum].push_back(i);
    for (auto& [stratum, order] : by_class) {
      Shuffle(order, rng);
      AssignInOrder(order, spec, out);
    }
    return out;
  }
  std::vector<size_t> order(keys.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  Shuffle(order, rng);
  AssignInOrder(order, spec, out);
  return out;
}

}  // namespace easel::data
