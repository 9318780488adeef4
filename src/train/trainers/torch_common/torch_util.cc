#include "train/trainers/torch_common/torch_util.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <torch/cuda.h>

#include <algorithm>
#include <charconv>

#include "common/cores.h"

namespace easel::train::torch_util {
namespace {

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

Status NoCuda() {
  return FailedPrecondition(
      "CUDA was requested but this easel build or machine has no CUDA device");
}

}  // namespace

Result<c10::Device> ResolveDevice(const Resources& resources) {
  const std::string& d = resources.device;
  if (d == "cpu" || d.empty()) return c10::Device(c10::kCPU);
  int64_t index = -1;
  if (d != "cuda") {
    constexpr std::string_view kPrefix = "cuda:";
    if (d.size() <= kPrefix.size() || d.compare(0, kPrefix.size(), kPrefix) != 0) {
      return InvalidArgument("device '" + d + "' is not one of cpu, cuda, cuda:N");
    }
    const char* begin = d.data() + kPrefix.size();
    const char* end = d.data() + d.size();
    auto [ptr, ec] = std::from_chars(begin, end, index);
    if (ec != std::errc() || ptr != end || index < 0 || index > 1024) {
      return InvalidArgument("device '" + d + "' is not one of cpu, cuda, cuda:N");
    }
  }
  bool available = false;
  int64_t count = 0;
  Status probed = Guard("probing CUDA", [&] {
    available = torch::cuda::is_available();
    count = available ? static_cast<int64_t>(torch::cuda::device_count()) : 0;
  });
  if (!probed.ok() || !available) return NoCuda();
  if (index >= count) {
    return FailedPrecondition("device '" + d + "' does not exist: this machine has " +
                              std::to_string(count) + " CUDA device(s)");
  }
  return index < 0 ? c10::Device(c10::kCUDA)
                   : c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(index));
}

void ConfigureThreads(const Resources& resources) {
  int threads = resources.threads;
  if (threads <= 0) threads = UsableCores();
  if (at::get_num_threads() != threads) {
    Guard("setting threads", [&] { at::set_num_threads(threads); }).IgnoreError();
  }
}

void SeedEverything(uint64_t seed) {
  at::manual_seed(seed);
  Guard("seeding CUDA", [&] {
    if (torch::cuda::is_available()) torch::cuda::manual_seed_all(seed);
  }).IgnoreError();
}

uint64_t MixSeed(uint64_t seed, uint64_t stream) {
  uint64_t state = seed;
  uint64_t a = SplitMix64(state);
  state = a ^ stream;
  return SplitMix64(state);
}

void SeedEpoch(uint64_t seed, int64_t epoch) {
  SeedEverything(MixSeed(seed, static_cast<uint64_t>(epoch)));
}

std::vector<int64_t> EpochPermutation(int64_t n, uint64_t seed, int64_t epoch) {
  std::vector<int64_t> order(static_cast<size_t>(std::max<int64_t>(n, 0)));
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int64_t>(i);
  // A distinct stream from SeedEpoch's, so the order and LibTorch's draws are unrelated.
  uint64_t state = MixSeed(seed ^ 0x5eed5eed5eed5eedull, static_cast<uint64_t>(epoch));
  for (size_t i = order.size(); i > 1; --i) {
    // Multiply-shift bounded draw (Lemire), unbiased enough for shuffling and portable.
    uint64_t r = SplitMix64(state);
    size_t j = static_cast<size_t>((static_cast<unsigned __int128>(r) * i) >> 64);
    std::swap(order[i - 1], order[j]);
  }
  return order;
}

}  // namespace easel::train::torch_util
