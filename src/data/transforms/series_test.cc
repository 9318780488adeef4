// Time-series history steps (lags, rolling, diff), series boundaries and calendar features.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "data/transforms/test_util.h"

namespace easel::data::transforms {
namespace {

using ::testing::ElementsAre;
using testing::Fitted;
using ::testing::HasSubstr;
using testing::Record;
using testing::Records;
using testing::Spec;

constexpr auto kSeries = DatasetType::kTimeSeries;
const float kNaN = std::nanf("");

// Compares floats treating NaN as equal to NaN.
void ExpectRow(std::span<const float> row, std::vector<float> expected) {
  ASSERT_EQ(row.size(), expected.size());
  for (size_t i = 0; i < row.size(); ++i) {
    if (std::isnan(expected[i])) {
      EXPECT_TRUE(std::isnan(row[i])) << "feature " << i << " is " << row[i];
    } else {
      EXPECT_FLOAT_EQ(row[i], expected[i]) << "feature " << i;
    }
  }
}

Pipeline::SeriesFeatures Series(const Pipeline& p, const std::vector<Sample>& rows) {
  Result<Pipeline::SeriesFeatures> out = p.TransformSeries(rows);
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  return out.ok() ? std::move(*out) : Pipeline::SeriesFeatures{};
}

std::vector<Sample> Days(const std::vector<std::string>& ys, std::string series = "s") {
  std::vector<Sample> rows;
  for (size_t i = 0; i < ys.size(); ++i) {
    rows.push_back(Record(
        {series, "2024-01-" + std::string(i < 9 ? "0" : "") + std::to_string(i + 1), ys[i]}));
  }
  return rows;
}

const std::vector<std::string> kColumns = {"store", "date", "y"};

TEST(LagsTest, ValuesAndCompleteness) {
  Pipeline p = Fitted(R"({"steps": [{"op": "lags", "columns": ["y"], "lags": [1, 2]},
                                    {"op": "drop", "columns": ["store", "date"]}]})",
                      kSeries, kColumns, {});
  EXPECT_THAT(p.feature_names(), ElementsAre("y", "y_lag1", "y_lag2"));
  EXPECT_EQ(p.history_length(), 2u);
  auto out = Series(p, Days({"1", "2", "3", "4"}));
  ExpectRow(out.features.row(0), {1, kNaN, kNaN});
  ExpectRow(out.features.row(1), {2, 1, kNaN});
  ExpectRow(out.features.row(2), {3, 2, 1});
  ExpectRow(out.features.row(3), {4, 3, 2});
  EXPECT_THAT(out.complete, ElementsAre(false, false, true, true));
  // Row-wise transforms cannot see history.
  EXPECT_EQ(p.Transform(Days({"1"})[0]).status().code(), StatusCode::kFailedPrecondition);
}

TEST(RollingTest, WindowsBeforeTheCurrentRow) {
  Pipeline p = Fitted(R"({"steps": [
      {"op": "rolling", "columns": ["y"], "windows": [3], "stats": ["mean", "std", "min", "max", "sum"]},
      {"op": "select", "columns": ["y_roll3_mean", "y_roll3_std", "y_roll3_min", "y_roll3_max", "y_roll3_sum"]}]})",
                      kSeries, kColumns, {});
  auto out = Series(p, Days({"1", "2", "4", "8", "100"}));
  ExpectRow(out.features.row(2), {kNaN, kNaN, kNaN, kNaN, kNaN});
  // Row 3 sees 1, 2, 4; row 4 sees 2, 4, 8 (never its own value).
  ExpectRow(out.features.row(3), {7.0f / 3, static_cast<float>(std::sqrt(7.0 / 3)), 1, 4, 7});
  ExpectRow(out.features.row(4), {14.0f / 3, static_cast<float>(std::sqrt(28.0 / 3)), 2, 8, 14});
  EXPECT_THAT(out.complete, ElementsAre(false, false, false, true, true));
}

