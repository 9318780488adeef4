#include "data/tabular/importers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "data/tabular/formats.h"
#include "data/tabular/test_fakes.h"
#include "testing/temp_dir.h"

namespace easel::data {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using Cells = std::vector<std::optional<std::string>>;

class RecordImportTest : public ::testing::Test {
 protected:
  void SetUp() override { blobs_ = std::move(*store::BlobStore::Open(dir_.path() / "data")); }

  SourceFiles Upload(const std::vector<std::pair<std::string, std::string>>& files) {
    return fakes::MakeUpload(*blobs_, files);
  }
  // Each import starts from a fresh sink.
  Status Csv(const std::string& content, DatasetType type, const Json& params = Json()) {
    sink_ = {};
    return ImportCsv(Upload({{"data.csv", content}}), type, params, sink_);
  }
  Status Jsonl(const std::string& content, const Json& params = Json()) {
    sink_ = {};
    return ImportJsonl(Upload({{"data.jsonl", content}}), DatasetType::kTextClassification, params,
                       sink_);
  }
  std::vector<Cells> Values() const {
    std::vector<Cells> out;
    for (const Sample& s : sink_.samples) out.push_back(s.values);
    return out;
  }
  std::vector<std::vector<std::string>> Labels() const {
    std::vector<std::vector<std::string>> out;
    for (const Sample& s : sink_.samples) out.push_back(s.labels);
    return out;
  }

  easel::testing::TempDir dir_;
  std::unique_ptr<store::BlobStore> blobs_;
  fakes::FakeImportSink sink_;
};

TEST_F(RecordImportTest, TabularKeepsExactCellsAndMissingValues) {
  ASSERT_TRUE(Csv("a;b;c\r\n1.50;NA;\"NA\"\r\n;x y;\"\"\r\nnull;N/A;\"q \"\"r\"\"\"\r\n",
                  DatasetType::kTabular)
                  .ok());
  EXPECT_THAT(sink_.columns, ElementsAre("a", "b", "c"));
  EXPECT_THAT(Values(),
              ElementsAre(Cells{"1.50", std::nullopt, "NA"}, Cells{std::nullopt, "x y", ""},
                          Cells{std::nullopt, std::nullopt, "q \"r\""}));
  EXPECT_TRUE(sink_.samples[0].labels.empty());
  EXPECT_TRUE(sink_.samples[0].id.empty());
  EXPECT_TRUE(sink_.samples[0].meta.is_null());
  ASSERT_FALSE(sink_.progress.empty());
  EXPECT_EQ(sink_.progress.back(), 1.0);
}

TEST_F(RecordImportTest, GivenDelimiter) {
  ASSERT_TRUE(Csv("a,b\tc\n1,2\t3\n", DatasetType::kTabular, {{"delimiter", "tab"}}).ok());
  EXPECT_THAT(sink_.columns, ElementsAre("a,b", "c"));
  EXPECT_EQ(Csv("a\n", DatasetType::kTabular, {{"delimiter", ",,"}}).code(),
            StatusCode::kInvalidArgument);
}

TEST_F(RecordImportTest, HeaderErrors) {
  Status s = Csv("", DatasetType::kTabular);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("data.csv is empty"));
  s = Csv("a,,c\n1,2,3\n", DatasetType::kTabular);
  EXPECT_EQ(s.message(), "data.csv line 1: column 2 has no name");
  s = Csv("a,b,a\n1,2,3\n", DatasetType::kTabular);
  EXPECT_EQ(s.message(), "data.csv line 1: duplicate column name 'a' (columns 1 and 3)");
}

TEST_F(RecordImportTest, ParserErrorsNameTheLine) {
  Status s = Csv("a,b\n1,2\n3\n", DatasetType::kTabular);
  EXPECT_EQ(s.message(), "data.csv line 3: expected 2 fields, found 1");
  EXPECT_EQ(sink_.samples.size(), 1u);
}

