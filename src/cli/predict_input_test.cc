#include "cli/predict_input.h"

#include <gtest/gtest.h>

namespace easel::cli {
namespace {

TEST(RowsFromCsvTest, HeaderNamesTheColumnsAndNumbersBecomeNumbers) {
  auto rows = RowsFromCsv("sepal_length,species,count\n5.1,setosa,3\n-0.5e1,,007\n");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(*rows, Json::parse(R"([{"sepal_length": 5.1, "species": "setosa", "count": 3},
                                   {"sepal_length": -5.0, "species": null, "count": "007"}])"));
}

TEST(RowsFromCsvTest, QuotedCellsHoldCommasQuotesAndLineBreaks) {
  auto rows = RowsFromCsv("a,b\r\n\"x, y\",\"say \"\"hi\"\"\"\r\n\"two\nlines\", 42 \r\n");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(*rows, Json::parse(R"([{"a": "x, y", "b": "say \"hi\""},
                                   {"a": "two\nlines", "b": 42}])"));
}

TEST(RowsFromCsvTest, SkipsBlankLinesAndTheByteOrderMark) {
  auto rows = RowsFromCsv("\xEF\xBB\xBFx\n\n1\n\n2");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(*rows, Json::parse(R"([{"x": 1}, {"x": 2}])"));
}

TEST(RowsFromCsvTest, TextThatOnlyLooksNumericStaysText) {
  auto rows = RowsFromCsv("v\n1.\n0x1A\nnan\n1e999\n+1\n- 1\n");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 6u);
  for (const Json& row : *rows) EXPECT_TRUE(row["v"].is_string()) << row;
}

TEST(RowsFromCsvTest, MalformedFilesNameTheLine) {
  struct Case {
    const char* csv;
    const char* message;
  } cases[] = {
      {"", "no header line: the file is empty"},
      {"a,b\n", "no rows under the header line"},
      {"a,b\n1,2\n1,2,3\n", "line 3 has 3 cells; the header has 2"},
      {"a,b\n\"1\n2,3\n", "line 2: a quoted cell is never closed"},
      {"a,,b\n1,2,3\n", "line 1: column 2 has no name"},
      {"a,a\n1,2\n", "line 1: column 'a' appears twice"},
      {"a\n\"x\ny\"\n1,2\n", "line 4 has 2 cells; the header has 1"},
  };
  for (const Case& c : cases) {
    auto rows = RowsFromCsv(c.csv);
    ASSERT_FALSE(rows.ok()) << c.csv;
    EXPECT_EQ(rows.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(rows.status().message(), c.message) << c.csv;
  }
}

TEST(RowsRequestTest, EachRowIsOneBytesElementOfJsonText) {
  Json request = RowsRequest(Json::parse(R"([{"a": 1}, {"a": null, "b": "x"}])"));
  EXPECT_EQ(request, Json::parse(R"({"inputs": [{"name": "rows", "datatype": "BYTES",
      "shape": [2], "data": ["{\"a\":1}", "{\"a\":null,\"b\":\"x\"}"]}]})"));
}

TEST(RequestFromJsonTest, InferRequestsPassRowsAreWrapped) {
  Json infer = Json::parse(R"({"inputs": [{"name": "x", "datatype": "FP32", "shape": [1],
                                            "data": [1]}], "outputs": [{"name": "value"}]})");
  EXPECT_EQ(*RequestFromJson(infer), infer);
  EXPECT_EQ(*RequestFromJson(Json::parse(R"({"a": 1})")),
            RowsRequest(Json::parse(R"([{"a": 1}])")));
  EXPECT_EQ(*RequestFromJson(Json::parse(R"([{"a": 1}, {"a": 2}])")),
            RowsRequest(Json::parse(R"([{"a": 1}, {"a": 2}])")));

  for (const char* bad : {"[]", "[1]", R"([{"a": 1}, "x"])", "3", "\"rows\"", "null"}) {
    auto r = RequestFromJson(Json::parse(bad));
    EXPECT_FALSE(r.ok()) << bad;
  }
}

TEST(BinaryBytesRequestTest, HeaderThenLengthPrefixedElements) {
  auto body = BinaryBytesRequest("image", {std::string_view("\x89PNG\0x", 6), "ab"});
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  ASSERT_TRUE(body->header_length.has_value());
  EXPECT_EQ(body->content_type, "application/octet-stream");
  const size_t n = *body->header_length;
  EXPECT_EQ(Json::parse(body->body.substr(0, n)),
            Json::parse(R"({"inputs": [{"name": "image", "datatype": "BYTES", "shape": [2],
                                        "parameters": {"binary_data_size": 16}}]})"));
  EXPECT_EQ(body->body.substr(n), std::string("\x06\0\0\0\x89PNG\0x\x02\0\0\0ab", 16));
}

TEST(InferBodyForTest, ChoosesByExtension) {
  auto json = InferBodyFor("rows.JSON", R"([{"a": 1}])");
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  EXPECT_EQ(json->content_type, "application/json");
  EXPECT_FALSE(json->header_length.has_value());
  EXPECT_EQ(Json::parse(json->body), RowsRequest(Json::parse(R"([{"a": 1}])")));

  auto csv = InferBodyFor("dir.v2/rows.csv", "a\n1\n");
  ASSERT_TRUE(csv.ok()) << csv.status().ToString();
  EXPECT_EQ(Json::parse(csv->body), RowsRequest(Json::parse(R"([{"a": 1}])")));

  for (const char* image : {"cat.jpg", "cat.JPEG", "x/cat.png", "cat.bmp", "cat.webp"}) {
    auto body = InferBodyFor(image, "pixels");
    ASSERT_TRUE(body.ok()) << image;
    EXPECT_EQ(body->body.substr(*body->header_length), std::string("\x06\0\0\0pixels", 10));
  }
}

TEST(InferBodyForTest, BadFilesAreErrors) {
  EXPECT_EQ(InferBodyFor("rows.json", "{").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(InferBodyFor("cat.png", "").status().message(), "the file is empty");
  for (const char* name : {"rows.txt", "rows", "archive.tar.gz", ".csv/x"}) {
    auto r = InferBodyFor(name, "a\n1\n");
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_EQ(r.status().message().rfind("unknown file type", 0), 0u) << r.status().message();
  }
}

}  // namespace
}  // namespace easel::cli
