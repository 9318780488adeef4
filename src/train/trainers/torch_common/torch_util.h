#pragma once
// Small LibTorch helpers shared by the torch_* trainers: the exception seam, device and thread
// setup, and the seeding scheme that makes resumed runs bit-identical to uninterrupted ones.
// Only torch_* trainer sources include this header (DESIGN.md §4).

#include <c10/core/Device.h>
#include <c10/util/Exception.h>

#include <cstdint>
#include <exception>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/status.h"
#include "train/trainer_api.h"

namespace easel::train::torch_util {

// Runs fn (returning void or Status) and turns a c10::Error or std::exception escaping from
// LibTorch into INTERNAL "<what>: <message>", so no exception crosses the trainer's seam.
template <class F>
Status Guard(std::string_view what, F&& fn) {
  try {
    if constexpr (std::is_void_v<std::invoke_result_t<F>>) {
      std::forward<F>(fn)();
      return OkStatus();
    } else {
      return std::forward<F>(fn)();
    }
  } catch (const c10::Error& e) {
    return Internal(std::string(what) + ": " + e.what_without_backtrace());
  } catch (const std::exception& e) {
    return Internal(std::string(what) + ": " + e.what());
  }
}

// "cpu" | "cuda" | "cuda:N" → a device. INVALID_ARGUMENT for other spellings; FAILED_PRECONDITION
// "CUDA was requested but this easel build or machine has no CUDA device" when CUDA is asked
// for and unavailable, or a CUDA index that does not exist.
Result<c10::Device> ResolveDevice(const Resources& resources);

// Sets LibTorch's intra-op thread count to resources.threads (0: every core). LibTorch starts
// with one thread on a 2-core VM, which costs ~1.3x (DESIGN.md §3). Process-wide.
void ConfigureThreads(const Resources& resources);

// Seeds LibTorch's CPU and CUDA generators (process-wide).
void SeedEverything(uint64_t seed);

// A well-mixed 64-bit value from (seed, stream) (splitmix64 of both): the same inputs give the
// same value on every machine and build.
uint64_t MixSeed(uint64_t seed, uint64_t stream);

// Seeds LibTorch for `epoch` (0-based) with MixSeed(seed, epoch). Trainers call it at the start
// of every epoch, so dropout and initialization-free randomness in epoch k never depend on
// generator state carried over from earlier epochs: a run resumed at an epoch boundary replays
// exactly what an uninterrupted run does, and no generator state needs to be checkpointed.
void SeedEpoch(uint64_t seed, int64_t epoch);

// The order in which to visit n samples in `epoch`: a permutation of 0..n-1 drawn from
// (seed, epoch) with easel's own generator, independent of LibTorch's (same reason as SeedEpoch).
std::vector<int64_t> EpochPermutation(int64_t n, uint64_t seed, int64_t epoch);

}  // namespace easel::train::torch_util
