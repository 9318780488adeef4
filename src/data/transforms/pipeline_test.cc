// The Pipeline contract: storage as JSON, fitting errors, concurrency of transforms.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <thread>

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

}  // namespace
}  // namespace easel::data::transforms
