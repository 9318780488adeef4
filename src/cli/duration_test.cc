#include "cli/duration.h"

#include <gtest/gtest.h>

namespace easel::cli {
namespace {

TEST(ParseDurationTest, AcceptsUnitsAndCombinations) {
  EXPECT_EQ(*ParseDurationSeconds("30d"), 30 * 86400);
  EXPECT_EQ(*ParseDurationSeconds("12h"), 12 * 3600);
  EXPECT_EQ(*ParseDurationSeconds("90m"), 90 * 60);
  EXPECT_EQ(*ParseDurationSeconds("45s"), 45);
  EXPECT_EQ(*ParseDurationSeconds("2w"), 14 * 86400);
  EXPECT_EQ(*ParseDurationSeconds("1h30m"), 5400);
  EXPECT_EQ(*ParseDurationSeconds("1d2h3m4s"), 86400 + 7200 + 180 + 4);
  EXPECT_EQ(*ParseDurationSeconds("3600"), 3600);
}

TEST(ParseDurationTest, RejectsEverythingElse) {
  for (const char* bad : {"", "d", "30x", "-5s", "1.5h", "h1", "30 d", "1h30", "0s", "0",
                          "99999999999999999999s", "36600000d"}) {
    Result<int64_t> r = ParseDurationSeconds(bad);
    EXPECT_FALSE(r.ok()) << "'" << bad << "' parsed as " << (r.ok() ? *r : 0);
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    }
  }
}

TEST(ParseDurationTest, ErrorNamesTheText) {
  Result<int64_t> r = ParseDurationSeconds("30x");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("'30x'"), std::string::npos);
}

}  // namespace
}  // namespace easel::cli
