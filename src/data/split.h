#pragma once
// Train/validation/test splits, decided once when a version is made and stored with it (one
// byte per sample, in manifest order), so every later job sees exactly the same split.
//  - classification (image, text): stratified by label, seeded;
//  - time series: time-ordered per series (the earliest fraction trains, the latest tests);
//  - others: seeded shuffle.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "data/dataset_type.h"

namespace easel::data {

enum class Split : uint8_t { kTrain = 0, kVal = 1, kTest = 2 };
std::string_view ToString(Split split);  // "train", "val", "test"
Result<Split> ParseSplit(std::string_view name);

struct SplitSpec {
  double train = 0.8, val = 0.1, test = 0.1;
  uint64_t seed = 42;
  bool stratify = true;  // for classification types
};
// {train?, val?, test?, seed?, stratify?}; fractions must be >= 0 and sum to 1 (±1e-6).
Result<SplitSpec> ParseSplitSpec(const Json& value);
Json SplitSpecToJson(const SplitSpec& spec);

// What the splitter needs to know about each sample, collected while the version is built.
// Strings (labels, series ids) are numbered by the caller to keep this 16 bytes: a million
// rows cost 16 MB while a version is built.
struct SplitKey {
  // Classification: the number of the sample's label (stratum); 0 for unlabeled samples.
  uint32_t stratum = 0;
  // Time series: the number of the sample's series and its time (microseconds since the epoch).
  uint32_t series = 0;
  int64_t time_us = 0;
};

// One Split per key, in the same order. Deterministic for the same keys, type and spec.
std::vector<Split> AssignSplits(DatasetType type, const std::vector<SplitKey>& keys,
                                const SplitSpec& spec);

}  // namespace easel::data