TEST_F(RecordImportTest, UnknownParams) {
  Status s = Csv("a\n1\n", DatasetType::kTabular, {{"delimeter", ";"}});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("unknown parameter 'delimeter'"));
  EXPECT_THAT(s.message(), HasSubstr("delimiter"));
  EXPECT_EQ(Csv("a\n1\n", DatasetType::kTabular, {{"text_column", "a"}}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Csv("a\n1\n", DatasetType::kTabular, {{"file", 3}}).code(),
            StatusCode::kInvalidArgument);
}

TEST_F(RecordImportTest, ChoosesTheCsvOfAnArchive) {
  ASSERT_TRUE(ImportCsv(Upload({{"README.md", "hi"}, {"dir/rows.CSV", "x\n1\n"}}),
                        DatasetType::kTabular, Json(), sink_)
                  .ok());
  EXPECT_THAT(sink_.columns, ElementsAre("x"));

  SourceFiles two = Upload({{"a.csv", "x\n1\n"}, {"b/c.csv", "y\n2\n"}, {"notes.txt", ""}});
  fakes::FakeImportSink other;
  Status s = ImportCsv(two, DatasetType::kTabular, Json(), other);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("several CSV files (a.csv, b/c.csv)"));
  ASSERT_TRUE(ImportCsv(two, DatasetType::kTabular, {{"file", "b/c.csv"}}, other).ok());
  EXPECT_THAT(other.columns, ElementsAre("y"));
  fakes::FakeImportSink third;
  EXPECT_THAT(ImportCsv(two, DatasetType::kTabular, {{"file", "zzz.csv"}}, third).message(),
              HasSubstr("'zzz.csv' is not in the upload"));
  EXPECT_THAT(
      ImportCsv(Upload({{"a.txt", ""}, {"b.txt", ""}}), DatasetType::kTabular, Json(), third)
          .message(),
      HasSubstr("no CSV file"));
}

TEST_F(RecordImportTest, TextClassificationDefaults) {
  ASSERT_TRUE(Csv("id,label,text,lang\n1,pos,great,en\n2,,meh,en\n3,neg,\"bad, bad\",fr\n",
                  DatasetType::kTextClassification)
                  .ok());
  EXPECT_THAT(sink_.columns, ElementsAre("text", "id", "lang"));
  EXPECT_THAT(Values(), ElementsAre(Cells{"great", "1", "en"}, Cells{"meh", "2", "en"},
                                    Cells{"bad, bad", "3", "fr"}));
  EXPECT_THAT(Labels(), ElementsAre(ElementsAre("pos"), ElementsAre(), ElementsAre("neg")));
}

TEST_F(RecordImportTest, TextClassificationParams) {
  ASSERT_TRUE(Csv("review,stars,y\nfine,3,ok\n,1,bad\n", DatasetType::kTextClassification,
                  {{"label_column", "y"}, {"text_column", "review"}})
                  .ok());
  EXPECT_THAT(sink_.columns, ElementsAre("review", "stars"));
  ASSERT_EQ(sink_.samples.size(), 1u);  // the row without text is rejected
  EXPECT_THAT(sink_.rejected, ElementsAre(Pair("data.csv:3", "missing text")));
  EXPECT_THAT(
      Csv("a,b\n1,2\n", DatasetType::kTextClassification, {{"label_column", "y"}}).message(),
      "data.csv line 1: no label column 'y'");
  EXPECT_THAT(Csv("a,b\n1,2\n", DatasetType::kTextClassification, {{"text_column", "t"}}).message(),
              "data.csv line 1: no text column 't'");
  EXPECT_THAT(Csv("label\nx\n", DatasetType::kTextClassification).message(),
              "data.csv line 1: no text column besides the label");
}

TEST_F(RecordImportTest, TextClassificationFallsBackToTheFirstColumn) {
  ASSERT_TRUE(Csv("label,body,n\na,hello,1\n", DatasetType::kTextClassification).ok());
  EXPECT_THAT(sink_.columns, ElementsAre("body", "n"));
  EXPECT_THAT(Labels(), ElementsAre(ElementsAre("a")));
}

