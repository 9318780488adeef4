#pragma once
// Counting the distinct values of a column in bounded memory: exact (by 64-bit hashes) up to
// kExactLimit values, then a HyperLogLog estimate (2^14 one-byte registers, about 0.8%
// standard error). At most about 1 MiB for the exact set, 16 KiB for the sketch. Not
// thread-safe.

#include <cstdint>
#include <string_view>
#include <vector>

namespace easel::data {

// A fast, well-mixed 64-bit hash of bytes (deterministic across runs and machines).
uint64_t HashBytes(std::string_view bytes);

class DistinctCounter {
 public:
  static constexpr uint64_t kExactLimit = 65'536;

  // Adds a value by its HashBytes() hash.
  void Add(uint64_t hash);
  uint64_t Count() const;
  // True once past kExactLimit: Count() is an estimate.
  bool approximate() const { return !registers_.empty(); }

 private:
  void Grow();
  void SwitchToSketch();
  void AddToSketch(uint64_t hash);

  // Open addressing; 0 marks an empty slot (a hash of 0 is stored as 1).
  std::vector<uint64_t> table_;
  uint64_t used_ = 0;
  std::vector<uint8_t> registers_;  // HyperLogLog, once approximate
};

}  // namespace easel::data
