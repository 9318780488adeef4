#include "automl/asha.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <vector>

namespace easel::automl {
namespace {

std::unique_ptr<AshaScheduler> Asha(int64_t r, int64_t eta, std::optional<int64_t> max,
                                    int64_t s = 0) {
  return std::make_unique<AshaScheduler>(AshaOptions{r, eta, max, s});
}

// Trials 0..n-1 that each reported `value` once at `step`, finished or not.
std::vector<TrialProgress> AtStep(int64_t step, const std::vector<double>& values,
                                  bool finished = false) {
  std::vector<TrialProgress> trials;
  for (double v : values) {
    trials.push_back({static_cast<int64_t>(trials.size()), {{step, v}}, finished});
  }
  return trials;
}

// Appends a trial with the given reports and returns its number.
int64_t Add(std::vector<TrialProgress>& trials, std::vector<Report> reports) {
  const int64_t number = static_cast<int64_t>(trials.size());
  trials.push_back({number, std::move(reports), false});
  return number;
}

TEST(AshaScheduler, RungsAreGeometricFromTheFirstRungBelowTheMaxResource) {
  EXPECT_EQ(Asha(1, 3, 27)->rungs(), (std::vector<int64_t>{1, 3, 9}));
  EXPECT_EQ(Asha(1, 3, 28)->rungs(), (std::vector<int64_t>{1, 3, 9, 27}));
  EXPECT_EQ(Asha(2, 2, 20, 1)->rungs(), (std::vector<int64_t>{4, 8, 16}));
  EXPECT_EQ(Asha(5, 4, 100)->rungs(), (std::vector<int64_t>{5, 20, 80}));
  auto unbounded = Asha(1, 10, std::nullopt);
  ASSERT_EQ(unbounded->rungs().size(), 13u);  // 1 .. 10^12
  EXPECT_EQ(unbounded->rungs().back(), 1'000'000'000'000);
}

TEST(AshaScheduler, KeepsTheTopOneOverEtaOfTheRung) {
  // Nine values at rung 1 (η = 3): the top ⌊9/3⌋ = 3 go on.
  auto asha = Asha(1, 3, 27);
  std::vector<TrialProgress> trials = AtStep(1, {0.1, 0.2, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3});
  EXPECT_EQ(asha->OnReport(trials, 0, 1), Decision::kContinue);
  EXPECT_EQ(asha->OnReport(trials, 1, 1), Decision::kContinue);
  EXPECT_EQ(asha->OnReport(trials, 8, 1), Decision::kContinue);  // 0.3: third best
  EXPECT_EQ(asha->OnReport(trials, 7, 1), Decision::kStop);      // 0.4: fourth
  EXPECT_EQ(asha->OnReport(trials, 2, 1), Decision::kStop);      // 0.9: worst
  // With η = 2 the top ⌊9/2⌋ = 4 go on.
  EXPECT_EQ(Asha(1, 2, 27)->OnReport(trials, 7, 1), Decision::kContinue);
  EXPECT_EQ(Asha(1, 2, 27)->OnReport(trials, 6, 1), Decision::kStop);  // 0.5: fifth
}

TEST(AshaScheduler, BeforeARungHoldsEtaTrialsOnlyTheBestSoFarGoesOn) {
  auto asha = Asha(1, 3, 27);
  std::vector<TrialProgress> trials = AtStep(1, {0.5});
  EXPECT_EQ(asha->OnReport(trials, 0, 1), Decision::kContinue);  // first at the rung, however bad
  trials = AtStep(1, {0.5, 0.6});
  EXPECT_EQ(asha->OnReport(trials, 1, 1), Decision::kStop);
  trials = AtStep(1, {0.5, 0.4});
  EXPECT_EQ(asha->OnReport(trials, 1, 1), Decision::kContinue);
  trials = AtStep(1, {0.5, 0.4, 0.45});
  EXPECT_EQ(asha->OnReport(trials, 2, 1), Decision::kStop);
  // Five values: still ⌊5/3⌋ = 1 kept; six: 2 kept.
  trials = AtStep(1, {0.1, 0.9, 0.9, 0.9, 0.2});
  EXPECT_EQ(asha->OnReport(trials, 4, 1), Decision::kStop);
  trials = AtStep(1, {0.1, 0.9, 0.9, 0.9, 0.9, 0.2});
  EXPECT_EQ(asha->OnReport(trials, 5, 1), Decision::kContinue);
}

TEST(AshaScheduler, TiesAtTheCutoffGoOn) {
  auto asha = Asha(1, 3, 27);
  // Six values, two kept; only 0.1 is strictly better than 0.2.
  std::vector<TrialProgress> trials = AtStep(1, {0.1, 0.2, 0.2, 0.2, 0.9, 0.9});
  EXPECT_EQ(asha->OnReport(trials, 3, 1), Decision::kContinue);
  // Two strictly better than 0.3.
  trials = AtStep(1, {0.1, 0.2, 0.2, 0.3, 0.9, 0.9});
  EXPECT_EQ(asha->OnReport(trials, 3, 1), Decision::kStop);
  // All equal: everyone goes on.
  trials = AtStep(1, {0.5, 0.5, 0.5, 0.5});
  EXPECT_EQ(asha->OnReport(trials, 3, 1), Decision::kContinue);
}

TEST(AshaScheduler, StepsOffTheRungsGoOn) {
  auto asha = Asha(1, 3, 27);  // rungs 1, 3, 9
  std::vector<TrialProgress> trials;
  for (int i = 0; i < 6; ++i) Add(trials, {{1, 0.1}, {2, 0.1}, {3, 0.1}, {4, 0.1}});
  int64_t weak = Add(trials, {{1, 0.1}, {2, 5.0}});
  EXPECT_EQ(asha->OnReport(trials, weak, 2), Decision::kContinue);
  trials[weak].values.push_back({3, 5.0});
  EXPECT_EQ(asha->OnReport(trials, weak, 3), Decision::kStop);
}

TEST(AshaScheduler, MinResourceAndEarlyStoppingRatePlaceTheFirstRung) {
  // r = 2, η = 2, s = 1: rungs at 4, 8, 16.
  auto asha = Asha(2, 2, 20, 1);
  std::vector<TrialProgress> trials;
  for (int i = 0; i < 4; ++i) Add(trials, {{2, 0.1}, {4, 0.1}});
  int64_t weak = Add(trials, {{2, 9.0}});
  EXPECT_EQ(asha->OnReport(trials, weak, 2), Decision::kContinue);  // step 2 is no rung
  trials[weak].values.push_back({4, 9.0});
  EXPECT_EQ(asha->OnReport(trials, weak, 4), Decision::kStop);
}

TEST(AshaScheduler, ReportsAtOrPastTheMaxResourceGoOn) {
  auto asha = Asha(1, 3, 9);  // rungs 1, 3; the trainer stops at 9
  std::vector<TrialProgress> trials;
  for (int i = 0; i < 6; ++i) Add(trials, {{1, 0.1}, {3, 0.1}, {9, 0.1}});
  int64_t weak = Add(trials, {{1, 0.1}, {3, 0.1}, {9, 7.0}});
  EXPECT_EQ(asha->OnReport(trials, weak, 9), Decision::kContinue);
  EXPECT_EQ(Asha(1, 3, 10)->OnReport(trials, weak, 9), Decision::kStop);  // 9 is a rung
}

TEST(AshaScheduler, ASkippedRungIsJudgedOnTheLastValueBeforeIt) {
  auto asha = Asha(1, 3, 27);  // rungs 1, 3, 9
  std::vector<TrialProgress> trials;
  for (int i = 0; i < 6; ++i) Add(trials, {{1, 0.5}, {3, 0.3}});
  // Reports at 2 and 4: rung 3 is judged at step 4 on the value of step 2.
  int64_t skipper = Add(trials, {{1, 0.2}, {2, 0.4}, {4, 0.01}});
  EXPECT_EQ(asha->OnReport(trials, skipper, 4), Decision::kStop);
  trials[skipper].values = {{1, 0.2}, {2, 0.01}, {4, 0.4}};
  EXPECT_EQ(asha->OnReport(trials, skipper, 4), Decision::kContinue);
  // Others are ranked on their value at the rung too, not on later, better ones.
  trials = {};
  for (int i = 0; i < 6; ++i) Add(trials, {{1, 0.5}, {3, 0.3}, {4, 0.0}});
  int64_t late = Add(trials, {{1, 0.1}, {3, 0.2}});
  EXPECT_EQ(asha->OnReport(trials, late, 3), Decision::kContinue);
}

TEST(AshaScheduler, AJumpOverSeveralRungsIsJudgedAtEach) {
  auto asha = Asha(1, 3, 27);  // rungs 1, 3, 9
  std::vector<TrialProgress> trials;
  for (int i = 0; i < 6; ++i) Add(trials, {{1, 0.5}, {3, 0.5}, {9, 0.2}});
  // From step 1 to 10: rung 3 (value 0.4, best) passes, rung 9 (same value, worst) stops.
  int64_t jumper = Add(trials, {{1, 0.4}, {10, 0.4}});
  EXPECT_EQ(asha->OnReport(trials, jumper, 10), Decision::kStop);
  // A first report past rung 1 is judged there on that first value.
  std::vector<TrialProgress> first = AtStep(1, {0.1, 0.1, 0.1, 0.1, 0.1, 0.1});
  int64_t late_start = Add(first, {{2, 0.5}});
  EXPECT_EQ(asha->OnReport(first, late_start, 2), Decision::kStop);
}

TEST(AshaScheduler, OnlyTrialsThatReachedTheRungCountFinishedOnesIncluded) {
  auto asha = Asha(1, 3, 27);  // rungs 1, 3, 9
  std::vector<TrialProgress> trials;
  // Six trials stopped at rung 1 with good values do not sit at rung 3.
  for (int i = 0; i < 6; ++i) trials.push_back({i, {{1, 0.01}}, true});
  int64_t a = Add(trials, {{1, 0.3}, {2, 0.3}, {3, 0.3}});
  EXPECT_EQ(asha->OnReport(trials, a, 3), Decision::kContinue);  // alone at rung 3
  // A finished trial that passed rung 3 with a better value counts.
  trials.push_back({99, {{1, 0.2}, {3, 0.2}, {9, 0.2}}, true});
  EXPECT_EQ(asha->OnReport(trials, a, 3), Decision::kStop);
}

TEST(AshaScheduler, AReplayedHistoryGivesTheSameDecision) {
  auto asha = Asha(1, 3, 27);
  std::vector<TrialProgress> trials = AtStep(1, {0.2, 0.3, 0.25});
  const Decision live = asha->OnReport(trials, 2, 1);
  EXPECT_EQ(live, Decision::kStop);
  // After a restart the history also holds trial 2's later reports.
  trials[2].values.push_back({2, 0.0});
  trials[2].values.push_back({3, 0.0});
  EXPECT_EQ(asha->OnReport(trials, 2, 1), live);
  EXPECT_EQ(asha->OnReport(trials, 2, 1), live);
}

TEST(AshaScheduler, NanIsTheWorstValue) {
  auto asha = Asha(1, 3, 27);
  std::vector<TrialProgress> trials = AtStep(1, {NAN});
  EXPECT_EQ(asha->OnReport(trials, 0, 1), Decision::kStop);
  trials = AtStep(1, {NAN, 0.9});
  EXPECT_EQ(asha->OnReport(trials, 1, 1), Decision::kContinue);
  trials = AtStep(1, {INFINITY, INFINITY});
  EXPECT_EQ(asha->OnReport(trials, 1, 1), Decision::kContinue);  // a tie, not a NaN
}

TEST(AshaScheduler, AnUnknownReportGoesOn) {
  auto asha = Asha(1, 3, 27);
  std::vector<TrialProgress> trials = AtStep(1, {0.1, 0.9});
  EXPECT_EQ(asha->OnReport(trials, 1, 2), Decision::kContinue);  // no report at step 2
  EXPECT_EQ(asha->OnReport(trials, 5, 1), Decision::kContinue);  // no trial 5
}

}  // namespace
}  // namespace easel::automl
