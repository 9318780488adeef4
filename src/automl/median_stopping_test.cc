#include "automl/median_stopping.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace easel::automl {
namespace {

MedianStoppingScheduler Median(int64_t startup, int64_t warmup = 0, int64_t interval = 1) {
  return MedianStoppingScheduler(MedianStoppingOptions{startup, warmup, interval});
}

// A trial that reported values[i] at step i + 1.
TrialProgress Curve(int64_t number, const std::vector<double>& values, bool finished = true) {
  TrialProgress t{number, {}, finished};
  for (size_t i = 0; i < values.size(); ++i) {
    t.values.push_back({static_cast<int64_t>(i) + 1, values[i]});
  }
  return t;
}

// Three finished trials whose running averages are 0.5 at every step.
std::vector<TrialProgress> ThreeFinished() {
  return {Curve(0, {0.5, 0.5, 0.5, 0.5, 0.5, 0.5}), Curve(1, {0.4, 0.4, 0.4, 0.4, 0.4, 0.4}),
          Curve(2, {0.6, 0.6, 0.6, 0.6, 0.6, 0.6})};
}

TEST(MedianStopping, StopsATrialWorseThanTheMedianAtTheSameStep) {
  std::vector<TrialProgress> trials = ThreeFinished();
  trials.push_back(Curve(3, {0.55}, false));
  EXPECT_EQ(Median(0).OnReport(trials, 3, 1), Decision::kStop);
  trials[3] = Curve(3, {0.45}, false);
  EXPECT_EQ(Median(0).OnReport(trials, 3, 1), Decision::kContinue);
  trials[3] = Curve(3, {0.5}, false);  // equal to the median: not worse
  EXPECT_EQ(Median(0).OnReport(trials, 3, 1), Decision::kContinue);
}

TEST(MedianStopping, NoStopBeforeEnoughTrialsHaveFinished) {
  std::vector<TrialProgress> trials = ThreeFinished();
  trials[2].finished = false;
  trials.push_back(Curve(3, {9.0}, false));
  trials.push_back(Curve(4, {}, true));  // failed before reporting: does not count
  EXPECT_EQ(Median(3).OnReport(trials, 3, 1), Decision::kContinue);
  EXPECT_EQ(Median(2).OnReport(trials, 3, 1), Decision::kStop);
  trials[2].finished = true;
  EXPECT_EQ(Median(3).OnReport(trials, 3, 1), Decision::kStop);
  EXPECT_EQ(Median(4).OnReport(trials, 3, 1), Decision::kContinue);
}

TEST(MedianStopping, NoStopDuringWarmup) {
  std::vector<TrialProgress> trials = ThreeFinished();
  trials.push_back(Curve(3, {9.0, 9.0, 9.0, 9.0}, false));
  auto rule = Median(0, /*warmup=*/3);
  for (int64_t step = 1; step <= 3; ++step) {
    EXPECT_EQ(rule.OnReport(trials, 3, step), Decision::kContinue) << step;
  }
  EXPECT_EQ(rule.OnReport(trials, 3, 4), Decision::kStop);
}

TEST(MedianStopping, ChecksEveryIntervalAfterWarmup) {
  std::vector<TrialProgress> trials = ThreeFinished();
  trials.push_back(Curve(3, {9.0, 9.0, 9.0, 9.0, 9.0, 9.0}, false));
  auto rule = Median(0, /*warmup=*/1, /*interval=*/2);  // checks at 3, 5, 7...
  const std::vector<Decision> expected = {Decision::kContinue, Decision::kContinue,
                                          Decision::kStop,     Decision::kContinue,
                                          Decision::kStop,     Decision::kContinue};
  for (int64_t step = 1; step <= 6; ++step) {
    EXPECT_EQ(rule.OnReport(trials, 3, step), expected[step - 1]) << step;
  }
  // A trial that skips step 3 is checked at its next report.
  trials[3].values = {{2, 9.0}, {4, 9.0}, {6, 9.0}};
  EXPECT_EQ(rule.OnReport(trials, 3, 2), Decision::kContinue);
  EXPECT_EQ(rule.OnReport(trials, 3, 4), Decision::kStop);
  EXPECT_EQ(rule.OnReport(trials, 3, 6), Decision::kStop);  // 5 skipped too
}

TEST(MedianStopping, ComparesTheBestValueWithTheOthersRunningAverages) {
  // Others fall from 1.0 to 0.2: their value at step 2 is 0.2, their average 0.6.
  std::vector<TrialProgress> trials = {Curve(0, {1.0, 0.2}), Curve(1, {1.0, 0.2}),
                                       Curve(2, {1.0, 0.2})};
  trials.push_back(Curve(3, {0.5, 0.7}, false));  // best 0.5, latest 0.7
  EXPECT_EQ(Median(0).OnReport(trials, 3, 2), Decision::kContinue);
  trials[3] = Curve(3, {0.65, 0.65}, false);
  EXPECT_EQ(Median(0).OnReport(trials, 3, 2), Decision::kStop);
}

TEST(MedianStopping, OnlyTrialsThatReachedTheStepCountRunningOnesIncluded) {
  std::vector<TrialProgress> trials = {
      Curve(0, {0.1}),                   // stopped at step 1: not at step 2
      Curve(1, {0.1}),                   // idem
      Curve(2, {0.9, 0.9, 0.9}, false),  // running, past step 2
      Curve(3, {0.8, 0.8}),              // finished at step 2
  };
  trials.push_back(Curve(4, {0.7, 0.7}, false));
  // Median at step 2 over trials 2 and 3: 0.85.
  EXPECT_EQ(Median(0).OnReport(trials, 4, 2), Decision::kContinue);
  trials[4] = Curve(4, {0.86, 0.86}, false);
  EXPECT_EQ(Median(0).OnReport(trials, 4, 2), Decision::kStop);
  // A trial that skipped step 2 but reported past it counts, with its reports before step 2.
  trials.push_back({5, {{1, 0.5}, {3, 10.0}}, false});
  trials.push_back({6, {{1, 0.5}, {3, 10.0}}, false});
  EXPECT_EQ(Median(0).OnReport(trials, 4, 2), Decision::kStop);  // median now 0.65
  trials[4] = Curve(4, {0.6, 0.6}, false);
  EXPECT_EQ(Median(0).OnReport(trials, 4, 2), Decision::kContinue);
}

TEST(MedianStopping, NoOtherTrialAtTheStepMeansNoDecision) {
  std::vector<TrialProgress> trials = {Curve(0, {0.1}), Curve(1, {9.0, 9.0}, false)};
  EXPECT_EQ(Median(0).OnReport(trials, 1, 2), Decision::kContinue);
}

TEST(MedianStopping, ReportsAfterTheJudgedStepAreIgnored) {
  std::vector<TrialProgress> trials = ThreeFinished();
  trials.push_back(Curve(3, {0.9, 0.9, 0.0}, false));  // a replay holding step 3
  EXPECT_EQ(Median(0).OnReport(trials, 3, 2), Decision::kStop);
}

TEST(MedianStopping, NanValuesAreSkippedAndAllNanStops) {
  std::vector<TrialProgress> trials = ThreeFinished();
  trials.push_back(Curve(3, {NAN}, false));
  EXPECT_EQ(Median(0).OnReport(trials, 3, 1), Decision::kStop);
  trials[3] = Curve(3, {NAN, 0.45}, false);
  EXPECT_EQ(Median(0).OnReport(trials, 3, 2), Decision::kContinue);
  // A NaN in another curve is left out of its average; an all-NaN curve gives none.
  trials = {Curve(0, {NAN, 0.2}), Curve(1, {NAN, NAN}), Curve(2, {0.3, 0.3}),
            Curve(3, {0.26, 0.26}, false)};
  // Averages at step 2: 0.2 and 0.3, median 0.25.
  EXPECT_EQ(Median(0).OnReport(trials, 3, 2), Decision::kStop);
  trials[3] = Curve(3, {0.25, 0.25}, false);
  EXPECT_EQ(Median(0).OnReport(trials, 3, 2), Decision::kContinue);
}

}  // namespace
}  // namespace easel::automl
