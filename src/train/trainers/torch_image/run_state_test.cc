#include "train/trainers/torch_image/run_state.h"

#include <gtest/gtest.h>

namespace easel::train::torch_image {
namespace {

const Json kParams{{"arch", "resnet18"}, {"epochs", 5}, {"workers", 2}};

TEST(RunStateTest, UpdateTracksTheBestEpochAndThePatience) {
  RunState s;
  EXPECT_FALSE(s.Update(1, 0.9, 2, "w1"));
  EXPECT_FALSE(s.Update(2, 0.7, 2, "w2"));
  EXPECT_FALSE(s.Update(3, 0.8, 2, "w3"));  // one epoch without improvement
  EXPECT_EQ(s.best_epoch, 2);
  EXPECT_EQ(s.best_weights, "w2");
  EXPECT_TRUE(s.Update(4, 0.7, 2, "w4"));  // equal is not better: patience exhausted
  s.Update(5, NAN, 9, "w5");
  EXPECT_EQ(s.best_epoch, 2);  // NaN never improves
}

TEST(RunStateTest, CheckpointKeepsTheBestWeightsOnlyWhenTheyDifferFromTheCurrent) {
  RunState s;
  s.Update(1, 0.5, 3, "best");
  s.epochs_done = 1;
  torch_util::TrainCheckpoint current;
  current.model_state = "best";
  SaveRunState(s, kParams, current);
  EXPECT_EQ(current.epoch, 1);
  EXPECT_TRUE(current.blobs.empty());
  Result<RunState> back = LoadRunState(current, kParams);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->best_weights, "best");
  EXPECT_EQ(back->best_val_loss, 0.5);

  s.Update(2, 0.6, 3, "worse");
  s.epochs_done = 2;
  torch_util::TrainCheckpoint later;
  later.model_state = "worse";
  SaveRunState(s, kParams, later);
  EXPECT_EQ(later.blobs.at("best_model"), "best");
  back = LoadRunState(later, kParams);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->epochs_done, 2);
  EXPECT_EQ(back->best_epoch, 1);
  EXPECT_EQ(back->best_weights, "best");
  EXPECT_EQ(back->epochs_without_improvement, 1);

  // Decode workers change nothing but speed; any other parameter refuses the checkpoint.
  Json more_workers = kParams;
  more_workers["workers"] = 8;
  EXPECT_TRUE(LoadRunState(later, more_workers).ok());
  Json other = kParams;
  other["epochs"] = 6;
  EXPECT_EQ(LoadRunState(later, other).status().code(), StatusCode::kFailedPrecondition);
  later.blobs.clear();
  EXPECT_EQ(LoadRunState(later, kParams).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(LoadRunState(torch_util::TrainCheckpoint{}, kParams).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace easel::train::torch_image
