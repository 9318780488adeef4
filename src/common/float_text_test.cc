#include "common/float_text.h"

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

namespace easel {
namespace {

double ThroughText(float v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  double out = 0;
  std::from_chars(buf, end, out);
  return out;
}

bool SameBits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

TEST(FloatTextTest, ReadsAsTheShortestText) {
  EXPECT_EQ(FloatTextValue(5.1f), 5.1);
  EXPECT_EQ(FloatTextValue(-0.1184f), -0.1184);
  EXPECT_EQ(FloatTextValue(13.54f), 13.54);
  EXPECT_EQ(FloatTextValue(1e-30f), 1e-30);
  EXPECT_EQ(FloatTextValue(3.4028235e38f), 3.4028235e38);
  EXPECT_EQ(FloatTextValue(-42.0f), -42.0);
  EXPECT_EQ(FloatTextValue(16777215.0f), 16777215.0);
  // Large integers as to_chars writes them: whole, not rounded to their shortest digits.
  EXPECT_EQ(FloatTextValue(33554448.0f), 33554448.0);
}

TEST(FloatTextTest, KeepsSignsZerosAndNonFiniteValues) {
  EXPECT_TRUE(SameBits(FloatTextValue(0.0f), 0.0));
  EXPECT_TRUE(SameBits(FloatTextValue(-0.0f), -0.0));
  EXPECT_EQ(FloatTextValue(std::numeric_limits<float>::infinity()),
            std::numeric_limits<double>::infinity());
  EXPECT_EQ(FloatTextValue(-std::numeric_limits<float>::infinity()),
            -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(FloatTextValue(std::numeric_limits<float>::quiet_NaN())));
  EXPECT_EQ(FloatTextValue(std::numeric_limits<float>::denorm_min()), 1e-45);
}

// Every 257th bit pattern (16.6 million finite floats, all exponents and both signs): the same
// double as writing the text and reading it back, and FloatTextFloat is that double as a float.
// An exhaustive run over all 2^32 patterns agreed too.
TEST(FloatTextTest, MatchesTheTextRoundTripBitForBit) {
  int64_t checked = 0, differing = 0, not_back = 0;
  for (uint64_t bits = 0; bits <= 0xffffffffu; bits += 257) {
    const uint32_t pattern = static_cast<uint32_t>(bits);
    float v;
    std::memcpy(&v, &pattern, sizeof v);
    if (std::isnan(v)) continue;
    ++checked;
    if (!SameBits(FloatTextValue(v), ThroughText(v)) && ++differing <= 5) {
      ADD_FAILURE() << "float " << std::hexfloat << v << ": " << FloatTextValue(v) << " vs "
                    << ThroughText(v);
    }
    const float back = static_cast<float>(FloatTextValue(v)), fast = FloatTextFloat(v);
    if (std::memcmp(&back, &fast, sizeof v) != 0 && ++not_back <= 5) {
      ADD_FAILURE() << "float " << std::hexfloat << v << ": " << fast << " vs " << back;
    }
  }
  EXPECT_EQ(differing, 0) << "of " << checked;
  EXPECT_EQ(not_back, 0) << "of " << checked;
}

// The two floats whose text's double rounds to a neighbour, and neighbours that do not.
TEST(FloatTextTest, FloatTextFloatIsTheFloatTheTextReadsAs) {
  for (float v : {7.03853069e-26f, -7.03853069e-26f}) {
    EXPECT_NE(FloatTextFloat(v), v);
    EXPECT_EQ(FloatTextFloat(v), static_cast<float>(ThroughText(v)));
  }
  for (float v : {std::nextafter(7.03853069e-26f, 0.0f), std::nextafter(7.03853069e-26f, 1.0f),
                  5.1f, -0.0f, std::numeric_limits<float>::max()}) {
    EXPECT_EQ(FloatTextFloat(v), v);
  }
}

}  // namespace
}  // namespace easel
