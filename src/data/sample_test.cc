#include "data/sample.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

namespace easel::data {
namespace {

TEST(SampleLine, ImageSampleRoundTripsCanonically) {
  Sample s;
  s.id = "00112233aabbccdd";
  s.file = "cats/a \"b\".png";
  s.blob = std::string(64, 'a');
  s.size = 1234;
  s.labels = {"cat"};
  s.boxes = {{"cat", 1.5, 2, 30.25, 40}};
  s.meta = {{"width", 64}, {"height", 48}, {"format", "png"}};
  const std::string line = SampleToLine(s);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  auto back = SampleFromLine(line);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, s);
  EXPECT_EQ(SampleToLine(*back), line);  // canonical: the same bytes again
}

TEST(SampleLine, RecordCellsKeepExactStringsAndMissingValues) {
  Sample s;
  s.id = "r";
  s.values = {std::string("1.50"), std::nullopt, std::string("tab\there\nnewline\x01")};
  auto back = SampleFromLine(SampleToLine(s));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->values, s.values);
}

TEST(SampleLine, RejectsWhatIsNotASample) {
  EXPECT_FALSE(SampleFromLine("[1,2]").ok());
  EXPECT_FALSE(SampleFromLine("{\"id\": 5}").ok());
  EXPECT_FALSE(SampleFromLine("{\"id\":\"a\",\"values\":[1]}").ok());
  EXPECT_FALSE(SampleFromLine("not json").ok());
  EXPECT_EQ(SampleFromLine("{\"id\": 5}").status().message(), "sample field 'id' is not a string");
  for (const char* line : {R"({"id":"a","size":-1})", R"({"id":"a","labels":"cat"})",
                           R"({"id":"a","labels":[1]})", R"({"id":"a","boxes":[{"label":"c"}]})",
                           R"({"id":"a","boxes":[{"label":"c","x":"1","y":0,"w":1,"h":1}]})",
                           R"({"id":"a","values":[true]})", R"({"id":"a","meta":)"}) {
    EXPECT_EQ(SampleFromLine(line).status().code(), StatusCode::kInvalidArgument) << line;
  }
  // Fields a later easel may add are read past.
  Result<Sample> extra = SampleFromLine(R"({"id":"a","later":{"x":[1,2]},"values":["1",null]})");
  ASSERT_TRUE(extra.ok()) << extra.status().ToString();
  EXPECT_EQ(extra->values, (std::vector<std::optional<std::string>>{"1", std::nullopt}));
}

TEST(SampleIds, RecordIdsAreContentDerivedAndRepeatsAreNumbered) {
  SampleIds ids;
  Sample a;
  a.values = {std::string("1"), std::string("2")};
  Sample b;
  b.values = {std::string("12"), std::nullopt};
  const std::string ia = ids.Assign(a);
  EXPECT_EQ(ia.size(), 16u);
  EXPECT_NE(ids.Assign(b), ia);
  EXPECT_EQ(ids.Assign(a), ia + "-2");
  EXPECT_EQ(ids.Assign(a), ia + "-3");
  SampleIds fresh;
  EXPECT_EQ(fresh.Assign(a), ia);  // the same row has the same id in another version
}

TEST(SampleIds, ManyDistinctRowsGetDistinctIds) {
  SampleIds ids;
  std::set<std::string> seen;
  for (int i = 0; i < 20000; ++i) {
    Sample s;
    s.values = {std::to_string(i)};
    EXPECT_TRUE(seen.insert(ids.Assign(s)).second);
  }
}

TEST(SampleIds, ImageIdsDependOnFileAndContent) {
  SampleIds ids;
  Sample a;
  a.file = "a.png";
  a.blob = std::string(64, '1');
  Sample b = a;
  b.file = "b.png";
  EXPECT_NE(ids.Assign(a), ids.Assign(b));
  EXPECT_EQ(ids.Assign(a), ids.Assign(a));  // file paths are unique, no numbering
}

TEST(RoundBoxCoordinate, RoundsToThousandths) {
  EXPECT_DOUBLE_EQ(RoundBoxCoordinate(1.23456), 1.235);
  EXPECT_EQ(RoundBoxCoordinate(-0.0001), 0.0);
  EXPECT_FALSE(std::signbit(RoundBoxCoordinate(-0.0001)));
}

}  // namespace
}  // namespace easel::data
