// The Pipeline contract: storage as JSON, fitting errors, concurrency of transforms.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <thread>
#include <tuple>

#include "common/float_text.h"
#include "data/transforms/numbers.h"
#include "data/transforms/test_util.h"

namespace easel::data::transforms {
namespace {

using testing::Batch;
using testing::Fitted;
using ::testing::HasSubstr;
using testing::Record;
using testing::Records;
using testing::Spec;

constexpr auto kTabular = DatasetType::kTabular;

const char* kTitanic = R"({"steps": [
    {"op": "impute", "columns": ["age"], "strategy": "median"},
    {"op": "standard_scale", "columns": ["age", "fare"]},
    {"op": "one_hot", "columns": ["sex"], "max_categories": 50, "handle_unknown": "ignore"},
    {"op": "drop", "columns": ["survived"]}]})";
const std::vector<std::string> kTitanicColumns = {"age", "fare", "sex", "survived"};

std::vector<Sample> Passengers() {
  return Records({{"22", "7.25", "male", "0"},
                  {"38", "71.2833", "female", "1"},
                  {std::nullopt, "7.925", "female", "1"},
                  {"35", "53.1", "female", "1"},
                  {"35", "8.05", "male", "0"}});
}

TEST(PipelineTest, StoredDocument) {
  Pipeline p = Fitted(kTitanic, kTabular, kTitanicColumns, Passengers());
  Json doc = p.ToJson();
  EXPECT_EQ(doc["format"], 1);
  EXPECT_EQ(doc["dataset_type"], "tabular");
  EXPECT_EQ(doc["columns"], Json(kTitanicColumns));
  EXPECT_EQ(doc["spec"], p.spec());
  EXPECT_EQ(doc["state"], p.State());
  EXPECT_EQ(doc["features"], Json::array({"age", "fare", "sex=female", "sex=male"}));
  EXPECT_EQ(doc["state"]["steps"][0]["state"]["values"]["age"], 35.0);  // median of 22 35 35 38

  Result<Pipeline> q = Pipeline::FromJson(*ParseJson(DumpJson(doc)));
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->ToJson(), doc);
  std::vector<Sample> serve = Records(
      {{"40", "10", "male", std::nullopt}, {std::nullopt, std::nullopt, "unknown", std::nullopt}});
  FeatureMatrix a = Batch(p, serve), b = Batch(*q, serve);
  ASSERT_EQ(a.data.size(), 8u);
  EXPECT_EQ(0, std::memcmp(a.data.data(), b.data.data(), a.data.size() * sizeof(float)));

  EXPECT_EQ(Pipeline::FromJson(Json{{"format", 2}}).status().code(), StatusCode::kInvalidArgument);
  Json bad_type = doc;
  bad_type["dataset_type"] = "audio";
  EXPECT_EQ(Pipeline::FromJson(bad_type).status().code(), StatusCode::kInvalidArgument);
}

TEST(PipelineTest, UnfittedPipelines) {
  Result<Pipeline> p = Pipeline::Create(Spec(kTitanic), kTabular, kTitanicColumns);
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->fitted());
  EXPECT_TRUE(p->State().is_null());
  EXPECT_TRUE(p->feature_names().empty());
  EXPECT_EQ(p->Transform(Passengers()[0]).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(p->TransformImage(std::string("x")).status().code(), StatusCode::kFailedPrecondition);
}

TEST(PipelineTest, FitStopsAtTheStreamsError) {
  Result<Pipeline> p = Pipeline::Create(Spec(kTitanic), kTabular, kTitanicColumns);
  ASSERT_TRUE(p.ok());
  Status s = p->Fit([](const std::function<Status(const Sample&)>&) -> Status {
    return Unavailable("blob store is down");
  });
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_FALSE(p->fitted());
  // A refit after a failure works.
  ASSERT_TRUE(p->Fit(Passengers()).ok());
  EXPECT_TRUE(p->fitted());
}

