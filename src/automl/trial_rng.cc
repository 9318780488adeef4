#include "automl/trial_rng.h"

#include <cmath>
#include <numbers>

namespace easel::automl {

uint64_t Mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

TrialRng::TrialRng(uint64_t seed, int64_t number)
    : engine_(Mix64(Mix64(seed) ^ Mix64(static_cast<uint64_t>(number) + 0x5851f42d4c957f2dull))) {}

double TrialRng::Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

uint64_t TrialRng::Below(uint64_t n) {
  // Rejection keeps every value equally likely (no modulo bias).
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do {
    x = Next();
  } while (x >= limit);
  return x % n;
}

double TrialRng::Normal() {
  // Box-Muller; 1 - Uniform() is in (0, 1], so the logarithm is finite.
  double u1 = 1.0 - Uniform();
  double u2 = Uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

}  // namespace easel::automl
