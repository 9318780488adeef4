#include "train/trainers/torch_common/torch_util.h"

#include <ATen/Functions.h>
#include <ATen/Parallel.h>
#include <gtest/gtest.h>
#include <torch/cuda.h>

#include <algorithm>
#include <stdexcept>

namespace easel::train::torch_util {
namespace {

TEST(GuardTest, PassesThroughSuccessAndStatus) {
  int calls = 0;
  EXPECT_TRUE(Guard("x", [&] { ++calls; }).ok());
  EXPECT_EQ(calls, 1);
  Status s = Guard("x", [] { return InvalidArgument("bad"); });
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
}

TEST(GuardTest, ConvertsTorchAndStdExceptions) {
  Status torch_error = Guard("adding", [] {
    // Mismatched shapes make LibTorch throw c10::Error.
    (void)at::mm(at::ones({2, 3}), at::ones({4, 4}));
  });
  EXPECT_EQ(torch_error.code(), StatusCode::kInternal);
  EXPECT_EQ(torch_error.message().rfind("adding: ", 0), 0u) << torch_error.message();
  EXPECT_EQ(torch_error.message().find("Exception raised from"), std::string::npos);

  Status std_error = Guard("parsing", []() -> Status { throw std::runtime_error("boom"); });
  EXPECT_EQ(std_error.code(), StatusCode::kInternal);
  EXPECT_EQ(std_error.message(), "parsing: boom");
}

TEST(ResolveDeviceTest, CpuAndSpellings) {
  Result<c10::Device> cpu = ResolveDevice(Resources{"cpu", 0});
  ASSERT_TRUE(cpu.ok());
  EXPECT_TRUE(cpu->is_cpu());
  for (const char* bad : {"gpu", "cuda:", "cuda:x", "cuda:-1", "cuda:1x", "CPU"}) {
    EXPECT_EQ(ResolveDevice(Resources{bad, 0}).status().code(), StatusCode::kInvalidArgument)
        << bad;
  }
}

TEST(ResolveDeviceTest, CudaWithoutDeviceIsFailedPrecondition) {
  if (torch::cuda::is_available()) GTEST_SKIP() << "this machine has CUDA";
  for (const char* d : {"cuda", "cuda:0"}) {
    Result<c10::Device> r = ResolveDevice(Resources{d, 0});
    EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
    EXPECT_EQ(r.status().message(),
              "CUDA was requested but this easel build or machine has no CUDA device");
  }
}

TEST(ConfigureThreadsTest, SetsTheCount) {
  ConfigureThreads(Resources{"cpu", 1});
  EXPECT_EQ(at::get_num_threads(), 1);
  ConfigureThreads(Resources{"cpu", 0});
  EXPECT_GE(at::get_num_threads(), 1);
}

TEST(SeedTest, SameSeedSameDraws) {
  SeedEpoch(7, 3);
  at::Tensor a = at::randn({5});
  SeedEpoch(7, 3);
  at::Tensor b = at::randn({5});
  SeedEpoch(7, 4);
  at::Tensor c = at::randn({5});
  EXPECT_TRUE(at::equal(a, b));
  EXPECT_FALSE(at::equal(a, c));
  EXPECT_NE(MixSeed(1, 0), MixSeed(1, 1));
  EXPECT_NE(MixSeed(1, 0), MixSeed(2, 0));
  EXPECT_EQ(MixSeed(5, 9), MixSeed(5, 9));
}

TEST(EpochPermutationTest, IsADeterministicPermutation) {
  std::vector<int64_t> p = EpochPermutation(100, 42, 0);
  EXPECT_EQ(p, EpochPermutation(100, 42, 0));
  EXPECT_NE(p, EpochPermutation(100, 42, 1));
  EXPECT_NE(p, EpochPermutation(100, 43, 0));
  std::vector<int64_t> sorted = p;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 100; ++i) EXPECT_EQ(sorted[i], i);
  EXPECT_TRUE(EpochPermutation(0, 1, 0).empty());
  EXPECT_EQ(EpochPermutation(1, 1, 0), std::vector<int64_t>{0});
}

}  // namespace
}  // namespace easel::train::torch_util