TEST(RollingTest, IncludeCurrentAndMissingValuesInTheWindow) {
  Pipeline p = Fitted(R"({"steps": [
      {"op": "rolling", "columns": ["y"], "windows": [2], "include_current": true},
      {"op": "select", "columns": ["y_roll2_mean"]}]})",
                      kSeries, kColumns, {});
  std::vector<Sample> rows = Days({"1", "3", "5"});
  rows[1].values[2] = std::nullopt;
  auto out = Series(p, rows);
  ExpectRow(out.features.row(0), {kNaN});
  ExpectRow(out.features.row(1), {1});  // the missing value is skipped
  ExpectRow(out.features.row(2), {5});
  EXPECT_THAT(out.complete, ElementsAre(false, true, true));

  // A window of the current row alone still makes a series pipeline.
  Pipeline one = Fitted(R"({"steps": [
      {"op": "rolling", "columns": ["y"], "windows": [1], "include_current": true}]})",
                        kSeries, {"y"}, {});
  EXPECT_TRUE(one.has_history());
  EXPECT_EQ(one.Transform(Record({"1"})).status().code(), StatusCode::kFailedPrecondition);
  auto single = Series(one, Records({{"4"}, {"5"}}));
  ExpectRow(single.features.row(1), {5, 5});
}

TEST(DiffTest, PreviousRowsByDefault) {
  Pipeline p = Fitted(R"({"steps": [
      {"op": "diff", "columns": ["y"]},
      {"op": "diff", "columns": ["y"], "periods": 2, "include_current": true},
      {"op": "select", "columns": ["y_diff1", "y_diff2"]}]})",
                      kSeries, kColumns, {});
  auto out = Series(p, Days({"1", "4", "9", "16"}));
  ExpectRow(out.features.row(1), {kNaN, kNaN});
  ExpectRow(out.features.row(2), {3, 8});   // 4 - 1; 9 - 1
  ExpectRow(out.features.row(3), {5, 12});  // 9 - 4; 16 - 4
}

TEST(SeriesTest, HistoryRestartsWithEachSeriesAndTimeMustIncrease) {
  Pipeline p = Fitted(R"({"series_column": "store", "time_column": "date", "steps": [
      {"op": "lags", "columns": ["y"], "lags": [1]},
      {"op": "select", "columns": ["y_lag1"]}]})",
                      kSeries, kColumns, {});
  std::vector<Sample> rows = Days({"1", "2"}, "a");
  for (Sample& s : Days({"10", "20"}, "b")) rows.push_back(s);
  auto out = Series(p, rows);
  ExpectRow(out.features.row(0), {kNaN});
  ExpectRow(out.features.row(1), {1});
  ExpectRow(out.features.row(2), {kNaN});
  ExpectRow(out.features.row(3), {10});

  std::swap(rows[2], rows[3]);
  Result<Pipeline::SeriesFeatures> bad = p.TransformSeries(rows);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("ordered by time"));
  EXPECT_THAT(bad.status().message(), HasSubstr("row 3"));

  rows = Days({"1"});
  rows[0].values[1] = "yesterday";
  EXPECT_THAT(p.TransformSeries(rows).status().message(),
              HasSubstr("'yesterday' is not an ISO 8601 date"));
}

TEST(SeriesTest, ServingTheLatestRowNeedsOnlyHistoryLengthRows) {
  Pipeline p = Fitted(R"({"steps": [
      {"op": "diff", "columns": ["y"]},
      {"op": "lags", "columns": ["y_diff1"], "lags": [1, 2]},
      {"op": "drop", "columns": ["store", "date"]}]})",
                      kSeries, kColumns, {});
  std::vector<Sample> all = Days({"3", "1", "4", "1", "5", "9", "2", "6"});
  auto full = Series(p, all);
  size_t h = p.history_length();
  ASSERT_EQ(h, 4u);
  std::vector<Sample> recent(all.end() - (h + 1), all.end());
  auto served = Series(p, recent);
  EXPECT_TRUE(served.complete.back());
  EXPECT_EQ(std::vector<float>(served.features.row(h).begin(), served.features.row(h).end()),
            std::vector<float>(full.features.row(all.size() - 1).begin(),
                               full.features.row(all.size() - 1).end()));
}

