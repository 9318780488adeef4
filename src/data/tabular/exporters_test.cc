// Exporters, and the round trip import → export → import giving identical samples.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "data/tabular/formats.h"
#include "data/tabular/test_fakes.h"
#include "testing/temp_dir.h"

namespace easel::data {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Cells = std::vector<std::optional<std::string>>;

struct Imported {
  std::vector<std::string> columns;
  std::vector<Sample> samples;
};

class RecordExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    blobs_ = std::move(*store::BlobStore::Open(dir_.path() / "data"));
    RegisterTabularImporters(importers_);
    RegisterTabularExporters(exporters_);
  }

  Result<Imported> Import(const std::string& format, DatasetType type, const std::string& path,
                          const std::string& content, const Json& params = Json()) {
    EASEL_ASSIGN_OR_RETURN(const Importer* importer, importers_.Find(format));
    fakes::FakeImportSink sink;
    EASEL_RETURN_IF_ERROR(
        importer->run(fakes::MakeUpload(*blobs_, {{path, content}}), type, params, sink));
    EXPECT_TRUE(sink.rejected.empty());
    return Imported{sink.columns, sink.samples};
  }

  // The exported entries of `data` (named "ds").
  Result<std::map<std::string, std::string>> Export(const std::string& format, DatasetType type,
                                                    const Imported& data) {
    EASEL_ASSIGN_OR_RETURN(const Exporter* exporter, exporters_.Find(format));
    fakes::FakeExportWriter writer;
    EASEL_RETURN_IF_ERROR(exporter->run(
        fakes::MakeExportSource(type, "ds", data.columns, &data.samples), Json(), writer));
    EXPECT_FALSE(writer.open);
    writes_ = writer.writes;
    return writer.entries;
  }

  // Imports `content` with `params`, exports it and imports the export with default params
  // (an export describes itself): both imports must be identical. Returns the exported file.
  std::string RoundTrip(const std::string& format, DatasetType type, const std::string& content,
                        const Json& params = Json()) {
    const std::string ext = format == "csv" ? ".csv" : ".jsonl";
    auto first = Import(format, type, "in" + ext, content, params);
    EXPECT_TRUE(first.ok()) << first.status().ToString();
    if (!first.ok()) return "";
    auto entries = Export(format, type, *first);
    EXPECT_TRUE(entries.ok()) << entries.status().ToString();
    if (!entries.ok()) return "";
    EXPECT_EQ(entries->size(), 1u);
    const std::string exported = (*entries)["ds" + ext];
    auto second = Import(format, type, "ds" + ext, exported);
    EXPECT_TRUE(second.ok()) << second.status().ToString() << "\n" << exported;
    if (!second.ok()) return exported;
    EXPECT_EQ(second->columns, first->columns);
    EXPECT_EQ(second->samples.size(), first->samples.size());
    EXPECT_TRUE(second->samples == first->samples) << exported;
    return exported;
  }

  easel::testing::TempDir dir_;
  std::unique_ptr<store::BlobStore> blobs_;
  ImporterRegistry importers_;
  ExporterRegistry exporters_;
  int writes_ = 0;
};

TEST_F(RecordExportTest, CsvQuotesWhatNeedsIt) {
  Imported data;
  data.columns = {"a", "b;c", "d"};
  Sample s;
  s.values = {"plain", std::nullopt, ""};
  data.samples.push_back(s);
  s.values = {"NA", "x,y", "say \"hi\"\nbye"};
  data.samples.push_back(s);
  auto entries = Export("csv", DatasetType::kTabular, data);
  ASSERT_TRUE(entries.ok()) << entries.status().ToString();
  EXPECT_EQ((*entries)["ds.csv"],
            "a,\"b;c\",d\n"
            "plain,,\"\"\n"
            "\"NA\",\"x,y\",\"say \"\"hi\"\"\nbye\"\n");
}

TEST_F(RecordExportTest, CsvTextClassificationAddsTheLabel) {
  Imported data;
  data.columns = {"text", "id"};
  Sample s;
  s.values = {"good", "1"};
  s.labels = {"pos"};
  data.samples.push_back(s);
  s.values = {"unlabeled", "2"};
  s.labels = {};
  data.samples.push_back(s);
  auto entries = Export("csv", DatasetType::kTextClassification, data);
  ASSERT_TRUE(entries.ok());
  EXPECT_EQ((*entries)["ds.csv"], "text,id,label\ngood,1,pos\nunlabeled,2,\n");
}

