#include "automl/scheduler.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace easel::automl {
namespace {

// Expects INVALID_ARGUMENT whose message contains `needle` and whose details name `field`.
void ExpectInvalid(const Json& config, const std::string& field, const std::string& needle) {
  SCOPED_TRACE(config.dump());
  auto made = MakeScheduler(config);
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(made.status().message().find(needle), std::string::npos) << made.status().message();
  EXPECT_EQ(made.status().details().value("field", ""), field);
}

TEST(SchedulerFactory, ConfigMustBeAnObjectWithAType) {
  auto made = MakeScheduler(Json::array());
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.status().code(), StatusCode::kInvalidArgument);
  ExpectInvalid(Json::object(), "type", "'type' is required");
  ExpectInvalid({{"type", 3}}, "type", "'type' must be a string");
}

TEST(SchedulerFactory, UnknownTypeListsTheKnownOnes) {
  ExpectInvalid({{"type", "hyperband"}}, "type", "unknown scheduler 'hyperband'");
  ExpectInvalid({{"type", "hyperband"}}, "type", "known schedulers: asha, median, none");
}

TEST(SchedulerFactory, UnknownOptionIsNamedWithTheKnownOnes) {
  ExpectInvalid({{"type", "asha"}, {"eta", 3}}, "eta", "'eta' is not an option");
  ExpectInvalid({{"type", "asha"}, {"eta", 3}}, "eta", "reduction_factor");
  ExpectInvalid({{"type", "median"}, {"percentile", 50}}, "percentile", "n_warmup_steps");
  ExpectInvalid({{"type", "none"}, {"max_resource", 9}}, "max_resource", "known options: none");
}

TEST(SchedulerFactory, AshaOptionsOutOfRangeAreNamed) {
  ExpectInvalid({{"type", "asha"}, {"min_resource", 0}}, "min_resource", "'min_resource'");
  ExpectInvalid({{"type", "asha"}, {"min_resource", 1.5}}, "min_resource", "an integer");
  ExpectInvalid({{"type", "asha"}, {"reduction_factor", 1}}, "reduction_factor",
                "'reduction_factor'");
  ExpectInvalid({{"type", "asha"}, {"reduction_factor", "3"}}, "reduction_factor", "an integer");
  ExpectInvalid({{"type", "asha"}, {"max_resource", 0}}, "max_resource", "'max_resource'");
  ExpectInvalid({{"type", "asha"}, {"min_early_stopping_rate", -1}}, "min_early_stopping_rate",
                "'min_early_stopping_rate'");
  // 3^30 is past the largest rung step.
  ExpectInvalid({{"type", "asha"}, {"min_early_stopping_rate", 30}}, "min_early_stopping_rate",
                "first rung");
  // The first rung is at 2·3 = 6: a max of 6 leaves no rung at all.
  ExpectInvalid(
      {{"type", "asha"}, {"min_resource", 2}, {"min_early_stopping_rate", 1}, {"max_resource", 6}},
      "max_resource", "must exceed the first rung step 6");
  EXPECT_TRUE(MakeScheduler({{"type", "asha"},
                             {"min_resource", 2},
                             {"min_early_stopping_rate", 1},
                             {"max_resource", 7}})
                  .ok());
}

TEST(SchedulerFactory, MedianOptionsOutOfRangeAreNamed) {
  ExpectInvalid({{"type", "median"}, {"n_startup_trials", -1}}, "n_startup_trials",
                "'n_startup_trials'");
  ExpectInvalid({{"type", "median"}, {"n_warmup_steps", -2}}, "n_warmup_steps", "'n_warmup_steps'");
  ExpectInvalid({{"type", "median"}, {"interval_steps", 0}}, "interval_steps", "'interval_steps'");
  ExpectInvalid({{"type", "median"}, {"interval_steps", true}}, "interval_steps", "an integer");
}

TEST(SchedulerFactory, ToJsonFillsDefaultsAndRoundTrips) {
  const std::vector<Json> configs = {
      {{"type", "none"}},
      {{"type", "asha"}},
      {{"type", "asha"},
       {"min_resource", 2},
       {"reduction_factor", 4},
       {"max_resource", 100},
       {"min_early_stopping_rate", 1}},
      {{"type", "median"}},
      {{"type", "median"}, {"n_startup_trials", 0}, {"n_warmup_steps", 3}, {"interval_steps", 2}},
  };
  for (const Json& config : configs) {
    SCOPED_TRACE(config.dump());
    auto first = MakeScheduler(config);
    ASSERT_TRUE(first.ok()) << first.status().ToString();
    const Json saved = (*first)->ToJson();
    for (const auto& [key, value] : config.items()) EXPECT_EQ(saved.at(key), value) << key;
    auto second = MakeScheduler(saved);
    ASSERT_TRUE(second.ok()) << second.status().ToString();
    EXPECT_EQ((*second)->ToJson(), saved);
  }
  EXPECT_EQ((*MakeScheduler({{"type", "asha"}}))->ToJson(), Json({{"type", "asha"},
                                                                  {"min_resource", 1},
                                                                  {"reduction_factor", 3},
                                                                  {"min_early_stopping_rate", 0}}));
  EXPECT_EQ((*MakeScheduler({{"type", "median"}}))->ToJson(), Json({{"type", "median"},
                                                                    {"n_startup_trials", 5},
                                                                    {"n_warmup_steps", 0},
                                                                    {"interval_steps", 1}}));
}

TEST(SchedulerFactory, MaxStepsIsTheMaxResource) {
  EXPECT_EQ((*MakeScheduler({{"type", "asha"}, {"max_resource", 27}}))->MaxSteps(), 27);
  EXPECT_EQ((*MakeScheduler({{"type", "asha"}}))->MaxSteps(), std::nullopt);
  EXPECT_EQ((*MakeScheduler({{"type", "median"}}))->MaxSteps(), std::nullopt);
  EXPECT_EQ((*MakeScheduler({{"type", "none"}}))->MaxSteps(), std::nullopt);
}

TEST(SchedulerNone, NeverStops) {
  auto none = MakeScheduler({{"type", "none"}});
  ASSERT_TRUE(none.ok());
  std::vector<TrialProgress> trials = {
      {0, {{1, 0.1}, {2, 0.05}}, true},
      {1, {{1, 0.1}, {2, 0.05}}, true},
      {2, {{1, 9.0}, {2, NAN}}, false},
  };
  EXPECT_EQ((*none)->OnReport(trials, 2, 1), Decision::kContinue);
  EXPECT_EQ((*none)->OnReport(trials, 2, 2), Decision::kContinue);
}

TEST(SchedulerReports, ReportsUpToFindsTheTrialInAnyOrder) {
  std::vector<TrialProgress> trials = {
      {5, {{1, 0.5}, {3, 0.4}, {4, 0.3}}, false},
      {0, {{1, 0.9}}, false},
  };
  auto upto = ReportsUpTo(trials, 5, 3);
  ASSERT_TRUE(upto.has_value());
  ASSERT_EQ(upto->size(), 2u);
  EXPECT_EQ(upto->back(), Report(3, 0.4));
  EXPECT_EQ(ReportsUpTo(trials, 0, 1)->size(), 1u);
  EXPECT_FALSE(ReportsUpTo(trials, 5, 2).has_value());  // no report at step 2
  EXPECT_FALSE(ReportsUpTo(trials, 7, 1).has_value());  // no such trial
}

}  // namespace
}  // namespace easel::automl