TEST(PipelineTest, ConcurrentTransformsAgree) {
  Pipeline p = Fitted(kTitanic, kTabular, kTitanicColumns, Passengers());
  std::vector<Sample> rows;
  for (int i = 0; i < 200; ++i) {
    rows.push_back(
        Record({std::to_string(i % 60), std::to_string(i * 1.5), i % 3 ? "male" : "female", "0"}));
  }
  FeatureMatrix expected = Batch(p, rows);
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < 20; ++k) {
        Result<FeatureMatrix> m = p.TransformBatch(rows);
        if (!m.ok() || m->data != expected.data) ++mismatches[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

// A serving request brings numbers by column: they must give the features of cells holding
// their shortest text, through numeric steps, categories of numbers and missing values.
TEST(PipelineTest, NumberColumnsTransformLikeTheirText) {
  const char* spec = R"({"steps": [
      {"op": "impute", "columns": ["age"], "strategy": "median"},
      {"op": "standard_scale", "columns": ["age", "fare"]},
      {"op": "one_hot", "columns": ["sex", "survived"], "handle_unknown": "ignore"}]})";
  Pipeline p = Fitted(spec, kTabular, kTitanicColumns, Passengers());
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<double> age = {22, 38, nan, 35.5, 0.1},
                            fare = {7.25, 71.2833, 7.925, 53.1, 1e-7};
  const std::vector<double> survived = {0, 1, 1, 2, 0};
  const std::vector<std::string> sex = {"male", "female", "female", "female", "male"};
  std::vector<Sample> samples;
  for (size_t i = 0; i < age.size(); ++i) {
    auto text = [](double v) {
      return std::isnan(v) ? std::nullopt : std::optional(FormatNumber(v));
    };
    samples.push_back(Record({text(age[i]), text(fare[i]), sex[i], text(survived[i])}));
  }
  const std::vector<InputColumn> columns = {
      {.numbers = age}, {.numbers = fare}, {.text = sex}, {.numbers = survived}};
  std::vector<float> out(age.size() * p.num_features());
  ASSERT_TRUE(p.TransformColumns(age.size(), columns, out).ok());
  EXPECT_EQ(out, Batch(p, samples).data);
  // Floats (FP32 tensors) are read as their shortest text: 7.925f as 7.925.
  const std::vector<float> fare_floats(fare.begin(), fare.end());
  const std::vector<float> survived_floats(survived.begin(), survived.end());
  ASSERT_TRUE(p.TransformColumns(age.size(),
                                 std::vector<InputColumn>{{.numbers = age},
                                                          {.floats = fare_floats},
                                                          {.text = sex},
                                                          {.floats = survived_floats}},
                                 out)
                  .ok());
  EXPECT_EQ(out, Batch(p, samples).data);

  // Infinity is not a number as text either; a short column is refused.
  const std::vector<double> inf = {22, 38, INFINITY, 35, 35};
  Status bad = p.TransformColumns(
      5,
      std::vector<InputColumn>{
          {.numbers = inf}, {.numbers = fare}, {.text = sex}, {.numbers = survived}},
      out);
  EXPECT_THAT(bad.message(), HasSubstr("row 2: column 'age': 'inf' is not a number"));
  const std::vector<double> short_fare = {7.25, 71.2833};
  bad = p.TransformColumns(
      5,
      std::vector<InputColumn>{
          {.numbers = age}, {.numbers = short_fare}, {.text = sex}, {.numbers = survived}},
      out);
  EXPECT_THAT(bad.message(), HasSubstr("column 'fare' does not hold one value per row"));
  std::vector<float> small(3);
  EXPECT_FALSE(p.TransformColumns(5, columns, small).ok());
}