TEST_F(RecordExportTest, ExportErrors) {
  Imported data;
  data.columns = {"a", "b"};
  Sample s;
  s.values = {"1"};
  data.samples.push_back(s);
  auto entries = Export("csv", DatasetType::kTabular, data);
  EXPECT_EQ(entries.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(entries.status().message(), HasSubstr("1 values for 2 columns"));
  EXPECT_EQ(Export("jsonl", DatasetType::kTabular, data).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(RecordExportTest, TabularRoundTrip) {
  const std::string exported = RoundTrip("csv", DatasetType::kTabular,
                                         "\xEF\xBB\xBFid;name;note;score\r\n"
                                         "1;\"Smith, J\";\"multi\r\nline \"\"quoted\"\"\";1.50\r\n"
                                         "2;NA;\"NA\";\r\n"
                                         "3;\"\";a\rb;-0\r\n"
                                         "4;caf\xC3\xA9 \xF0\x9F\x98\x80;null;1e3\r\n"
                                         "5;  spaced  ;|pipe|;\"\"\r\n");
  EXPECT_THAT(exported, HasSubstr("\"Smith, J\""));
}

TEST_F(RecordExportTest, OneColumnRoundTripKeepsMissingValues) {
  const std::string exported = RoundTrip("csv", DatasetType::kTabular, "x\n1\n\nNA\n\"\"\n2\n");
  EXPECT_EQ(exported, "x\n1\n\n\n\"\"\n2\n");
}

TEST_F(RecordExportTest, HeaderStartingWithAByteOrderMarkRoundTrips) {
  // The first name starts with U+FEFF after the file's own BOM: it must survive.
  RoundTrip("csv", DatasetType::kTabular,
            "\xEF\xBB\xBF\xEF\xBB\xBF"
            "a,b\n1,2\n");
}

TEST_F(RecordExportTest, TextClassificationRoundTrip) {
  RoundTrip("csv", DatasetType::kTextClassification,
            "label,text,source\npos,\"great, really\",web\n,no label here,\nneg,bad,NA\n");
  RoundTrip("csv", DatasetType::kTextClassification, "review,y\n\"line\nbreak\",a\nplain,b\n",
            {{"text_column", "review"}, {"label_column", "y"}});
  // Without a "text" column the text is the first non-label column, so no params are needed.
  RoundTrip("csv", DatasetType::kTextClassification, "body,label\nhello,x\n");
}

TEST_F(RecordExportTest, TimeSeriesRoundTrip) {
  RoundTrip("csv", DatasetType::kTimeSeries,
            "Timestamp,Value,series_id,temp\n"
            "2024-01-01T00:00:00Z,1.0,a,20.5\n"
            "2024-01-01T01:00:00+02:00,,a,NA\n"
            "2024-01-02,3e-2,\"b,c\",\n");
}

TEST_F(RecordExportTest, JsonlRoundTrip) {
  const std::string exported = RoundTrip(
      "jsonl", DatasetType::kTextClassification,
      "{\"text\": \"good\", \"label\": \"pos\", \"id\": 7, \"extra\": {\"k\": [1, 2.5]}}\n"
      "{\"text\": \"unlabeled \\\"quoted\\\"\\n\"}\n"
      "{\"label\": true, \"text\": \"caf\xC3\xA9\"}\n");
  EXPECT_THAT(exported, HasSubstr("{\"text\":\"good\",\"label\":\"pos\","));
}

TEST_F(RecordExportTest, LargeExportIsStreamed) {
  Imported data;
  data.columns = {"i", "text"};
  for (int i = 0; i < 100'000; ++i) {
    Sample s;
    s.values = {std::to_string(i), "some text for row " + std::to_string(i)};
    data.samples.push_back(std::move(s));
  }
  auto entries = Export("csv", DatasetType::kTabular, data);
  ASSERT_TRUE(entries.ok());
  EXPECT_GT(writes_, 5);  // many bounded writes, not one whole-file buffer
  auto back = Import("csv", DatasetType::kTabular, "ds.csv", (*entries)["ds.csv"]);
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->samples == data.samples);
}

TEST_F(RecordExportTest, CancelledExport) {
  Imported data;
  data.columns = {"i"};
  for (int i = 0; i < 10'000; ++i) {
    Sample s;
    s.values = {std::to_string(i)};
    data.samples.push_back(std::move(s));
  }
  const Exporter* csv = *exporters_.Find("csv");
  fakes::FakeExportWriter writer;
  writer.cancel = true;
  Status s =
      csv->run(fakes::MakeExportSource(DatasetType::kTabular, "ds", data.columns, &data.samples),
               Json(), writer);
  EXPECT_EQ(s.code(), StatusCode::kCancelled);
}

// Random tables of awkward cells (delimiters, quotes, line ends, markers, UTF-8, missing
// values) survive export and import, whatever the column count.
TEST_F(RecordExportTest, RandomTablesRoundTrip) {
  const std::vector<std::string> pieces = {
      "a",           "b",    ",", ";",  "\t",   "|",   "\"",          "\r",
      "\n",          "\r\n", " ", "NA", "null", "1.5", "caf\xC3\xA9", "\xF0\x9F\x98\x80",
      "\xEF\xBB\xBF"};
  std::mt19937 rng(1234);
  auto cell = [&]() -> std::optional<std::string> {
    switch (rng() % 8) {
      case 0:
        return std::nullopt;
      case 1:
        return "";
      case 2:
        return pieces[rng() % pieces.size()];  // a marker or a lone special character
      default: {
        std::string s;
        for (unsigned n = rng() % 6 + 1; n > 0; --n) s += pieces[rng() % pieces.size()];
        return s;
      }
    }
  };
  for (int round = 0; round < 50; ++round) {
    Imported data;
    const int columns = static_cast<int>(rng() % 4) + 1;
    for (int c = 0; c < columns; ++c) {
      std::string name = "c" + std::to_string(c);
      if (rng() % 3 == 0) name += pieces[rng() % pieces.size()];
      data.columns.push_back(name);
    }
    for (int r = static_cast<int>(rng() % 20); r > 0; --r) {
      Sample s;
      for (int c = 0; c < columns; ++c) s.values.push_back(cell());
      data.samples.push_back(std::move(s));
    }
    auto entries = Export("csv", DatasetType::kTabular, data);
    ASSERT_TRUE(entries.ok());
    auto back = Import("csv", DatasetType::kTabular, "ds.csv", (*entries)["ds.csv"]);
    ASSERT_TRUE(back.ok()) << back.status().ToString() << "\n" << (*entries)["ds.csv"];
    ASSERT_EQ(back->columns, data.columns) << (*entries)["ds.csv"];
    ASSERT_TRUE(back->samples == data.samples) << "round " << round << "\n" << (*entries)["ds.csv"];
  }
}

}  // namespace
}  // namespace easel::data