TEST(SeriesTest, FittingStepsAfterHistoryStepsSeesHistoryFeatures) {
  std::vector<Sample> train = Days({"2", "4", "6", "8"});
  Pipeline p = Fitted(R"({"steps": [
      {"op": "lags", "columns": ["y"], "lags": [1]},
      {"op": "standard_scale", "columns": ["y_lag1"]},
      {"op": "select", "columns": ["y_lag1"]}]})",
                      kSeries, kColumns, train);
  // The lag column holds 2, 4, 6 (its first row is missing): mean 4.
  EXPECT_EQ(p.State()["steps"][1]["state"]["columns"]["y_lag1"]["mean"], 4.0);
  Result<Pipeline> q = Pipeline::FromJson(p.ToJson());
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  FeatureMatrix a = Series(p, train).features, b = Series(*q, train).features;
  ASSERT_EQ(a.data.size(), b.data.size());
  EXPECT_EQ(0, std::memcmp(a.data.data(), b.data.data(), a.data.size() * sizeof(float)));
}

TEST(CalendarTest, FieldsInUtc) {
  Pipeline p = Fitted(R"({"steps": [
      {"op": "calendar", "columns": ["t"],
       "features": ["hour", "minute", "day_of_week", "day_of_month", "day_of_year", "month", "year", "is_weekend"]}]})",
                      DatasetType::kTabular, {"t"}, {});
  EXPECT_THAT(p.feature_names(),
              ElementsAre("t_hour", "t_minute", "t_day_of_week", "t_day_of_month", "t_day_of_year",
                          "t_month", "t_year", "t_is_weekend"));
  auto m = testing::Batch(p, Records({{"2024-03-16T13:45:00Z"},  // a Saturday
                                      {"2024-12-31"},            // leap year: day 366
                                      {"2024-03-17T01:30:00+02:00"},
                                      {"1969-12-31T23:59:59Z"},  // before the epoch
                                      {std::nullopt}}));
  ExpectRow(m.row(0), {13, 45, 5, 16, 76, 3, 2024, 1});
  ExpectRow(m.row(1), {0, 0, 1, 31, 366, 12, 2024, 0});
  ExpectRow(m.row(2), {23, 30, 5, 16, 76, 3, 2024, 1});  // 2024-03-16T23:30Z
  ExpectRow(m.row(3), {23, 59, 2, 31, 365, 12, 1969, 0});
  ExpectRow(m.row(4), {kNaN, kNaN, kNaN, kNaN, kNaN, kNaN, kNaN, kNaN});
  Result<FeatureRow> bad = p.Transform(Record({"soon"}));
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("column 't': 'soon'"));
}

TEST(SeriesSpecTest, HistoryOpsAreForTimeSeriesOnly) {
  Result<Pipeline> p =
      Pipeline::Create(Spec(R"({"steps": [{"op": "lags", "columns": ["y"], "lags": [1]}]})"),
                       DatasetType::kTabular, {"y"});
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(p.status().message(), HasSubstr("does not apply to tabular"));
  p = Pipeline::Create(Spec(R"({"series_column": "y", "steps": []})"), DatasetType::kTabular,
                       {"y"});
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
  p = Pipeline::Create(Spec(R"({"series_column": "nope", "steps": []})"), kSeries, {"y"});
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
  p = Pipeline::Create(
      Spec(R"({"steps": [{"op": "rolling", "columns": ["y"], "windows": [1], "stats": ["std"]}]})"),
      kSeries, {"y"});
  EXPECT_THAT(p.status().message(), HasSubstr("at least 2"));
  p = Pipeline::Create(Spec(R"({"steps": [{"op": "lags", "columns": ["y"], "lags": [1]},
                                          {"op": "lags", "columns": ["y"], "lags": [1]}]})"),
                       kSeries, {"y"});
  EXPECT_THAT(p.status().message(), HasSubstr("steps[1] (lags): column 'y_lag1' already exists"));
}

}  // namespace
}  // namespace easel::data::transforms
