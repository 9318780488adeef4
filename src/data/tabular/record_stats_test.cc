#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <set>

#include "data/stats.h"
#include "data/tabular/cells.h"
#include "data/tabular/column_stats.h"
#include "data/tabular/distinct_counter.h"
#include "data/tabular/time_stats.h"
#include "data/timestamps.h"

namespace easel::data {
namespace {

using ::testing::DoubleNear;

TEST(Cells, MissingMarkers) {
  for (const char* m : {"", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL"}) {
    EXPECT_TRUE(IsMissingMarker(m)) << m;
  }
  for (const char* v : {" ", "na", "None", "NAN", "Null", "0", "-", "NA "}) {
    EXPECT_FALSE(IsMissingMarker(v)) << v;
  }
}

TEST(Cells, Numbers) {
  EXPECT_EQ(ParseNumber("42"), 42);
  EXPECT_EQ(ParseNumber("-1.5"), -1.5);
  EXPECT_EQ(ParseNumber("+2"), 2);
  EXPECT_EQ(ParseNumber(".5"), 0.5);
  EXPECT_EQ(ParseNumber("3."), 3);
  EXPECT_EQ(ParseNumber("1e-3"), 0.001);
  EXPECT_EQ(ParseNumber("1E3"), 1000);
  EXPECT_EQ(ParseNumber("1e-400"), 0);  // underflow is a (tiny) number
  for (const char* bad : {"", "+", "-", ".", "+-1", "1e", "e5", "1e999", "inf", "-inf", "nan",
                          "infinity", "0x10", " 1", "1 ", "1,000", "1.2.3", "12abc", "--1"}) {
    EXPECT_FALSE(ParseNumber(bad)) << bad;
  }
}

TEST(Cells, Booleans) {
  for (const char* t : {"true", "TRUE", "True", "yes", "YES", "1"})
    EXPECT_EQ(ParseBoolean(t), true);
  for (const char* f : {"false", "False", "no", "No", "0"}) EXPECT_EQ(ParseBoolean(f), false);
  for (const char* x : {"", "t", "y", "2", "1.0", "truee", "on"}) EXPECT_FALSE(ParseBoolean(x));
}

TEST(DistinctCounter, ExactThenApproximate) {
  DistinctCounter counter;
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 65'536; ++i) counter.Add(HashBytes(std::to_string(i)));
  }
  EXPECT_EQ(counter.Count(), 65'536u);
  EXPECT_FALSE(counter.approximate());
  for (int i = 65'536; i < 1'000'000; ++i) counter.Add(HashBytes(std::to_string(i)));
  EXPECT_TRUE(counter.approximate());
  EXPECT_NEAR(static_cast<double>(counter.Count()), 1e6, 1e6 * 0.03);
  for (int i = 0; i < 1'000'000; ++i) counter.Add(HashBytes(std::to_string(i)));  // repeats
  EXPECT_NEAR(static_cast<double>(counter.Count()), 1e6, 1e6 * 0.03);
}

TEST(DistinctCounter, HashSpreadsSimilarInputs) {
  std::set<uint64_t> hashes;
  for (int i = 0; i < 10'000; ++i)
    hashes.insert(HashBytes(std::string(static_cast<size_t>(i % 40), 'a') + std::to_string(i)));
  EXPECT_EQ(hashes.size(), 10'000u);
  EXPECT_NE(HashBytes(""), HashBytes(std::string(1, '\0')));
}

Json StatsOf(const std::vector<std::optional<std::string>>& values) {
  ColumnStats stats;
  for (const auto& v : values) stats.Add(v);
  return stats.ToJson("c");
}

std::vector<std::optional<std::string>> Repeat(std::vector<std::optional<std::string>> values,
                                               int times) {
  std::vector<std::optional<std::string>> out;
  for (int i = 0; i < times; ++i) out.insert(out.end(), values.begin(), values.end());
  return out;
}

TEST(ColumnStats, Numeric) {
  Json s = StatsOf({"1", "2", std::nullopt, "3", "4", "-1.5e1"});
  EXPECT_EQ(s["type"], "numeric");
  EXPECT_EQ(s["count"], 5);
  EXPECT_EQ(s["missing"], 1);
  EXPECT_EQ(s["distinct"], 5);
  EXPECT_EQ(s["distinct_approximate"], false);
  EXPECT_EQ(s["min"], -15);
  EXPECT_EQ(s["max"], 4);
  EXPECT_DOUBLE_EQ(s["mean"].get<double>(), -1);
  // Sample standard deviation of 1, 2, 3, 4, -15.
  EXPECT_THAT(s["std"].get<double>(), DoubleNear(std::sqrt(250.0 / 4), 1e-12));
  EXPECT_EQ(StatsOf({"7"})["std"], 0);
}

TEST(ColumnStats, WelfordIsStableForLargeOffsets) {
  std::vector<std::optional<std::string>> values;
  for (int i = 0; i < 1000; ++i) values.push_back(std::to_string(1e9 + (i % 2)));
  Json s = StatsOf(values);
  EXPECT_THAT(s["mean"].get<double>(), DoubleNear(1e9 + 0.5, 1e-6));
  EXPECT_THAT(s["std"].get<double>(), DoubleNear(std::sqrt(250.0 / 999), 1e-9));
}

TEST(ColumnStats, Boolean) {
  Json s = StatsOf({"true", "False", "YES", "no", std::nullopt});
  EXPECT_EQ(s["type"], "boolean");
  EXPECT_EQ(s["true"], 2);
  EXPECT_EQ(s["false"], 2);
  EXPECT_EQ(StatsOf({"0", "1", "1"})["type"], "boolean");
  EXPECT_EQ(StatsOf({"0", "1", "2"})["type"], "numeric");
  EXPECT_EQ(StatsOf({"yes", "no", "maybe"})["type"], "categorical");
}

TEST(ColumnStats, Datetime) {
  Json s = StatsOf({"2024-01-02", "2023-12-31T23:00:00+01:00", "2024-03-01 08:30", std::nullopt});
  EXPECT_EQ(s["type"], "datetime");
  EXPECT_EQ(s["min"], "2023-12-31T22:00:00Z");
  EXPECT_EQ(s["max"], "2024-03-01T08:30:00Z");
  EXPECT_EQ(StatsOf({"2024-01-02", "2024-02-30"})["type"], "categorical");
}

TEST(ColumnStats, CategoricalTopValues) {
  std::vector<std::optional<std::string>> values;
  for (int i = 0; i < 12; ++i) {
    for (int n = 0; n <= i; ++n) values.push_back("v" + std::to_string(i));
  }
  values.push_back("a");  // ties with v0 (one each): ordered by value
  Json s = StatsOf(values);
  EXPECT_EQ(s["type"], "categorical");
  EXPECT_EQ(s["distinct"], 13);
  ASSERT_EQ(s["top"].size(), 10u);
  EXPECT_EQ(s["top"][0], Json::array({"v11", 12}));
  EXPECT_EQ(s["top"][9], Json::array({"v2", 3}));
  EXPECT_FALSE(s.contains("length"));
}

TEST(ColumnStats, CategoricalOrText) {
  // Up to 20 distinct values is categorical whatever the count.
  std::vector<std::optional<std::string>> twenty, twenty_one;
  for (int i = 0; i < 20; ++i) twenty.push_back("name " + std::to_string(i));
  twenty_one = twenty;
  twenty_one.push_back("one more");
  EXPECT_EQ(StatsOf(twenty)["type"], "categorical");
  Json text = StatsOf(twenty_one);
  EXPECT_EQ(text["type"], "text");
  EXPECT_EQ(text["length"], Json({{"min", 6}, {"max", 8}, {"mean", (10 * 6 + 10 * 7 + 8) / 21.0}}));
  // Beyond 20, each value must repeat 20 times on average.
  EXPECT_EQ(StatsOf(Repeat(twenty_one, 20))["type"], "categorical");
  EXPECT_EQ(StatsOf(Repeat(twenty_one, 19))["type"], "text");
  // Long values are never categories.
  EXPECT_EQ(StatsOf(Repeat({std::string(300, 'x'), "short"}, 50))["type"], "text");
}

TEST(ColumnStats, LengthsCountCodePoints) {
  Json s = StatsOf({"caf\xC3\xA9",
                    "\xF0\x9F\x98\x80",
                    "a long text value that is unique 1",
                    "a long text value that is unique 2",
                    "x",
                    "y",
                    "z",
                    "1",
                    "2",
                    "3",
                    "4",
                    "5",
                    "6",
                    "7",
                    "8",
                    "9",
                    "10",
                    "11",
                    "12",
                    "13",
                    "14"});
  EXPECT_EQ(s["type"], "text");
  EXPECT_EQ(s["length"]["min"], 1);
  EXPECT_EQ(s["length"]["max"], 34);
}

TEST(ColumnStats, AllMissing) {
  Json s = StatsOf({std::nullopt, std::nullopt});
  EXPECT_EQ(s["type"], "text");
  EXPECT_EQ(s["count"], 0);
  EXPECT_EQ(s["missing"], 2);
  EXPECT_EQ(s["distinct"], 0);
}

TEST(ColumnStats, ApproximateDistinct) {
  ColumnStats stats;
  for (int i = 0; i < 100'000; ++i) stats.Add("id-" + std::to_string(i));
  Json s = stats.ToJson("id");
  EXPECT_EQ(s["type"], "text");
  EXPECT_EQ(s["distinct_approximate"], true);
  EXPECT_NEAR(s["distinct"].get<double>(), 100'000, 3'000);
}

TEST(TimeStats, Frequencies) {
  EXPECT_EQ(FormatDuration(86'400'000'000), "1d");
  EXPECT_EQ(FormatDuration(7 * 86'400'000'000LL), "7d");
  EXPECT_EQ(FormatDuration(3'600'000'000), "1h");
  EXPECT_EQ(FormatDuration(300'000'000), "5min");
  EXPECT_EQ(FormatDuration(90'000'000), "90s");
  EXPECT_EQ(FormatDuration(1'000'000), "1s");
  EXPECT_EQ(FormatDuration(250'000), "250ms");
  EXPECT_EQ(FormatDuration(7), "7us");
}

Json SeriesStats(const std::vector<std::pair<std::string, std::string>>& points) {
  TimeStats stats;
  for (const auto& [series, time] : points) stats.Add(series, *ParseTimestamp(time));
  return stats.ToJson();
}

TEST(TimeStats, RegularHourlyWithAGap) {
  std::vector<std::pair<std::string, std::string>> points;
  for (int h = 0; h < 24; ++h) {
    if (h == 5) continue;  // one gap: still hourly
    char buf[32];
    std::snprintf(buf, sizeof buf, "2024-01-01T%02d:00:00Z", h);
    points.emplace_back("a", buf);
    points.emplace_back("b", buf);  // interleaved series
  }
  Json t = SeriesStats(points);
  EXPECT_EQ(t["start"], "2024-01-01T00:00:00Z");
  EXPECT_EQ(t["end"], "2024-01-01T23:00:00Z");
  EXPECT_EQ(t["frequency"], "1h");
  EXPECT_EQ(t["series"], 2);
}

TEST(TimeStats, IrregularAndMonthly) {
  Json irregular = SeriesStats({{"", "2024-01-01"},
                                {"", "2024-01-02"},
                                {"", "2024-01-05"},
                                {"", "2024-01-06T05:00"},
                                {"", "2024-02-01"}});
  EXPECT_TRUE(irregular["frequency"].is_null());
  Json monthly = SeriesStats({{"", "2023-11-30"},
                              {"", "2023-12-31"},
                              {"", "2024-01-31"},
                              {"", "2024-02-29"},
                              {"", "2024-03-31"}});
  EXPECT_EQ(monthly["frequency"], "1mo");
  EXPECT_EQ(SeriesStats({{"", "2020-01-15"}, {"", "2020-04-15"}, {"", "2020-07-15"}})["frequency"],
            "3mo");
  EXPECT_EQ(SeriesStats({{"", "2020-01-01"}, {"", "2021-01-01"}, {"", "2022-01-01"}})["frequency"],
            "1y");
  Json single = SeriesStats({{"", "2024-01-01"}});
  EXPECT_TRUE(single["frequency"].is_null());
  EXPECT_EQ(single["series"], 1);
  Json none = TimeStats().ToJson();
  EXPECT_TRUE(none["start"].is_null());
  EXPECT_EQ(none["series"], 0);
}

Sample Row(std::vector<std::optional<std::string>> values, std::vector<std::string> labels = {}) {
  Sample s;
  s.values = std::move(values);
  s.labels = std::move(labels);
  return s;
}

TEST(RecordStats, Tabular) {
  auto builder = MakeRecordStats(DatasetType::kTabular, {"x", "color"});
  builder->Add(Row({"1.5", "red"}));
  builder->Add(Row({"2.5", "blue"}));
  builder->Add(Row({std::nullopt, "red"}));
  Json s = builder->Finish();
  EXPECT_EQ(s["num_samples"], 3);
  EXPECT_FALSE(s.contains("class_counts"));
  ASSERT_EQ(s["columns"].size(), 2u);
  EXPECT_EQ(s["columns"][0]["name"], "x");
  EXPECT_EQ(s["columns"][0]["type"], "numeric");
  EXPECT_EQ(s["columns"][0]["mean"], 2.0);
  EXPECT_EQ(s["columns"][1]["top"], Json::parse(R"([["red", 2], ["blue", 1]])"));
  EXPECT_EQ(SchemaFromStats(s), Json::parse(R"({"columns": [{"name": "x", "type": "numeric"},
                                        {"name": "color", "type": "categorical"}]})"));
}

TEST(RecordStats, TextClassification) {
  auto builder = MakeRecordStats(DatasetType::kTextClassification, {"text"});
  builder->Add(Row({"good movie"}, {"pos"}));
  builder->Add(Row({"bad"}, {"neg"}));
  builder->Add(Row({"great"}, {"pos"}));
  builder->Add(Row({"unlabeled one"}));
  Json s = builder->Finish();
  EXPECT_EQ(s["class_counts"], Json({{"neg", 1}, {"pos", 2}}));
  EXPECT_EQ(s["text_length"]["min"], 3);
  EXPECT_EQ(s["text_length"]["max"], 13);
  EXPECT_EQ(s["text_length"]["mean"], (10 + 3 + 5 + 13) / 4.0);
}

TEST(RecordStats, TimeSeries) {
  auto builder = MakeRecordStats(DatasetType::kTimeSeries, {"timestamp", "value", "series_id"});
  for (int d = 1; d <= 9; ++d) {
    std::string day = "2024-01-0" + std::to_string(d);
    builder->Add(Row({day, std::to_string(d), "s1"}));
    builder->Add(Row({day + "T12:00:00Z", std::nullopt, "s2"}));
  }
  Json s = builder->Finish();
  EXPECT_EQ(s["time"], Json::parse(R"({"start": "2024-01-01T00:00:00Z",
      "end": "2024-01-09T12:00:00Z", "frequency": "1d", "series": 2})"));
  EXPECT_EQ(s["columns"][0]["type"], "datetime");
  EXPECT_EQ(s["columns"][1]["missing"], 9);
  EXPECT_EQ(s["columns"][2]["type"], "categorical");
}

TEST(RecordStats, TimeSeriesFindsColumnsByName) {
  auto builder = MakeRecordStats(DatasetType::kTimeSeries, {"value", "Timestamp", "Series_ID"});
  builder->Add(Row({"1", "2024-01-01T00:00:00Z", "a"}));
  builder->Add(Row({"2", "2024-01-01T00:00:00Z", "b"}));
  builder->Add(Row({"3", "2024-01-01T00:05:00Z", "a"}));
  builder->Add(Row({"4", "2024-01-01T00:05:00Z", "b"}));
  Json t = builder->Finish()["time"];
  EXPECT_EQ(t["series"], 2);
  EXPECT_EQ(t["frequency"], "5min");
  EXPECT_EQ(t["end"], "2024-01-01T00:05:00Z");
}

}  // namespace
}  // namespace easel::data
