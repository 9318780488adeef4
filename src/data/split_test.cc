#include "data/split.h"

#include <gtest/gtest.h>

#include <map>

namespace easel::data {
namespace {

std::map<std::pair<uint32_t, Split>, int> CountByStratum(const std::vector<SplitKey>& keys,
                                                            const std::vector<Split>& s) {
  std::map<std::pair<uint32_t, Split>, int> counts;
  for (size_t i = 0; i < keys.size(); ++i) counts[{keys[i].stratum, s[i]}]++;
  return counts;
}

TEST(Splits, StratifiedKeepsClassProportionsAndIsSeeded) {
  std::vector<SplitKey> keys;
  for (int i = 0; i < 100; ++i) keys.push_back({i < 80 ? 1u : 2u, 0, 0});
  SplitSpec spec;  // 0.8 / 0.1 / 0.1
  auto s = AssignSplits(DatasetType::kImageClassification, keys, spec);
  auto counts = CountByStratum(keys, s);
  EXPECT_EQ((counts[{1u, Split::kTrain}]), 64);
  EXPECT_EQ((counts[{1u, Split::kVal}]), 8);
  EXPECT_EQ((counts[{1u, Split::kTest}]), 8);
  EXPECT_EQ((counts[{2u, Split::kTrain}]), 16);
  EXPECT_EQ((counts[{2u, Split::kVal}]), 2);
  EXPECT_EQ((counts[{2u, Split::kTest}]), 2);
  EXPECT_EQ(AssignSplits(DatasetType::kImageClassification, keys, spec), s);
  spec.seed = 7;
  EXPECT_NE(AssignSplits(DatasetType::kImageClassification, keys, spec), s);
}

TEST(Splits, TimeSeriesTrainsOnThePastPerSeries) {
  std::vector<SplitKey> keys;
  for (int i = 9; i >= 0; --i) {  // newest first in the file
    keys.push_back({0, 1, i * 1000});
    keys.push_back({0, 2, i * 1000});
  }
  SplitSpec spec;
  auto s = AssignSplits(DatasetType::kTimeSeries, keys, spec);
  for (size_t i = 0; i < keys.size(); ++i) {
    const int64_t t = keys[i].time_us / 1000;
    EXPECT_EQ(s[i], t < 8 ? Split::kTrain : t < 9 ? Split::kVal : Split::kTest) << i;
  }
}

TEST(Splits, ShuffledForTabular) {
  std::vector<SplitKey> keys(1000);
  auto s = AssignSplits(DatasetType::kTabular, keys, SplitSpec{});
  int train = 0, first_hundred_train = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    train += s[i] == Split::kTrain;
    if (i < 100) first_hundred_train += s[i] == Split::kTrain;
  }
  EXPECT_EQ(train, 800);
  EXPECT_LT(first_hundred_train, 100);  // not simply the first rows
}

TEST(SplitSpecs, ParsesAndValidates) {
  auto spec = ParseSplitSpec(Json{{"train", 0.7}, {"test", 0.3}, {"seed", 3}});
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_DOUBLE_EQ(spec->val, 0.0);
  EXPECT_EQ(spec->seed, 3u);
  EXPECT_FALSE(ParseSplitSpec(Json{{"train", 0.7}}).ok());
  EXPECT_FALSE(ParseSplitSpec(Json{{"train", -1}, {"test", 2}}).ok());
  EXPECT_FALSE(ParseSplitSpec(Json{{"bogus", 1}}).ok());
  EXPECT_FALSE(ParseSplitSpec(Json{{"seed", "x"}}).ok());
  EXPECT_FALSE(ParseSplitSpec(Json::array()).ok());
  EXPECT_TRUE(ParseSplitSpec(Json()).ok());
}

}  // namespace
}  // namespace easel::data
