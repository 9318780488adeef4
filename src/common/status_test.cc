#include "common/status.h"

#include <gtest/gtest.h>

#include "common/json.h"

namespace easel {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgument("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  EASEL_ASSIGN_OR_RETURN(int h, Half(x));
  EASEL_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

Status CheckEven(int x) {
  EASEL_RETURN_IF_ERROR(Half(x));
  return OkStatus();
}

TEST(StatusTest, OkHasNoMessage) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kOk);
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, ErrorCarriesCodeMessageDetails) {
  Status s(StatusCode::kNotFound, "no such dataset", Json{{"name", "x"}});
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.ToString(), "NOT_FOUND: no such dataset");
  EXPECT_EQ(s.details()["name"], "x");
  Status copy = s;
  EXPECT_EQ(copy.message(), "no such dataset");
}

TEST(StatusTest, CodeNamesRoundTrip) {
  for (int i = 0; i <= 16; ++i) {
    auto code = static_cast<StatusCode>(i);
    EXPECT_EQ(StatusCodeFromName(StatusCodeName(code)), code);
  }
  EXPECT_FALSE(StatusCodeFromName("NOPE").has_value());
}

TEST(ResultTest, MacrosPropagate) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(CheckEven(4).ok());
  EXPECT_FALSE(CheckEven(3).ok());
}

TEST(ResultTest, OkStatusIsNotAValue) {
  Result<int> r{OkStatus()};
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
}

TEST(ResultDeathTest, ValueOfErrorAborts) {
  Result<int> r = NotFound("x");
  EXPECT_DEATH((void)r.value(), "NOT_FOUND");
}

}  // namespace
}  // namespace easel
