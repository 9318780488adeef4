#include "train/trainers/torch_common/checkpoint.h"

#include <gtest/gtest.h>

#include "common/safetensors.h"

namespace easel::train::torch_util {
namespace {

TrainCheckpoint Sample() {
  TrainCheckpoint c;
  c.epoch = 12;
  c.model_state = std::string("model\0bytes", 11);
  c.optimizer_state = "optimizer";
  c.extra = {{"best_val_loss", 0.25}, {"patience", 3}};
  c.blobs["best_model"] = "best";
  return c;
}

TEST(CheckpointTest, RoundTrip) {
  std::string bytes = EncodeCheckpoint(Sample());
  EXPECT_EQ(bytes, EncodeCheckpoint(Sample()));
  Result<TrainCheckpoint> c = DecodeCheckpoint(bytes);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->epoch, 12);
  EXPECT_EQ(c->model_state, std::string("model\0bytes", 11));
  EXPECT_EQ(c->optimizer_state, "optimizer");
  EXPECT_EQ(c->extra["patience"], 3);
  EXPECT_DOUBLE_EQ(c->extra["best_val_loss"].get<double>(), 0.25);
  EXPECT_EQ(c->blobs.at("best_model"), "best");
}

TEST(CheckpointTest, EmptyStatesRoundTrip) {
  Result<TrainCheckpoint> c = DecodeCheckpoint(EncodeCheckpoint(TrainCheckpoint{}));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->epoch, 0);
  EXPECT_TRUE(c->model_state.empty());
  EXPECT_TRUE(c->extra.is_object());
}

TEST(CheckpointTest, RejectsDamage) {
  std::string bytes = EncodeCheckpoint(Sample());
  for (size_t n : {size_t{0}, size_t{7}, size_t{20}, bytes.size() - 1}) {
    EXPECT_EQ(DecodeCheckpoint(bytes.substr(0, n)).status().code(), StatusCode::kInvalidArgument);
  }
  std::string flipped = bytes;
  flipped[10] = '\x01';  // inside the JSON header
  EXPECT_EQ(DecodeCheckpoint(flipped).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeCheckpoint(std::string(100, 'x')).status().code(), StatusCode::kInvalidArgument);
}

TEST(CheckpointTest, RejectsOtherFilesAndVersions) {
  auto with_meta = [](std::map<std::string, std::string> meta) {
    safetensors::Writer w;
    EXPECT_TRUE(w.Add("model_state", safetensors::DType::kU8, {1}, "m").ok());
    w.SetMetadata(std::move(meta));
    return w.Finish();
  };
  EXPECT_FALSE(DecodeCheckpoint(with_meta({})).ok());
  EXPECT_FALSE(DecodeCheckpoint(with_meta({{"easel_checkpoint", "2"}, {"epoch", "1"}})).ok());
  EXPECT_FALSE(DecodeCheckpoint(with_meta({{"easel_checkpoint", "1"}, {"epoch", "-1"}})).ok());
  EXPECT_FALSE(DecodeCheckpoint(with_meta({{"easel_checkpoint", "1"}, {"epoch", "1x"}})).ok());
  EXPECT_FALSE(
      DecodeCheckpoint(with_meta({{"easel_checkpoint", "1"}, {"epoch", "1"}, {"extra", "[1]"}}))
          .ok());
  EXPECT_TRUE(DecodeCheckpoint(with_meta({{"easel_checkpoint", "1"}, {"epoch", "1"}})).ok());

  safetensors::Writer w;
  ASSERT_TRUE(w.Add("model_state", safetensors::DType::kF32, {1}, "abcd").ok());
  w.SetMetadata({{"easel_checkpoint", "1"}, {"epoch", "1"}});
  EXPECT_FALSE(DecodeCheckpoint(w.Finish()).ok());
}

}  // namespace
}  // namespace easel::train::torch_util
