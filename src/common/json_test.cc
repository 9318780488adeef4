#include "common/json.h"

#include <gtest/gtest.h>

namespace easel {
namespace {

TEST(JsonTest, ParsesValidJson) {
  auto r = ParseJson(R"({"a": [1, 2, {"b": null}]})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)["a"][1], 2);
}

TEST(JsonTest, MalformedReportsOffset) {
  auto r = ParseJson(R"({"a": )");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("malformed JSON"), std::string::npos);
}

TEST(JsonTest, NestingLimitIsEnforced) {
  std::string deep(100, '[');
  deep += std::string(100, ']');
  auto r = ParseJson(deep, 64);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("nesting"), std::string::npos);
  EXPECT_TRUE(ParseJson(deep, 128).ok());
}

TEST(JsonTest, TypedFields) {
  Json j = {{"name", "x"}, {"n", 5}, {"f", 1.5}, {"b", true}, {"s", 3}};
  EXPECT_EQ(*GetString(j, "name"), "x");
  EXPECT_FALSE(GetString(j, "missing").ok());
  EXPECT_NE(GetString(j, "s").status().message().find("'s' must be a string"), std::string::npos);
  EXPECT_EQ(**GetOptionalInt(j, "n", 0, 10), 5);
  EXPECT_FALSE(GetOptionalInt(j, "n", 0, 4).ok());
  EXPECT_FALSE(GetOptionalInt(j, "f", 0, 10).ok());
  EXPECT_FALSE(GetOptionalInt(j, "missing", 0, 1)->has_value());
  EXPECT_EQ(**GetOptionalNumber(j, "f"), 1.5);
  EXPECT_EQ(**GetOptionalBool(j, "b"), true);
  EXPECT_FALSE(GetOptionalBool(j, "n").ok());
}

TEST(JsonTest, DumpNeverThrowsOnBadUtf8) {
  Json j = std::string("\xff\xfe");
  EXPECT_NO_THROW((void)DumpJson(j));
}

// Every character a string may hold reads back as itself.
TEST(JsonTest, AppendJsonStringReadsBackAsTheText) {
  std::string all;
  for (int c = 1; c < 128; ++c) all += static_cast<char>(c);
  all += "\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82";  // é € 🙂
  all += std::string(1, '\0');
  for (const std::string& text : {all, std::string(), std::string("plain")}) {
    std::string out = "[";
    AppendJsonString(out, text);
    out += "]";
    Result<Json> back = ParseJson(out);
    ASSERT_TRUE(back.ok()) << out;
    EXPECT_EQ((*back)[0].get<std::string>(), text);
  }
  std::string out;
  AppendJsonString(out, "a\"b\\c\n");
  EXPECT_EQ(out, R"("a\"b\\c\n")");
}

}  // namespace
}  // namespace easel
