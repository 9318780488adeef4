#pragma once
// Deterministic inputs for the eval tests. Each generator is mirrored line for line by the
// python snippets quoted in classification_test.cc and regression_test.cc, which compute the
// scikit-learn reference numbers embedded there; change both together.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace easel::eval::testing {

// The classic rand() LCG, high bits only (the low bits of a power-of-two LCG cycle quickly).
class Lcg {
 public:
  explicit Lcg(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    state_ = (1103515245 * state_ + 12345) % (uint64_t{1} << 31);
    return state_ >> 16;
  }

 private:
  uint64_t state_;
};

struct ClassificationInput {
  size_t num_classes = 0;
  std::vector<float> probs;
  std::vector<int> labels;
};

// Probabilities from small integer weights (so scores tie), the true class's weight bumped so
// the "model" is informative. Labels are drawn from the first label_classes classes only.
inline ClassificationInput NoisyClassifier(size_t n, size_t k, uint64_t seed,
                                           size_t label_classes) {
  Lcg g(seed);
  ClassificationInput in{k, {}, {}};
  for (size_t i = 0; i < n; ++i) {
    const int label = static_cast<int>(g.Next() % label_classes);
    std::vector<uint64_t> w(k);
    for (auto& x : w) x = 1 + g.Next() % 8;
    w[label] += g.Next() % 6;
    uint64_t sum = 0;
    for (auto x : w) sum += x;
    for (auto x : w) in.probs.push_back(static_cast<float>(static_cast<double>(x) / sum));
    in.labels.push_back(label);
  }
  return in;
}

// One-hot probabilities on the true class.
inline ClassificationInput PerfectClassifier(size_t n, size_t k, uint64_t seed) {
  Lcg g(seed);
  ClassificationInput in{k, {}, {}};
  for (size_t i = 0; i < n; ++i) {
    const int label = static_cast<int>(g.Next() % k);
    for (size_t c = 0; c < k; ++c) in.probs.push_back(static_cast<size_t>(label) == c ? 1.f : 0.f);
    in.labels.push_back(label);
  }
  return in;
}

// Binary, every row [0.4, 0.6].
inline ClassificationInput ConstantClassifier(size_t n, uint64_t seed) {
  Lcg g(seed);
  ClassificationInput in{2, {}, {}};
  for (size_t i = 0; i < n; ++i) {
    in.labels.push_back(static_cast<int>(g.Next() % 2));
    in.probs.insert(in.probs.end(), {0.4f, 0.6f});
  }
  return in;
}

struct RegressionInput {
  std::vector<float> predicted;
  std::vector<float> truth;
};

// truth in [offset, offset + 99.9] in steps of 0.1 (every zero_every-th truth forced to 0 when
// zero_every > 0); predictions off by up to ±4.
inline RegressionInput NoisyRegressor(size_t n, uint64_t seed, double offset,
                                      size_t zero_every = 0) {
  Lcg g(seed);
  RegressionInput in;
  for (size_t i = 0; i < n; ++i) {
    float t = static_cast<float>(static_cast<double>(g.Next() % 1000) / 10.0 + offset);
    if (zero_every > 0 && i % zero_every == 0) t = 0.f;
    const double noise = (static_cast<double>(g.Next() % 200) - 100) / 25.0;
    in.truth.push_back(t);
    in.predicted.push_back(static_cast<float>(static_cast<double>(t) + noise));
  }
  return in;
}

}  // namespace easel::eval::testing
