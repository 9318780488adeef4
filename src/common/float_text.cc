#include "common/float_text.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

namespace easel {
namespace {

// The definition, and the slow way: write the text and read it back.
double ThroughText(float v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  double out = v;
  std::from_chars(buf, end, out);
  return out;
}

// Exact doubles, so that one multiplication or division by them rounds correctly.
constexpr double kPowersOf10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                  1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                  1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

// y x 10^k, correctly rounded, for |k| <= 22.
double Scale(double y, int k) { return k >= 0 ? y * kPowersOf10[k] : y / kPowersOf10[-k]; }

// Most served values were decimals of a few digits before they became floats. Their shortest
// text has at most 6 significant digits, and it is the one multiple of 10^-k (the grid of 6
// significant digits at |v|'s scale) that reads back as v: that grid is coarser than the gap
// between neighbouring floats (10^-6 |v| against at most 2^-23 |v|), so at most one of its
// points reads as v, and a shorter text would be a point of it too. The nearest point, if it
// reads back as v, is then the answer; 0 when it does not. For 1e-10 <= |v| < 2^24.
double SixDigitValue(float v) {
  const double y = std::fabs(static_cast<double>(v));
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  const int binary_exponent = static_cast<int>((bits >> 23) & 0xff) - 127;
  int k = 5 - ((binary_exponent * 1233) >> 12);  // 5 - about log10(y)
  double scaled = Scale(y, k);
  // A coarser grid (scaled below 10^5) would still be safe, only miss more often; a finer one
  // would not be.
  if (scaled >= 1e6) {
    scaled = Scale(y, --k);
  } else if (scaled < 1e5) {
    scaled = Scale(y, ++k);
    if (scaled >= 1e6) scaled = Scale(y, --k);
  }
  const double digits = (scaled + 0x1p52) - 0x1p52;  // rounded to an integer (scaled < 2^52)
  const double value = Scale(digits, -k);            // what from_chars reads from the digits
  // `value` reads back as v if it rounds to v as a float, unless it lies exactly halfway
  // between two floats, where the exact decimal may lie on either side.
  uint64_t value_bits;
  std::memcpy(&value_bits, &value, sizeof value_bits);
  constexpr uint64_t kBelowFloat = (uint64_t{1} << 29) - 1;  // mantissa bits a float lacks
  if (static_cast<float>(value) != static_cast<float>(y) ||
      (value_bits & kBelowFloat) == (uint64_t{1} << 28)) {
    return 0;
  }
  return v < 0 ? -value : value;
}

}  // namespace

double FloatTextValue(float v) {
  if (std::isnan(v)) return std::numeric_limits<double>::quiet_NaN();
  if (v == 0.0f || std::isinf(v)) return v;
  // From 2^24 on, floats are integers spaced 2 or more apart, and to_chars may write a value
  // whole ("33554448") where its shortest digits would round it ("3.355445e+07"); the text
  // decides there.
  const float magnitude = std::fabs(v);
  if (magnitude >= 16777216.0f) return ThroughText(v);
  // Counts, flags, years: a whole number below 2^24 is its own shortest text.
  if (static_cast<float>(static_cast<int32_t>(magnitude)) == magnitude) return v;
  if (magnitude >= 1e-10f) {
    if (double value = SixDigitValue(v); value != 0) return value;
  }
  // The shortest digits (as significand x 10^exponent) without writing them: fmt's Dragonbox,
  // the algorithm behind its own float formatting (fmt exports it for float and double).
  const auto decimal = fmt::detail::dragonbox::to_decimal(v);
  // The significand has at most 9 digits, an exact double, so one multiplication or division
  // rounds correctly: what from_chars returns.
  const double significand = static_cast<double>(decimal.significand);
  if (decimal.exponent < -22 || decimal.exponent > 22) return ThroughText(v);  // |v| < 1e-13
  const double value = Scale(significand, decimal.exponent);
  return v < 0 ? -value : value;
}

}  // namespace easel
