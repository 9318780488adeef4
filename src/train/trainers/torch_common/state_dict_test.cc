#include "train/trainers/torch_common/state_dict.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/linear.h>

#include "common/safetensors.h"
#include "train/trainers/torch_common/tensor_io.h"

namespace easel::train::torch_util {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct Net : torch::nn::Module {
  explicit Net(int64_t out) {
    fc1 = register_module("fc1", torch::nn::Linear(3, 4));
    bn = register_module("bn", torch::nn::BatchNorm1d(4));
    head = register_module("head", torch::nn::Linear(4, out));
  }
  torch::nn::Linear fc1{nullptr}, head{nullptr};
  torch::nn::BatchNorm1d bn{nullptr};
};

// Weights that differ from a fresh module's, buffers included.
void Scramble(Net& net, double offset) {
  torch::NoGradGuard no_grad;
  for (auto& p : net.parameters()) p.add_(offset);
  net.bn->running_mean.fill_(offset);
  net.bn->num_batches_tracked.fill_(7);
}

TEST(StateDictTest, SavesDottedNamesAndDTypes) {
  Net net(2);
  Result<std::string> bytes = SaveStateDict(net, {{"arch", "test"}});
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  Result<safetensors::File> file = safetensors::File::Parse(*bytes);
  ASSERT_TRUE(file.ok());
  std::vector<std::string> names;
  for (const auto& t : file->tensors()) names.push_back(t.name);
  EXPECT_THAT(names,
              ElementsAre("bn.bias", "bn.num_batches_tracked", "bn.running_mean", "bn.running_var",
                          "bn.weight", "fc1.bias", "fc1.weight", "head.bias", "head.weight"));
  EXPECT_EQ(file->Find("bn.num_batches_tracked")->dtype, safetensors::DType::kI64);
  EXPECT_EQ(file->Find("fc1.weight")->dtype, safetensors::DType::kF32);
  EXPECT_EQ(file->Find("fc1.weight")->shape, (std::vector<int64_t>{4, 3}));
  EXPECT_EQ(file->metadata().at("arch"), "test");
}

TEST(StateDictTest, StrictRoundTripIsExact) {
  Net a(2);
  Scramble(a, 0.5);
  Result<std::string> bytes = SaveStateDict(a);
  ASSERT_TRUE(bytes.ok());
  Net b(2);
  Result<LoadReport> report = LoadStateDict(b, *bytes, LoadMode::kStrict);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->missing.empty() && report->unexpected.empty() && report->skipped.empty());
  EXPECT_TRUE(torch::equal(a.fc1->weight, b.fc1->weight));
  EXPECT_TRUE(torch::equal(a.bn->running_mean, b.bn->running_mean));
  EXPECT_EQ(b.bn->num_batches_tracked.item<int64_t>(), 7);
  EXPECT_EQ(*SaveStateDict(b), *bytes);
}

TEST(StateDictTest, StrictRejectsMismatchesAndLeavesModuleUnchanged) {
  Net three(3);
  Scramble(three, 1.0);
  std::string bytes = *SaveStateDict(three);
  Net two(2);
  at::Tensor before = two.fc1->weight.clone();
  Result<LoadReport> r = LoadStateDict(two, bytes, LoadMode::kStrict);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("head."));
  EXPECT_TRUE(torch::equal(before, two.fc1->weight));

  // Missing and unexpected tensors.
  safetensors::File file = *safetensors::File::Parse(bytes);
  safetensors::Writer partial;
  for (const auto& t : file.tensors()) {
    if (t.name == "fc1.bias") continue;
    ASSERT_TRUE(
        partial.Add(t.name == "head.bias" ? "extra.bias" : t.name, t.dtype, t.shape, t.data).ok());
  }
  Net three_again(3);
  r = LoadStateDict(three_again, partial.Finish(), LoadMode::kStrict);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("fc1.bias"));
}

TEST(StateDictTest, SkipModeLoadsWhatFits) {
  Net three(3);
  Scramble(three, 1.0);
  Net two(2);
  at::Tensor head_before = two.head->weight.clone();
  Result<LoadReport> r = LoadStateDict(two, *SaveStateDict(three), LoadMode::kSkipMismatchedShapes);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_THAT(r->skipped, ElementsAre("head.bias", "head.weight"));
  EXPECT_TRUE(r->missing.empty());
  EXPECT_TRUE(torch::equal(three.fc1->weight, two.fc1->weight));
  EXPECT_TRUE(torch::equal(head_before, two.head->weight));

  // Nothing in common: refused rather than silently loading nothing.
  safetensors::Writer other;
  ASSERT_TRUE(other.Add("unrelated", safetensors::DType::kU8, {1}, "x").ok());
  r = LoadStateDict(two, other.Finish(), LoadMode::kSkipMismatchedShapes);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST(StateDictTest, ConvertsFloatingDTypes) {
  Net a(2);
  Scramble(a, 0.25);
  // Re-save every floating tensor as F16 (values chosen exactly representable in half).
  {
    torch::NoGradGuard no_grad;
    for (auto& p : a.parameters()) p.copy_(torch::round(p * 8) / 8);
  }
  safetensors::Writer half;
  for (const auto& item : a.named_parameters()) {
    ASSERT_TRUE(AddTensor(half, item.key(), item.value().to(torch::kHalf)).ok());
  }
  for (const auto& item : a.named_buffers()) {
    ASSERT_TRUE(AddTensor(half, item.key(), item.value()).ok());
  }
  Net b(2);
  Result<LoadReport> r = LoadStateDict(b, half.Finish(), LoadMode::kStrict);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(b.fc1->weight.scalar_type(), torch::kFloat);
  EXPECT_TRUE(torch::equal(a.fc1->weight, b.fc1->weight));
}

TEST(StateDictTest, RejectsKindMismatchAndGarbage) {
  Net a(2);
  const std::string saved = *SaveStateDict(a);  // outlives the File's views
  safetensors::File file = *safetensors::File::Parse(saved);
  safetensors::Writer w;
  for (const auto& t : file.tensors()) {
    if (t.name == "fc1.bias") {
      ASSERT_TRUE(w.Add(t.name, safetensors::DType::kI32, t.shape, t.data).ok());
    } else {
      ASSERT_TRUE(w.Add(t.name, t.dtype, t.shape, t.data).ok());
    }
  }
  Net b(2);
  EXPECT_EQ(LoadStateDict(b, w.Finish(), LoadMode::kStrict).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(LoadStateDict(b, "garbage", LoadMode::kStrict).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace easel::train::torch_util
