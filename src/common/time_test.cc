#include "common/time.h"

#include <gtest/gtest.h>

namespace easel {
namespace {

TEST(TimeTest, FormatsUtcWithMillis) {
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatRfc3339(1795399380123), "2026-11-23T02:03:00.123Z");
}

TEST(TimeTest, ParsesWhatItFormatsAndOffsets) {
  int64_t now = NowMillis();
  EXPECT_EQ(ParseRfc3339(FormatRfc3339(now)), now);
  EXPECT_EQ(ParseRfc3339("2026-11-23T03:03:00+01:00"), 1795399380000);
  EXPECT_FALSE(ParseRfc3339("yesterday").has_value());
  EXPECT_FALSE(ParseRfc3339("2026-11-23T02:03:00").has_value());
}

}  // namespace
}  // namespace easel
