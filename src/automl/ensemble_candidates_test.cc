#include "automl/ensemble_candidates.h"

#include <gtest/gtest.h>

#include <cmath>

namespace easel::automl {
namespace {

// A portfolio's space as automl_kind.cc builds it: the algorithm, then each one's parameters.
SearchSpace PortfolioSpace() {
  const Json schema = {{"type", "object"},
                       {"properties",
                        {{"algorithm", {{"type", "string"}, {"enum", {"linear", "xgboost"}}}},
                         {"linear.weight_decay", {{"type", "number"}}},
                         {"xgboost.max_depth", {{"type", "integer"}}},
                         {"xgboost.booster", {{"type", "string"}, {"enum", {"gbtree", "dart"}}}}}}};
  const Json space = {
      {"algorithm", {{"type", "categorical"}, {"choices", {"linear", "xgboost"}}}},
      {"linear.weight_decay",
       {{"type", "log_uniform"},
        {"low", 1e-6},
        {"high", 1.0},
        {"when", {{"algorithm", {"linear"}}}}}},
      {"xgboost.max_depth",
       {{"type", "int"}, {"low", 2}, {"high", 10}, {"when", {{"algorithm", {"xgboost"}}}}}},
      {"xgboost.booster",
       {{"type", "categorical"},
        {"choices", {"gbtree", "dart"}},
        {"when", {{"algorithm", {"xgboost"}}}}}}};
  auto parsed = SearchSpace::FromJson(space, schema);
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  return *parsed;
}

Trial Complete(int64_t number, Json params, double value) {
  Trial t;
  t.record.number = number;
  t.record.state = TrialState::kComplete;
  t.record.params = std::move(params);
  t.record.value = value;
  t.has_model = true;
  return t;
}

Trial Linear(int64_t number, double weight_decay, double value) {
  return Complete(number, {{"algorithm", "linear"}, {"linear.weight_decay", weight_decay}}, value);
}

Trial Xgboost(int64_t number, int depth, const char* booster, double value) {
  return Complete(
      number,
      {{"algorithm", "xgboost"}, {"xgboost.max_depth", depth}, {"xgboost.booster", booster}},
      value);
}

std::vector<int64_t> Numbers(const std::vector<const Trial*>& picked) {
  std::vector<int64_t> out;
  for (const Trial* t : picked) out.push_back(t->record.number);
  return out;
}

TEST(SettingDistance, PlacesEachParameterOnItsRangeAndCountsDifferentChoicesAsOne) {
  const SearchSpace space = PortfolioSpace();
  const Json a = {{"algorithm", "linear"}, {"linear.weight_decay", 1e-6}};
  const Json b = {{"algorithm", "linear"}, {"linear.weight_decay", 1e-3}};
  const Json c = {{"algorithm", "linear"}, {"linear.weight_decay", 1.0}};
  // Log-scaled: 1e-3 is halfway between 1e-6 and 1.
  EXPECT_NEAR(SettingDistance(space, a, b), 0.5, 1e-12);
  EXPECT_NEAR(SettingDistance(space, a, c), 1.0, 1e-12);
  EXPECT_EQ(SettingDistance(space, a, a), 0.0);
  const Json x = {{"algorithm", "xgboost"}, {"xgboost.max_depth", 2}, {"xgboost.booster", "dart"}};
  const Json y = {{"algorithm", "xgboost"}, {"xgboost.max_depth", 10}, {"xgboost.booster", "dart"}};
  const Json z = {
      {"algorithm", "xgboost"}, {"xgboost.max_depth", 10}, {"xgboost.booster", "gbtree"}};
  EXPECT_NEAR(SettingDistance(space, x, y), 1.0, 1e-12);
  EXPECT_NEAR(SettingDistance(space, x, z), std::sqrt(2.0), 1e-12);
  // Another algorithm: the algorithm differs, and every parameter is active in only one.
  EXPECT_NEAR(SettingDistance(space, a, x), std::sqrt(4.0), 1e-12);
}

// The case that motivates the rule: the validation split favours the least regularized
// settings, so every best trial sits at the bottom of the range; the picks must still reach
// the strongly regularized settings the search also tried.
TEST(PickEnsembleCandidates, ReachesSettingsFarFromTheBestOnTheValidationSplit) {
  const SearchSpace space = PortfolioSpace();
  std::vector<Trial> trials;
  for (int i = 0; i < 20; ++i) trials.push_back(Linear(i, 1e-6 * (1 + 0.1 * i), 0.003 + 1e-4 * i));
  trials.push_back(Linear(20, 1e-3, 0.05));
  trials.push_back(Linear(21, 0.5, 0.14));
  const std::vector<const Trial*> picked = PickEnsembleCandidates(space, trials);
  // The two best, then the farthest from them (0.5), then the farthest from all three (1e-3);
  // listed by value.
  EXPECT_EQ(Numbers(picked), (std::vector<int64_t>{0, 1, 20, 21}));
}

// The default settings (the search's first trials, one per algorithm) come right after the
// best ones, however their validation value ranks and however near they lie to the best.
TEST(PickEnsembleCandidates, KeepsEachAlgorithmsDefaultSettings) {
  const SearchSpace space = PortfolioSpace();
  std::vector<Trial> trials = {Linear(0, 1e-4, 0.09), Xgboost(1, 6, "gbtree", 0.30)};
  for (int i = 2; i < 12; ++i) trials.push_back(Linear(i, 1e-6 * i, 0.05 + 1e-3 * i));
  trials.push_back(Linear(12, 0.5, 0.20));
  trials.push_back(Linear(13, 1e-2, 0.30));
  trials.push_back(Xgboost(14, 2, "gbtree", 0.24));
  trials.push_back(Xgboost(15, 3, "gbtree", 0.25));
  trials.push_back(Xgboost(16, 9, "gbtree", 0.26));
  trials.push_back(Xgboost(17, 10, "gbtree", 0.27));
  // linear: 2 and 3 (best), 0 (its default), 12 (the farthest from those). xgboost: 14 and 15
  // (best), 1 (its default), 17 (depth 10).
  EXPECT_EQ(Numbers(PickEnsembleCandidates(space, trials, 2)),
            (std::vector<int64_t>{2, 3, 0, 12, 14, 15, 17, 1}));
  // Not known as a default, linear trial 0 gives way to 13, farther from 2, 3 and 12.
  EXPECT_EQ(Numbers(PickEnsembleCandidates(space, trials)),
            (std::vector<int64_t>{2, 3, 12, 14, 15, 17, 13, 1}));
}

TEST(PickEnsembleCandidates, PicksPerAlgorithmAndListsTheBestTrialFirst) {
  const SearchSpace space = PortfolioSpace();
  std::vector<Trial> trials = {
      Linear(0, 1e-4, 0.30),         Xgboost(1, 6, "gbtree", 0.10),  Xgboost(2, 6, "gbtree", 0.11),
      Xgboost(3, 7, "gbtree", 0.12), Xgboost(4, 2, "dart", 0.40),    Linear(5, 1e-4, 0.31),
      Linear(6, 1e-2, 0.35),         Xgboost(7, 10, "gbtree", 0.20),
  };
  const std::vector<const Trial*> picked = PickEnsembleCandidates(space, trials);
  // xgboost: 1 and 2 (best), then 4 (differs in both parameters), then 7 over 3 (depth 10 is
  // farther from 6 than 7 is). linear: 0 and 5 (best), then 6.
  EXPECT_EQ(Numbers(picked), (std::vector<int64_t>{1, 2, 7, 0, 5, 6, 4}));
}

TEST(PickEnsembleCandidates, SkipsTrialsThatCannotBeMembersAndCopiesOfPickedSettings) {
  const SearchSpace space = PortfolioSpace();
  std::vector<Trial> trials = {Linear(0, 1e-4, 0.2), Linear(1, 1e-3, 0.3), Linear(2, 1e-3, 0.4)};
  Trial pruned = Linear(3, 1.0, 0.1);
  pruned.record.state = TrialState::kPruned;
  trials.push_back(pruned);
  Trial no_model = Linear(4, 0.5, 0.1);
  no_model.has_model = false;
  trials.push_back(no_model);
  Trial no_value = Linear(5, 0.1, 0);
  no_value.record.value.reset();
  trials.push_back(no_value);
  // 2 repeats 1's setting: nothing new is left after the two best.
  EXPECT_EQ(Numbers(PickEnsembleCandidates(space, trials)), (std::vector<int64_t>{0, 1}));
}

TEST(PickEnsembleCandidates, WithoutASpaceTakesTheNextBest) {
  std::vector<Trial> trials;
  for (int i = 0; i < 6; ++i) trials.push_back(Linear(i, 1e-6, 0.1 * (6 - i)));
  EXPECT_EQ(Numbers(PickEnsembleCandidates(std::nullopt, trials)),
            (std::vector<int64_t>{5, 4, 3, 2}));
}

TEST(PickEnsembleCandidates, TakesTwoBestAndTwoDifferentPerAlgorithmInValueOrder) {
  const SearchSpace space = PortfolioSpace();
  std::vector<Trial> trials;
  for (int i = 0; i < 10; ++i) trials.push_back(Linear(i, std::pow(10.0, -i * 0.6), 0.1 + i));
  for (int i = 0; i < 10; ++i) trials.push_back(Xgboost(10 + i, 2 + (i % 9), "gbtree", 0.5 + i));
  const std::vector<const Trial*> picked = PickEnsembleCandidates(space, trials);
  EXPECT_EQ(picked.size(), kBestPerAlgorithm * 2 + kDiversePerAlgorithm * 2);
  for (size_t i = 1; i < picked.size(); ++i) {
    EXPECT_LE(*picked[i - 1]->record.value, *picked[i]->record.value);
  }
}

}  // namespace
}  // namespace easel::automl
