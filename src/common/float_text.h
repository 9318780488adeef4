#pragma once
// What a float reads as once written as text: the double nearest to its shortest decimal text.
// 5.1f is 5.099999904632568 as a double but "5.1" as text, and a CSV cell "5.1" reads as 5.1;
// a model trained on CSV text and served FP32 tensors must see 5.1 in both.

#include <cstdint>
#include <cstring>

namespace easel {

// The double that std::from_chars reads from std::to_chars(v)'s text (the shortest text that
// reads back as v): bit for bit, for every float. NaN stays NaN, infinities stay infinite.
double FloatTextValue(float v);

// Whether FloatTextFloat(v) is v, tested without a branch (for loops over many floats).
inline bool IsItsTextFloat(float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  constexpr uint32_t kRoundsAway = 0x15ae43fd;  // 7.03853069e-26
  return (bits & 0x7fffffffu) != kRoundsAway;
}

// The float that text's double converts to, static_cast<float>(FloatTextValue(v)): a float
// feature read from a CSV cell holding v's shortest text. It is v itself for every float but
// ±7.03853069e-26, whose text's double lies so close to halfway between two floats that it
// rounds to the neighbour (a run over all 2^32 patterns found no other).
inline float FloatTextFloat(float v) {
  return IsItsTextFloat(v) ? v : static_cast<float>(FloatTextValue(v));
}

}  // namespace easel
