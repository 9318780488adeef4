#include "data/tabular/distinct_counter.h"

#include <bit>
#include <cmath>
#include <cstring>

namespace easel::data {
namespace {

constexpr int kSketchBits = 14;
constexpr size_t kRegisters = size_t{1} << kSketchBits;

// The folded 128-bit product: the mixing step of wyhash.
inline uint64_t Mix(uint64_t a, uint64_t b) {
  __uint128_t r = static_cast<__uint128_t>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}

inline uint64_t Load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// 0..7 bytes, zero-padded.
inline uint64_t LoadTail(const char* p, size_t n) {
  uint64_t v = 0;
  std::memcpy(&v, p, n);
  return v;
}

}  // namespace

uint64_t HashBytes(std::string_view bytes) {
  constexpr uint64_t k0 = 0xa0761d6478bd642fULL, k1 = 0xe7037ed1a0b428dbULL,
                     k2 = 0x8ebc6af09c88c6e3ULL;
  const char* p = bytes.data();
  size_t n = bytes.size();
  uint64_t h = k0 ^ n;
  for (; n >= 16; p += 16, n -= 16) h = Mix(Load64(p) ^ k1, Load64(p + 8) ^ h);
  uint64_t a = 0, b = 0;
  if (n >= 8) {
    a = Load64(p);
    b = LoadTail(p + 8, n - 8);
  } else {
    a = LoadTail(p, n);
  }
  h = Mix(a ^ k1, b ^ h ^ k2);
  return Mix(h ^ k0, h ^ k2 ^ bytes.size());
}

void DistinctCounter::Add(uint64_t hash) {
  if (approximate()) {
    AddToSketch(hash);
    return;
  }
  if (hash == 0) hash = 1;
  if (!table_.empty()) {
    const size_t mask = table_.size() - 1;
    for (size_t i = hash & mask; table_[i] != 0; i = (i + 1) & mask) {
      if (table_[i] == hash) return;
    }
  }
  // A new value: past the limit the sketch takes over (before the table would grow again).
  if (used_ == kExactLimit) {
    SwitchToSketch();
    AddToSketch(hash);
    return;
  }
  if ((used_ + 1) * 2 > table_.size()) Grow();
  const size_t mask = table_.size() - 1;
  size_t i = hash & mask;
  while (table_[i] != 0) i = (i + 1) & mask;
  table_[i] = hash;
  ++used_;
}

uint64_t DistinctCounter::Count() const {
  if (!approximate()) return used_;
  double sum = 0;
  size_t zeros = 0;
  for (uint8_t r : registers_) {
    sum += std::ldexp(1.0, -r);
    zeros += r == 0;
  }
  const double m = kRegisters;
  double estimate = 0.7213 / (1 + 1.079 / m) * m * m / sum;
  if (estimate <= 2.5 * m && zeros > 0) estimate = m * std::log(m / static_cast<double>(zeros));
  return static_cast<uint64_t>(std::llround(estimate));
}

void DistinctCounter::Grow() {
  std::vector<uint64_t> old = std::move(table_);
  table_.assign(old.empty() ? 16 : old.size() * 2, 0);
  const size_t mask = table_.size() - 1;
  for (uint64_t h : old) {
    if (h == 0) continue;
    size_t i = h & mask;
    while (table_[i] != 0) i = (i + 1) & mask;
    table_[i] = h;
  }
}

void DistinctCounter::SwitchToSketch() {
  registers_.assign(kRegisters, 0);
  for (uint64_t h : table_) {
    if (h != 0) AddToSketch(h);
  }
  table_.clear();
  table_.shrink_to_fit();
}

void DistinctCounter::AddToSketch(uint64_t hash) {
  const size_t index = hash >> (64 - kSketchBits);
  // The rank of the first set bit among the remaining 50 (a guard bit caps it at 51).
  const uint64_t rest = (hash << kSketchBits) | (uint64_t{1} << (kSketchBits - 1));
  const auto rank = static_cast<uint8_t>(std::countl_zero(rest) + 1);
  if (rank > registers_[index]) registers_[index] = rank;
}

}  // namespace easel::data