TEST_F(RecordImportTest, TimeSeries) {
  ASSERT_TRUE(Csv("Timestamp,VALUE,Series_Id,temp\n"
                  "2024-01-01,1.5,a,20\n"
                  "2024-01-01T01:00:00Z,,a,NA\n"
                  "2024-01-01 02:00,-3e2,b,21\n",
                  DatasetType::kTimeSeries)
                  .ok());
  EXPECT_THAT(sink_.columns, ElementsAre("timestamp", "value", "series_id", "temp"));
  EXPECT_THAT(Values()[1], ElementsAre("2024-01-01T01:00:00Z", std::nullopt, "a", std::nullopt));
}

TEST_F(RecordImportTest, TimeSeriesErrors) {
  EXPECT_EQ(Csv("time,value\n2024-01-01,1\n", DatasetType::kTimeSeries).message(),
            "data.csv line 1: a time series CSV starts with the columns "
            "timestamp,value[,series_id] (then covariates)");
  EXPECT_EQ(
      Csv("timestamp,value\n2024-01-01,1\n2024-02-30,2\n", DatasetType::kTimeSeries).message(),
      "data.csv line 3: timestamp '2024-02-30' is not an ISO 8601 date or date-time");
  EXPECT_EQ(Csv("timestamp,value\n\"2024-01-01\",1\n,2\n", DatasetType::kTimeSeries).message(),
            "data.csv line 3: missing timestamp");
  EXPECT_EQ(Csv("timestamp,value\n2024-01-01,\"1\n0\"\n2024-01-02,abc\n", DatasetType::kTimeSeries)
                .message(),
            "data.csv line 2: value '1\n0' is not a number");
  EXPECT_EQ(Csv("timestamp,value\n2024-01-02,1,\n", DatasetType::kTimeSeries).message(),
            "data.csv line 2: expected 2 fields, found 3");
}

