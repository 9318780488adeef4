// What Train refuses before boosting, and the small parts of a round: parameters, the eval
// line, round seeds, checkpoints.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "train/trainers/xgboost/params.h"
#include "train/trainers/xgboost/rounds.h"
#include "train/trainers/xgboost/run_state.h"
#include "train/trainers/xgboost/test_support.h"
#include "train/trainers/xgboost/xgboost_trainer.h"

namespace easel::train::xgboost {
namespace {

using testing::FakeHooks;
using testing::Iris;
using testing::Params;

Status TrainStatus(const TabularProblem& p, const Json& params = Params({{"n_estimators", 2}}),
                   Resources resources = {"cpu", 1}) {
  FakeHooks hooks;
  return Train(p, params, 0, resources, hooks).status();
}

TEST(XgboostInputsTest, SchemaListsEveryParameterWithItsDefault) {
  Json schema = ParamsSchema();
  EXPECT_EQ(schema["type"], "object");
  const Json& props = schema["properties"];
  EXPECT_EQ(props.size(), 13u);
  EXPECT_EQ(props["n_estimators"]["default"], 100);
  EXPECT_EQ(props["max_depth"]["default"], 6);
  EXPECT_EQ(props["learning_rate"]["default"], 0.3);
  EXPECT_EQ(props["learning_rate"]["exclusiveMinimum"], 0);
  EXPECT_EQ(props["tree_method"]["enum"], Json({"hist", "approx", "exact"}));
  EXPECT_EQ(props["early_stopping_rounds"]["default"], 10);
  for (const auto& [name, spec] : props.items()) {
    EXPECT_TRUE(spec.contains("description")) << name;
    EXPECT_TRUE(spec.contains("maximum") || spec.contains("enum")) << name;
  }
  EXPECT_TRUE(ParseBoostParams(Params()).ok());
  // What is not given takes its default.
  Json missing = Params({{"gamma", 2.5}});
  missing.erase("gamma");
  EXPECT_EQ(ParseBoostParams(missing)->gamma, 0);
  EXPECT_EQ(ParseBoostParams(Json::object())->max_depth, 6);
}

TEST(XgboostInputsTest, RejectsBadParams) {
  const StatusCode kBad = StatusCode::kInvalidArgument;
  EXPECT_EQ(ParseBoostParams(Params({{"eta", 0.1}})).status().code(), kBad);
  EXPECT_THAT(ParseBoostParams(Params({{"eta", 0.1}})).status().message(),
              ::testing::HasSubstr("params.eta is not a parameter"));
  EXPECT_EQ(ParseBoostParams(Params({{"n_estimators", 1.5}})).status().code(), kBad);
  EXPECT_EQ(ParseBoostParams(Params({{"n_estimators", 0}})).status().code(), kBad);
  EXPECT_EQ(ParseBoostParams(Params({{"learning_rate", 0}})).status().code(), kBad);
  EXPECT_EQ(ParseBoostParams(Params({{"subsample", 1.5}})).status().code(), kBad);
  EXPECT_EQ(ParseBoostParams(Params({{"tree_method", "gpu_hist"}})).status().code(), kBad);
  EXPECT_EQ(ParseBoostParams(Params({{"max_depth", 0}, {"tree_method", "exact"}})).status().code(),
            kBad);
  EXPECT_TRUE(ParseBoostParams(Params({{"max_depth", 0}})).ok());
  EXPECT_EQ(ParseBoostParams(Json::array()).status().code(), kBad);
  EXPECT_EQ(TrainStatus(Iris(), Params({{"reg_alpha", -1}})).code(), kBad);
}

TEST(XgboostInputsTest, RejectsBadProblems) {
  const StatusCode kBad = StatusCode::kInvalidArgument;
  TabularProblem empty = Iris();
  empty.train = {};
  EXPECT_EQ(TrainStatus(empty).code(), kBad);

  TabularProblem out_of_range = Iris();
  out_of_range.train.y[3] = 3;
  EXPECT_EQ(TrainStatus(out_of_range).code(), kBad);
  TabularProblem fractional = Iris();
  fractional.val.y[0] = 0.5;
  EXPECT_EQ(TrainStatus(fractional).code(), kBad);
  TabularProblem nan_label = Iris();
  nan_label.train.y[0] = NAN;
  EXPECT_THAT(TrainStatus(nan_label).message(), ::testing::HasSubstr("train row 0"));
  TabularProblem negative = Iris();
  negative.train.y[1] = -1;
  EXPECT_EQ(TrainStatus(negative).code(), kBad);

  TabularProblem names = Iris();
  names.feature_names.pop_back();
  EXPECT_EQ(TrainStatus(names).code(), kBad);
  TabularProblem twice = Iris();
  twice.feature_names[1] = twice.feature_names[0];
  EXPECT_EQ(TrainStatus(twice).code(), kBad);
  TabularProblem short_y = Iris();
  short_y.train.y.pop_back();
  EXPECT_EQ(TrainStatus(short_y).code(), kBad);
  TabularProblem infinite = Iris();
  infinite.test.x.data[5] = INFINITY;
  infinite.test.x.data[9] = -INFINITY;
  EXPECT_EQ(TrainStatus(infinite).code(), kBad);
  EXPECT_THAT(TrainStatus(infinite).message(),
              ::testing::HasSubstr("test split row 1 feature 1 is infinite"));
  infinite.test.x.data[5] = 0;
  EXPECT_THAT(TrainStatus(infinite).message(),
              ::testing::HasSubstr("test split row 2 feature 1 is infinite"));
  TabularProblem binary = Iris();
  binary.task = Task::kBinary;
  EXPECT_EQ(TrainStatus(binary).code(), kBad);
  TabularProblem regression_nan = testing::Diabetes();
  regression_nan.val.y[2] = NAN;
  EXPECT_EQ(TrainStatus(regression_nan).code(), kBad);
}

TEST(XgboostInputsTest, DeviceAndThreads) {
  Status cuda = TrainStatus(Iris(), Params({{"n_estimators", 2}}), {"cuda", 1});
  EXPECT_EQ(cuda.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(cuda.message(), "this build of XGBoost has no CUDA support");
  EXPECT_EQ(TrainStatus(Iris(), Params({{"n_estimators", 2}}), {"tpu", 1}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(TrainStatus(Iris(), Params({{"n_estimators", 2}}), {"cpu", -1}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(TrainStatus(Iris(), Params({{"n_estimators", 1}}), {"cpu", 0}).ok());
}

TEST(XgboostInputsTest, CheckpointOfAnotherRunIsRefused) {
  FakeHooks hooks;
  hooks.cancel_after_epochs = 2;
  ASSERT_EQ(Train(Iris(), Params(), 0, {"cpu", 1}, hooks).status().code(), StatusCode::kCancelled);
  hooks.cancel_after_epochs = -1;
  EXPECT_EQ(Train(Iris(), Params(), 1, {"cpu", 1}, hooks).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(Train(Iris(), Params({{"gamma", 1}}), 0, {"cpu", 1}, hooks).status().code(),
            StatusCode::kFailedPrecondition);
  hooks.checkpoint = "garbage";
  EXPECT_EQ(Train(Iris(), Params(), 0, {"cpu", 1}, hooks).status().code(), StatusCode::kDataLoss);
}

TEST(XgboostInputsTest, CheckpointRoundTrips) {
  Checkpoint c{{12, 7, 0.125, 3}, Json{{"seed", 1}}, std::string("{U\0\x01", 4)};
  auto back = DecodeCheckpoint(EncodeCheckpoint(c));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->state.rounds_done, 12);
  EXPECT_EQ(back->state.best_iteration, 7);
  EXPECT_EQ(back->state.best_score, 0.125);
  EXPECT_EQ(back->state.threads, 3);
  EXPECT_EQ(back->fingerprint, c.fingerprint);
  EXPECT_EQ(back->model, c.model);

  Checkpoint fresh{{1, -1, INFINITY, 1}, Json::object(), "m"};
  auto fresh_back = DecodeCheckpoint(EncodeCheckpoint(fresh));
  ASSERT_TRUE(fresh_back.ok());
  EXPECT_TRUE(std::isinf(fresh_back->state.best_score));
  for (std::string bad : {"", "{}\nx", "{\"version\": \"1\"}\nx", "[1]\nx"}) {
    EXPECT_EQ(DecodeCheckpoint(bad).status().code(), StatusCode::kDataLoss) << bad;
  }
}

TEST(XgboostInputsTest, EarlyStoppingNeedsAStrictlyLowerLoss) {
  RunState s;
  const double losses[] = {0.5, 0.4, 0.4, 0.45, 0.41};
  for (int round = 0; round < 5; ++round) {
    RecordValLoss(s, round, losses[round]);
    s.rounds_done = round + 1;
  }
  EXPECT_EQ(s.best_iteration, 1);
  EXPECT_TRUE(ShouldStop(s, 3));
  EXPECT_FALSE(ShouldStop(s, 4));
  EXPECT_FALSE(ShouldStop(s, 0));
}

TEST(XgboostInputsTest, ParsesXgboostEvalLines) {
  auto both = ParseEvalLine("[3]\ttrain-mlogloss:0.25\tval-mlogloss:0.5000000000000001", true);
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both->train, 0.25);
  EXPECT_EQ(both->val, 0.5000000000000001);
  auto train_only = ParseEvalLine("[0]\ttrain-rmse:12.5", false);
  ASSERT_TRUE(train_only.ok());
  EXPECT_TRUE(std::isnan(train_only->val));
  EXPECT_FALSE(ParseEvalLine("[0]\ttrain-rmse:12.5", true).ok());
  EXPECT_FALSE(ParseEvalLine("[0]\ttrain-rmse:abc", false).ok());
}

TEST(XgboostInputsTest, RoundSeedsAndUpdatersAlternate) {
  for (int round = 0; round < 1000; ++round) {
    int64_t s = RoundSeed(42, round);
    EXPECT_GE(s, 0);
    EXPECT_LT(s, int64_t{1} << 31);
    EXPECT_NE(s, RoundSeed(42, round + 1));
  }
  EXPECT_NE(RoundSeed(42, 3), RoundSeed(43, 3));
  XgbArgs even = RoundArgs({}, "hist", 1, 4), odd = RoundArgs({}, "exact", 1, 5);
  EXPECT_THAT(even, ::testing::Contains(
                        std::pair<std::string, std::string>("updater", "grow_quantile_histmaker")));
  EXPECT_THAT(odd, ::testing::Contains(
                       std::pair<std::string, std::string>("updater", "sync,grow_colmaker,prune")));
}

TEST(XgboostInputsTest, AccuracyOfBinaryAndMulticlass) {
  std::vector<float> p1 = {0.9f, 0.2f, 0.6f, 0.4f};
  EXPECT_DOUBLE_EQ(Accuracy(p1, 1, std::vector<float>{1, 0, 0, 0}), 0.75);
  std::vector<float> p3 = {0.1f, 0.7f, 0.2f, 0.5f, 0.3f, 0.2f};
  EXPECT_DOUBLE_EQ(Accuracy(p3, 3, std::vector<float>{1, 2}), 0.5);
}

}  // namespace
}  // namespace easel::train::xgboost
