#include "automl/param_importance.h"

#include <gtest/gtest.h>

#include <random>

namespace easel::automl {
namespace {

TEST(ParamImportanceTest, TheParameterThatDrivesTheObjectiveDominates) {
  // value = 10 * (x - 0.3)^2 + noise; `colour` does nothing.
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<TrialRecord> trials;
  for (int i = 0; i < 40; ++i) {
    TrialRecord t;
    t.number = i;
    t.state = TrialState::kComplete;
    double x = u(rng);
    t.params = {{"x", x}, {"colour", i % 2 ? "red" : "blue"}};
    t.value = 10 * (x - 0.3) * (x - 0.3) + 0.01 * u(rng);
    trials.push_back(t);
  }
  trials.push_back({.number = 40, .state = TrialState::kFailed, .params = {{"x", 0.3}}});
  Json importance = ParamImportance(trials);
  ASSERT_TRUE(importance.contains("x"));
  ASSERT_TRUE(importance.contains("colour"));
  EXPECT_GT(importance["x"].get<double>(), 0.9);
  EXPECT_NEAR(importance["x"].get<double>() + importance["colour"].get<double>(), 1.0, 1e-9);
}

TEST(ParamImportanceTest, TooFewTrialsOrAConstantObjectiveGiveZeros) {
  std::vector<TrialRecord> trials;
  for (int i = 0; i < 5; ++i) {
    trials.push_back(
        {.number = i, .state = TrialState::kComplete, .params = {{"x", i}}, .value = 1.0});
  }
  EXPECT_EQ(ParamImportance(trials)["x"], 0.0);
  trials.resize(2);
  trials[1].value = 2.0;
  EXPECT_EQ(ParamImportance(trials)["x"], 0.0);
}

}  // namespace
}  // namespace easel::automl
