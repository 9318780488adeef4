#pragma once
// The hashes and the random generator transforms rely on. All of them are written here (not
// taken from the standard library, whose hashes and distributions differ between
// implementations) so that a pipeline gives the same features and the same augmentations on
// every machine and every build: that is what makes a stored pipeline reproducible.

#include <cstdint>
#include <string_view>

namespace easel::data::transforms {

// MurmurHash3_x86_32 (Austin Appleby's public-domain reference algorithm) of `bytes`. With
// seed 0 it equals scikit-learn's sklearn.utils.murmurhash3_32(bytes, positive=False) when
// the result is read as a signed integer, which is what FeatureHasher uses.
uint32_t MurmurHash3_32(std::string_view bytes, uint32_t seed = 0);

// SplitMix64's finalizer: a bijective mix of 64 bits (Steele, Lea & Flood 2014).
uint64_t Mix64(uint64_t x);

// A small deterministic generator (SplitMix64 stream). Not for secrets.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next();
  // Uniform in [0, 1) with 53 random bits.
  double Uniform();
  // Uniform in [lo, hi).
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  // Uniform integer in [0, n); n > 0. Unbiased (rejection sampling).
  uint64_t Below(uint64_t n);

 private:
  uint64_t state_;
};

}  // namespace easel::data::transforms
