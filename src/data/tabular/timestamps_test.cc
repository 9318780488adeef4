#include "data/timestamps.h"

#include <gtest/gtest.h>

namespace easel::data {
namespace {

constexpr int64_t kSecond = 1'000'000;
constexpr int64_t kDay = 86'400 * kSecond;

TEST(ParseTimestamp, Dates) {
  EXPECT_EQ(ParseTimestamp("1970-01-01"), 0);
  EXPECT_EQ(ParseTimestamp("1970-01-02"), kDay);
  EXPECT_EQ(ParseTimestamp("2024-01-31"), int64_t{1706659200} * kSecond);
  EXPECT_EQ(ParseTimestamp("1969-12-31"), -kDay);
  EXPECT_EQ(ParseTimestamp("0000-01-01"), int64_t{-62167219200} * kSecond);
  EXPECT_EQ(ParseTimestamp("9999-12-31"), int64_t{253402214400} * kSecond);
}

TEST(ParseTimestamp, LeapYears) {
  EXPECT_TRUE(ParseTimestamp("2024-02-29"));
  EXPECT_TRUE(ParseTimestamp("2000-02-29"));   // divisible by 400
  EXPECT_FALSE(ParseTimestamp("1900-02-29"));  // divisible by 100 only
  EXPECT_FALSE(ParseTimestamp("2023-02-29"));
  EXPECT_EQ(*ParseTimestamp("2024-03-01") - *ParseTimestamp("2024-02-28"), 2 * kDay);
  EXPECT_EQ(*ParseTimestamp("2023-03-01") - *ParseTimestamp("2023-02-28"), kDay);
}

TEST(ParseTimestamp, RejectsImpossibleDates) {
  for (const char* bad : {"2024-13-01", "2024-00-10", "2024-02-30", "2024-04-31", "2024-01-00",
                          "2024-01-32", "2024-1-05", "24-01-05", "2024/01/05", "20240105"}) {
    EXPECT_FALSE(ParseTimestamp(bad)) << bad;
  }
}

TEST(ParseTimestamp, DateTimes) {
  const int64_t day = *ParseTimestamp("2024-01-31");
  const int64_t noon = day + 12 * 3600 * kSecond;
  EXPECT_EQ(ParseTimestamp("2024-01-31T12:00"), noon);
  EXPECT_EQ(ParseTimestamp("2024-01-31 12:00"), noon);
  EXPECT_EQ(ParseTimestamp("2024-01-31t12:00:00z"), noon);
  EXPECT_EQ(ParseTimestamp("2024-01-31T12:00:00Z"), noon);
  EXPECT_EQ(ParseTimestamp("2024-01-31T12:00:59"), noon + 59 * kSecond);
  EXPECT_EQ(ParseTimestamp("2024-01-31T23:59:59"), day + kDay - kSecond);
}

TEST(ParseTimestamp, Fractions) {
  const int64_t noon = *ParseTimestamp("2024-01-31T12:00:00Z");
  EXPECT_EQ(ParseTimestamp("2024-01-31T12:00:00.5Z"), noon + 500'000);
  EXPECT_EQ(ParseTimestamp("2024-01-31T12:00:00,25"), noon + 250'000);
  EXPECT_EQ(ParseTimestamp("2024-01-31T12:00:00.000001"), noon + 1);
  EXPECT_EQ(ParseTimestamp("2024-01-31T12:00:00.1234569"), noon + 123'456);  // truncated
  EXPECT_FALSE(ParseTimestamp("2024-01-31T12:00:00."));
  EXPECT_FALSE(ParseTimestamp("2024-01-31T12:00.5"));  // a fraction needs seconds
}

TEST(ParseTimestamp, Offsets) {
  const int64_t utc = *ParseTimestamp("2024-01-31T12:00:00Z");
  EXPECT_EQ(ParseTimestamp("2024-01-31T14:00:00+02:00"), utc);
  EXPECT_EQ(ParseTimestamp("2024-01-31T14:00+0200"), utc);
  EXPECT_EQ(ParseTimestamp("2024-01-31T14:00:00+02"), utc);
  EXPECT_EQ(ParseTimestamp("2024-01-31T06:30:00-05:30"), utc);
  EXPECT_EQ(ParseTimestamp("2024-01-31T12:00:00-00:00"), utc);
  // Offsets can move the instant across a day, month and year boundary.
  EXPECT_EQ(ParseTimestamp("2024-01-01T01:00:00+02:00"), *ParseTimestamp("2023-12-31T23:00:00Z"));
  for (const char* bad : {"2024-01-31T12:00:00+24:00", "2024-01-31T12:00:00+02:60",
                          "2024-01-31T12:00:00+2", "2024-01-31T12:00:00+02:0",
                          "2024-01-31T12:00:00Z+01:00", "2024-01-31T12:00:00ZZ", "2024-01-31Z"}) {
    EXPECT_FALSE(ParseTimestamp(bad)) << bad;
  }
}

TEST(ParseTimestamp, RejectsOtherText) {
  for (const char* bad :
       {"", "2024", "1706659200", "12.5", "2024-01-31T", "2024-01-31T12", "2024-01-31T12:0",
        "2024-01-31T24:00", "2024-01-31T12:60", "2024-01-31T12:00:60", "2024-01-31_12:00",
        " 2024-01-31", "2024-01-31 ", "2024-01-31T12:00:00 Z", "yesterday", "2024-01-3x"}) {
    EXPECT_FALSE(ParseTimestamp(bad)) << bad;
  }
}

TEST(FormatTimestamp, Rfc3339) {
  EXPECT_EQ(FormatTimestamp(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatTimestamp(*ParseTimestamp("2024-02-29T23:59:59")), "2024-02-29T23:59:59Z");
  EXPECT_EQ(FormatTimestamp(*ParseTimestamp("2024-01-31T12:00:00.5+01:00")),
            "2024-01-31T11:00:00.500000Z");
  EXPECT_EQ(FormatTimestamp(-1), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(FormatTimestamp(-kDay), "1969-12-31T00:00:00Z");
  EXPECT_EQ(FormatTimestamp(*ParseTimestamp("0001-01-01")), "0001-01-01T00:00:00Z");
}

TEST(FormatTimestamp, RoundTripsEveryDayOfFourCenturies) {
  // 1900-03-01 .. 2300-02-28 covers every leap-year rule at least once.
  const int64_t first = *ParseTimestamp("1900-03-01") / kDay;
  for (int64_t d = first; d < first + 146'097; ++d) {
    const int64_t t = d * kDay + 3723 * kSecond + 7;
    std::string text = FormatTimestamp(t);
    ASSERT_EQ(ParseTimestamp(text), t) << text;
  }
}

}  // namespace
}  // namespace easel::data
