#pragma once
// The random numbers a sampler draws for one trial. Seeded only from the study's seed and the
// trial number, so a study resumed after a restart draws exactly what it drew before, and two
// trials never share a stream. The distributions are written out here rather than taken from
// <random>, whose distributions differ between standard libraries; only std::mt19937_64's
// output is fixed by the standard.

#include <cstdint>
#include <random>

namespace easel::automl {

class TrialRng {
 public:
  TrialRng(uint64_t seed, int64_t number);

  uint64_t Next() { return engine_(); }
  // Uniform in [0, 1).
  double Uniform();
  // Uniform in [low, high).
  double Uniform(double low, double high) { return low + (high - low) * Uniform(); }
  // Uniform integer in [0, n); n must be positive.
  uint64_t Below(uint64_t n);
  // Standard normal.
  double Normal();

 private:
  std::mt19937_64 engine_;
};

// SplitMix64's finalizer: a bijective mix of 64 bits.
uint64_t Mix64(uint64_t x);

}  // namespace easel::automl
