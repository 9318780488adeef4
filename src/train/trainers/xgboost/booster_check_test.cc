// CheckBoosterJson against hand-broken copies of a real model: each would otherwise reach
// XGBoost's unchecked tree walk.

#include "train/trainers/xgboost/booster_check.h"

#include <gtest/gtest.h>

#include "train/trainers/xgboost/test_support.h"
#include "train/trainers/xgboost/xgboost_trainer.h"

namespace easel::train::xgboost {
namespace {

class BoosterCheckTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    testing::FakeHooks hooks;
    auto files = Train(testing::Iris(), testing::Params({{"n_estimators", 3}, {"max_depth", 3}}), 0,
                       Resources{"cpu", 1}, hooks);
    ASSERT_TRUE(files.ok()) << files.status().ToString();
    files_ = new ModelFiles(*files);
  }
  static void TearDownTestSuite() { delete files_; }

  static ModelDescriptor Descriptor() {
    return *DescriptorFromJson(Json::parse(files_->at("model.json")));
  }
  static Json Booster() { return Json::parse(files_->at("booster.json")); }
  static Json& Tree(Json& booster, size_t i) {
    return booster["learner"]["gradient_booster"]["model"]["trees"][i];
  }
  // The first tree with a split (node 0 has children).
  static Json& SplitTree(Json& booster) {
    for (size_t i = 0;; ++i) {
      if (Tree(booster, i)["left_children"][0] != -1) return Tree(booster, i);
    }
  }
  static StatusCode Check(const Json& booster) {
    return CheckBoosterJson(booster.dump(), Descriptor()).code();
  }

  static ModelFiles* files_;
};

ModelFiles* BoosterCheckTest::files_ = nullptr;

TEST_F(BoosterCheckTest, AcceptsWhatTrainWrites) { EXPECT_EQ(Check(Booster()), StatusCode::kOk); }

TEST_F(BoosterCheckTest, RejectsBadChildren) {
  const StatusCode kBad = StatusCode::kInvalidArgument;
  Json b = Booster();
  SplitTree(b)["left_children"][0] = 0;  // a cycle
  EXPECT_EQ(Check(b), kBad);
  b = Booster();
  SplitTree(b)["right_children"][0] = 100000;  // out of range
  EXPECT_EQ(Check(b), kBad);
  b = Booster();
  Json& t = SplitTree(b);
  t["right_children"][0] = t["left_children"][0];  // two edges to one node
  EXPECT_EQ(Check(b), kBad);
  b = Booster();
  SplitTree(b)["left_children"][0] = "1";
  EXPECT_EQ(Check(b), kBad);
}

TEST_F(BoosterCheckTest, RejectsSplitsOnMissingFeatures) {
  Json b = Booster();
  SplitTree(b)["split_indices"][0] = 4;  // iris has features 0..3
  EXPECT_EQ(Check(b), StatusCode::kInvalidArgument);
  b = Booster();
  SplitTree(b)["split_indices"][0] = -1;
  EXPECT_EQ(Check(b), StatusCode::kInvalidArgument);
}

TEST_F(BoosterCheckTest, RejectsArraysOfTheWrongSize) {
  Json b = Booster();
  SplitTree(b)["default_left"].erase(0);
  EXPECT_EQ(Check(b), StatusCode::kInvalidArgument);
  b = Booster();
  SplitTree(b)["tree_param"]["num_nodes"] = "1000";
  EXPECT_EQ(Check(b), StatusCode::kInvalidArgument);
}

TEST_F(BoosterCheckTest, RejectsCategoricalSplits) {
  Json b = Booster();
  Json& t = SplitTree(b);
  t["categories_nodes"] = {0};
  t["categories"] = {1, 2};
  EXPECT_EQ(Check(b), StatusCode::kInvalidArgument);
  b = Booster();
  SplitTree(b)["split_type"][0] = 1;
  EXPECT_EQ(Check(b), StatusCode::kInvalidArgument);
}

TEST_F(BoosterCheckTest, RejectsAModelForSomethingElse) {
  Json b = Booster();
  b["learner"]["learner_model_param"]["num_feature"] = "5";
  EXPECT_EQ(Check(b), StatusCode::kInvalidArgument);
  b = Booster();
  b["learner"]["learner_model_param"]["num_class"] = "4";
  EXPECT_EQ(Check(b), StatusCode::kInvalidArgument);
  b = Booster();
  b["learner"]["objective"]["name"] = "multi:softmax";
  EXPECT_EQ(Check(b), StatusCode::kInvalidArgument);
  b = Booster();
  b["learner"]["gradient_booster"]["name"] = "dart";
  EXPECT_EQ(Check(b), StatusCode::kInvalidArgument);
  b = Booster();
  b["learner"]["gradient_booster"]["model"]["tree_info"][0] = 3;
  EXPECT_EQ(Check(b), StatusCode::kInvalidArgument);
  b = Booster();
  b["learner"]["gradient_booster"]["model"]["trees"].erase(0);
  EXPECT_EQ(Check(b), StatusCode::kInvalidArgument);
}

// A chain of 2000 splits, each the right child of the one before: legal indices, too deep.
TEST_F(BoosterCheckTest, RejectsTreesDeeperThan1024) {
  Json b = Booster();
  Json& t = Tree(b, 0);
  const int n = 4001;
  Json left = Json::array(), right = Json::array(), zeros = Json::array();
  for (int i = 0; i < n; ++i) {
    bool inner = i % 2 == 0 && i + 2 < n;
    left.push_back(inner ? i + 1 : -1);
    right.push_back(inner ? i + 2 : -1);
    zeros.push_back(0);
  }
  for (const char* k : {"parents", "split_indices", "split_conditions", "default_left",
                        "base_weights", "loss_changes", "sum_hessian", "split_type"}) {
    t[k] = zeros;
  }
  t["left_children"] = left;
  t["right_children"] = right;
  t["tree_param"]["num_nodes"] = std::to_string(n);
  EXPECT_EQ(Check(b), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace easel::train::xgboost