// A number sent for a categorical column names the category a CSV's text of it would: whole
// numbers as written whole ("100000", not the shorter "1e+05").
TEST(PipelineTest, NumbersNameTheCategoriesOfTheirCsvText) {
  const char* spec = R"({"steps": [{"op": "one_hot", "columns": ["code"]}]})";
  Pipeline p = Fitted(spec, kTabular, {"code"}, Records({{"100000"}, {"250000"}, {"7"}, {"0.5"}}));
  const std::vector<double> codes = {100000, 250000, 7, 0.5, 1e20};
  std::vector<float> out(codes.size() * p.num_features());
  ASSERT_TRUE(
      p.TransformColumns(codes.size(), std::vector<InputColumn>{{.numbers = codes}}, out).ok());
  EXPECT_EQ(out, Batch(p, Records({{"100000"}, {"250000"}, {"7"}, {"0.5"}, {"1e+20"}})).data);
  EXPECT_EQ(std::count(out.begin(), out.end(), 1.0f), 4);  // 1e20 is no category
}

// Numeric steps only (impute, the scalers, drop): a batch of number columns, or of samples,
// runs column by column, and must give what the rows of cells give, bit for bit, and the same
// errors. The rows' answer comes from the same steps plus a one_hot of one more column, which
// keeps that pipeline on the row path; its first four features are the ones compared.
TEST(PipelineTest, NumericStepsTransformColumnsLikeRows) {
  const std::string steps = R"(
      {"op": "impute", "columns": ["a", "b"], "strategy": "mean"},
      {"op": "standard_scale", "columns": ["a"]},
      {"op": "minmax_scale", "columns": ["b", "c"], "min": -1, "max": 1, "clip": true},
      {"op": "impute", "columns": ["c"], "strategy": "constant", "fill_value": 7.5},
      {"op": "drop", "columns": ["d"]})";
  const std::vector<std::string> names = {"a", "b", "c", "d", "e", "t"};
  std::vector<Sample> train;
  for (int i = 0; i < 50; ++i) {
    auto cell = [](double v) { return std::optional(FormatNumber(v)); };
    train.push_back(Record({i % 7 ? cell(i * 0.37 - 4) : std::nullopt, cell(1e3 / (i + 1)),
                            cell(i % 5), cell(-i), cell(i * 1.1), i % 2 ? "x" : "y"}));
  }
  Pipeline p = Fitted(R"({"steps": [)" + steps + R"(, {"op": "drop", "columns": ["t"]}]})",
                      kTabular, names, train);
  Pipeline by_rows = Fitted(R"({"steps": [)" + steps + R"(, {"op": "one_hot", "columns": ["t"]}]})",
                            kTabular, names, train);
  ASSERT_EQ(p.feature_names(), (std::vector<std::string>{"a", "b", "c", "e"}));
  ASSERT_EQ(by_rows.num_features(), 6u);
  auto rows_answer = [&](const std::vector<Sample>& samples) {
    const FeatureMatrix m = Batch(by_rows, samples);
    std::vector<float> out;
    for (size_t i = 0; i < m.rows; ++i) out.insert(out.end(), &m.data[i * 6], &m.data[i * 6 + 4]);
    return out;
  };
  auto same_bits = [](const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
  };
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<std::vector<double>> numbers(names.size());
  std::vector<Sample> samples;
  for (int i = 0; i < 200; ++i) {
    const double row[] = {i % 3 ? std::ldexp(i - 100.5, i % 40 - 20) : nan, i % 4 ? i / 7.0 : nan,
                          i % 9 ? 1e6 - i * 1e4 : nan, 1e300, i % 11 ? -3.0e-9 * i : nan};
    testing::Cells cells;
    for (size_t c = 0; c < 5; ++c) {
      numbers[c].push_back(row[c]);
      cells.push_back(std::isnan(row[c]) ? std::nullopt : std::optional(FormatNumber(row[c])));
    }
    cells.push_back(i % 3 ? "x" : "z");
    samples.push_back(Record(cells));
  }
  const std::vector<std::string> t_column(samples.size(), "x");
  auto columns_of = [&](const std::vector<std::vector<double>>& n) {
    std::vector<InputColumn> columns;
    for (size_t c = 0; c < 5; ++c) columns.push_back({.numbers = n[c]});
    columns.push_back({.text = t_column});
    return columns;
  };
  const std::vector<float> expected = rows_answer(samples);
  std::vector<float> out(samples.size() * p.num_features());
  ASSERT_TRUE(p.TransformColumns(samples.size(), columns_of(numbers), out).ok());
  EXPECT_TRUE(same_bits(out, expected));
  EXPECT_TRUE(same_bits(Batch(p, samples).data, expected));

  // A column sent as text is read as its cells would be.
  std::vector<InputColumn> with_text = columns_of(numbers);
  const std::vector<std::string> quarter(samples.size(), "0.25");
  with_text[1] = {.text = quarter};
  std::vector<Sample> text_samples = samples;
  for (Sample& s : text_samples) s.values[1] = "0.25";
  Status text_status = p.TransformColumns(samples.size(), with_text, out);
  ASSERT_TRUE(text_status.ok()) << text_status.ToString();
  EXPECT_TRUE(same_bits(out, rows_answer(text_samples)));

  // Columns of floats (FP32 tensors) are read as cells of each float's shortest text, the
  // unmapped feature 'e' too; 7.03853069e-26 is the float whose text reads as another float.
  std::vector<std::vector<float>> floats(5);
  std::vector<Sample> float_samples = samples;
  for (size_t i = 0; i < samples.size(); ++i) {
    for (size_t c = 0; c < 5; ++c) {
      float v = c == 3 ? 1e30f : static_cast<float>(numbers[c][i]);
      if (c == 4 && i == 5) v = std::bit_cast<float>(uint32_t{0x15ae43fd});
      floats[c].push_back(v);
      float_samples[i].values[c] =
          std::isnan(v) ? std::nullopt : std::optional(FormatNumber(FloatTextValue(v)));
    }
  }
  auto float_columns = [&](const std::vector<std::vector<float>>& f) {
    std::vector<InputColumn> columns = columns_of(numbers);
    for (size_t c = 0; c < 5; ++c) columns[c] = {.floats = f[c]};
    return columns;
  };
  Status float_status = p.TransformColumns(samples.size(), float_columns(floats), out);
  ASSERT_TRUE(float_status.ok()) << float_status.ToString();
  EXPECT_TRUE(same_bits(out, rows_answer(float_samples)));
  EXPECT_NE(out[5 * 4 + 3], floats[4][5]);  // 'e' of row 5: the float its text reads as
  for (size_t column : {size_t{1}, size_t{4}}) {
    std::vector<std::vector<float>> bad = floats;
    bad[column][3] = INFINITY;
    EXPECT_THAT(p.TransformColumns(samples.size(), float_columns(bad), out).message(),
                HasSubstr("row 3: column '" + names[column] + "': 'inf' is not a number"));
  }

  // An infinity, and a feature beyond float's range: the rows' errors.
  for (auto [column, value, message] :
       {std::tuple{size_t{1}, double{INFINITY}, "row 3: column 'b': 'inf' is not a number"},
        std::tuple{size_t{4}, 1e300, "row 3: column 'e': 1e+300 is outside the range of float"}}) {
    std::vector<std::vector<double>> bad = numbers;
    bad[column][3] = value;
    Status status = p.TransformColumns(samples.size(), columns_of(bad), out);
    EXPECT_THAT(status.message(), HasSubstr(message));
  }
  // Text that is not a number, in a column or a sample's cell: the rows' error.
  std::vector<std::string> words = quarter;
  words[7] = "abc";
  with_text[1] = {.text = words};
  EXPECT_THAT(p.TransformColumns(samples.size(), with_text, out).message(),
              HasSubstr("row 7: column 'b': 'abc' is not a number"));
  std::vector<Sample> bad_samples = samples;
  bad_samples[5].values[2] = "abc";
  bad_samples[5].id = "s5";
  EXPECT_THAT(p.TransformBatch(bad_samples).status().message(),
              HasSubstr("row 5 (sample 's5'): column 'c': 'abc' is not a number"));
}

}  // namespace
}  // namespace easel::data::transforms