TEST_F(RecordImportTest, CancelledImportStops) {
  std::string csv = "x\n";
  for (int i = 0; i < 300'000; ++i) csv += std::to_string(i) + "\n";  // ~2 MB: two chunks
  fakes::FakeImportSink sink;
  sink.cancel_after = 10;  // checked between chunks
  Status s = ImportCsv(Upload({{"data.csv", csv}}), DatasetType::kTabular, Json(), sink);
  EXPECT_EQ(s.code(), StatusCode::kCancelled);
  EXPECT_GE(sink.samples.size(), 10u);
  EXPECT_LT(sink.samples.size(), 300'000u);
}

TEST_F(RecordImportTest, LargeFileStreamsWithProgress) {
  std::string csv = "id,text\n";
  for (int i = 0; i < 100'000; ++i) {
    csv += std::to_string(i) + ",\"row " + std::to_string(i) + ", with\nnewline\"\n";
  }
  ASSERT_TRUE(Csv(csv, DatasetType::kTabular).ok());
  ASSERT_EQ(sink_.samples.size(), 100'000u);
  EXPECT_EQ(sink_.samples[99'999].values[1], "row 99999, with\nnewline");
  EXPECT_GE(sink_.progress.size(), 2u);
  EXPECT_TRUE(std::is_sorted(sink_.progress.begin(), sink_.progress.end()));
}

TEST_F(RecordImportTest, Jsonl) {
  ASSERT_TRUE(Jsonl("\xEF\xBB\xBF{\"text\": \"good\", \"label\": \"pos\", \"id\": 7}\r\n"
                    "\n"
                    "{\"text\": \"caf\\u00e9\", \"label\": null}\n"
                    "{\"label\": 3, \"text\": \"x\", \"tags\": [\"a\"]}")
                  .ok());
  EXPECT_THAT(sink_.columns, ElementsAre("text"));
  EXPECT_THAT(Values(), ElementsAre(Cells{"good"}, Cells{"caf\xC3\xA9"}, Cells{"x"}));
  EXPECT_THAT(Labels(), ElementsAre(ElementsAre("pos"), ElementsAre(), ElementsAre("3")));
  EXPECT_EQ(sink_.samples[0].meta, Json({{"id", 7}}));
  EXPECT_TRUE(sink_.samples[1].meta.is_null());
  EXPECT_EQ(sink_.samples[2].meta, Json::parse(R"({"tags": ["a"]})"));
}

TEST_F(RecordImportTest, JsonlParams) {
  ASSERT_TRUE(Jsonl("{\"body\": \"hi\", \"y\": \"a\", \"label\": \"kept\"}\n",
                    {{"text_column", "body"}, {"label_column", "y"}})
                  .ok());
  EXPECT_THAT(sink_.columns, ElementsAre("body"));
  EXPECT_THAT(Labels(), ElementsAre(ElementsAre("a")));
  EXPECT_EQ(sink_.samples[0].meta, Json({{"label", "kept"}}));
}

TEST_F(RecordImportTest, JsonlErrorsNameTheLine) {
  EXPECT_THAT(Jsonl("{\"text\": \"a\"}\n{\"text\": \"b\",}\n").message(),
              HasSubstr("data.jsonl line 2: invalid JSON"));
  EXPECT_EQ(Jsonl("{\"text\": \"a\"}\n\n{\"label\": \"b\"}\n").message(),
            "data.jsonl line 3: no \"text\" field");
  EXPECT_EQ(Jsonl("[1, 2]\n").message(), "data.jsonl line 1: expected a JSON object");
  EXPECT_EQ(Jsonl("{\"text\": 5}\n").message(), "data.jsonl line 1: \"text\" must be a string");
  EXPECT_EQ(Jsonl("{\"text\": \"a\", \"label\": [\"x\"]}\n").message(),
            "data.jsonl line 1: \"label\" must be a string, a number or a boolean");
  EXPECT_THAT(Jsonl("{\"text\": \"\xff\"}\n").message(),
              HasSubstr("data.jsonl line 1: invalid JSON"));
  EXPECT_EQ(ImportJsonl(Upload({{"a.jsonl", ""}}), DatasetType::kTabular, Json(), sink_).code(),
            StatusCode::kInvalidArgument);
}

TEST(RecordFormats, RegistryAndDetection) {
  ImporterRegistry importers;
  RegisterTabularImporters(importers);
  ExporterRegistry exporters;
  RegisterTabularExporters(exporters);
  ASSERT_TRUE(importers.Find("csv").ok());
  ASSERT_TRUE(importers.Find("jsonl").ok());
  ASSERT_TRUE(exporters.Find("csv").ok());
  EXPECT_EQ((*exporters.Find("jsonl"))->importer, "jsonl");
  EXPECT_TRUE((*importers.Find("csv"))->params_schema.contains("delimiter"));

  easel::testing::TempDir dir;
  auto blobs = std::move(*store::BlobStore::Open(dir.path()));
  SourceFiles csv = fakes::MakeUpload(*blobs, {{"x.csv", "a\n1\n"}});
  SourceFiles jsonl = fakes::MakeUpload(*blobs, {{"x.jsonl", "{}\n"}});
  SourceFiles images = fakes::MakeUpload(*blobs, {{"a.png", "x"}});
  EXPECT_EQ((*importers.Detect(csv, DatasetType::kTabular))->name, "csv");
  EXPECT_EQ((*importers.Detect(csv, DatasetType::kTimeSeries))->name, "csv");
  EXPECT_EQ((*importers.Detect(jsonl, DatasetType::kTextClassification))->name, "jsonl");
  EXPECT_FALSE(importers.Detect(images, DatasetType::kTabular).ok());
  EXPECT_EQ((*importers.Find("csv"))->detect(csv, DatasetType::kImageClassification), 0);
}

}  // namespace
}  // namespace easel::data
