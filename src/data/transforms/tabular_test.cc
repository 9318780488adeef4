// Tabular steps against values computed independently in the tests (and, where noted, by
// scikit-learn 1.2 on the same data).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "data/transforms/numbers.h"
#include "data/transforms/test_util.h"

namespace easel::data::transforms {
namespace {

using testing::Batch;
using testing::CountingStream;
using ::testing::ElementsAre;
using testing::Fitted;
using ::testing::HasSubstr;
using testing::Record;
using testing::Records;
using testing::Spec;

constexpr auto kTabular = DatasetType::kTabular;

// Six iris rows: sepal length and width.
const std::vector<std::string> kIrisColumns = {"sepal_length", "sepal_width", "species"};
std::vector<Sample> Iris() {
  return Records({{"5.1", "3.5", "setosa"},
                  {"4.9", "3.0", "setosa"},
                  {"4.7", "3.2", "setosa"},
                  {"7.0", "3.2", "versicolor"},
                  {"6.4", "3.2", "versicolor"},
                  {"6.3", "3.3", "versicolor"}});
}

TEST(StandardScaleTest, MatchesTwoPassMeanAndPopulationStd) {
  std::vector<Sample> iris = Iris();
  Pipeline p = Fitted(R"({"steps": [
      {"op": "standard_scale", "columns": ["sepal_length", "sepal_width"]},
      {"op": "drop", "columns": ["species"]}]})",
                      kTabular, kIrisColumns, iris);
  // Two-pass mean and population standard deviation, computed here independently.
  for (int c = 0; c < 2; ++c) {
    double sum = 0;
    for (const Sample& s : iris) sum += std::stod(*s.values[c]);
    double mean = sum / iris.size();
    double squares = 0;
    for (const Sample& s : iris) squares += std::pow(std::stod(*s.values[c]) - mean, 2);
    double std = std::sqrt(squares / iris.size());
    const Json state = p.State()["steps"][0]["state"]["columns"][kIrisColumns[c]];
    EXPECT_NEAR(state["mean"].get<double>(), mean, 1e-12);
    EXPECT_NEAR(state["std"].get<double>(), std, 1e-12);
    FeatureMatrix m = Batch(p, iris);
    for (size_t r = 0; r < iris.size(); ++r) {
      EXPECT_FLOAT_EQ(m.row(r)[c],
                      static_cast<float>((std::stod(*iris[r].values[c]) - mean) / std));
    }
  }
  // scikit-learn's StandardScaler on the same data: mean_ and scale_.
  EXPECT_NEAR(p.State()["steps"][0]["state"]["columns"]["sepal_length"]["mean"].get<double>(),
              5.733333333333333, 1e-14);
  EXPECT_NEAR(p.State()["steps"][0]["state"]["columns"]["sepal_width"]["std"].get<double>(),
              0.14907119849998593, 1e-14);
  EXPECT_THAT(p.feature_names(), ElementsAre("sepal_length", "sepal_width"));
  FeatureMatrix m = Batch(p, iris);
  EXPECT_FLOAT_EQ(m.row(0)[0], -0.7286167144775391f);
  EXPECT_FLOAT_EQ(m.row(1)[1], -1.5652475357055664f);
}

TEST(StandardScaleTest, ConstantColumnIsOnlyCentredAndMissingStaysMissing) {
  Pipeline p = Fitted(R"({"steps": [{"op": "standard_scale", "columns": ["x"]}]})", kTabular, {"x"},
                      Records({{"2"}, {"2"}, {std::nullopt}}));
  FeatureMatrix m = Batch(p, Records({{"2"}, {"5"}, {std::nullopt}}));
  EXPECT_EQ(m.row(0)[0], 0.0f);
  EXPECT_EQ(m.row(1)[0], 3.0f);
  EXPECT_TRUE(std::isnan(m.row(2)[0]));
}

TEST(MinMaxScaleTest, MapsTrainingRangeAndClips) {
  Pipeline p = Fitted(R"({"steps": [
      {"op": "minmax_scale", "columns": ["a"], "min": -1, "max": 1},
      {"op": "minmax_scale", "columns": ["b"], "clip": true}]})",
                      kTabular, {"a", "b"}, Records({{"0", "10"}, {"5", "20"}, {"10", "30"}}));
  FeatureMatrix m = Batch(p, Records({{"0", "10"}, {"5", "25"}, {"20", "40"}}));
  EXPECT_FLOAT_EQ(m.row(0)[0], -1.0f);
  EXPECT_FLOAT_EQ(m.row(1)[0], 0.0f);
  EXPECT_FLOAT_EQ(m.row(2)[0], 3.0f);  // outside the training range, not clipped
  EXPECT_FLOAT_EQ(m.row(0)[1], 0.0f);
  EXPECT_FLOAT_EQ(m.row(1)[1], 0.75f);
  EXPECT_FLOAT_EQ(m.row(2)[1], 1.0f);  // clipped
}

TEST(ImputeTest, Strategies) {
  std::vector<Sample> train = Records({{"1", "4", "a", std::nullopt},
                                       {"2", std::nullopt, "b", "x"},
                                       {std::nullopt, "1", "b", std::nullopt},
                                       {"6", "2", "a", "y"},
                                       {std::nullopt, "10", std::nullopt, std::nullopt}});
  Pipeline p = Fitted(R"({"steps": [
      {"op": "impute", "columns": ["m"], "strategy": "mean"},
      {"op": "impute", "columns": ["d"], "strategy": "median"},
      {"op": "impute", "columns": ["f"], "strategy": "most_frequent"},
      {"op": "impute", "columns": ["c"], "strategy": "constant", "fill_value": "none"},
      {"op": "one_hot", "columns": ["f", "c"]}]})",
                      kTabular, {"m", "d", "f", "c"}, train);
  const Json state = p.State();
  EXPECT_EQ(state["steps"][0]["state"]["values"]["m"], 3.0);  // (1 + 2 + 6) / 3
  EXPECT_EQ(state["steps"][1]["state"]["values"]["d"], 3.0);  // median of 1 2 4 10
  EXPECT_EQ(state["steps"][2]["state"]["values"]["f"], "a");  // a and b tie: the smallest
  EXPECT_FALSE(state["steps"][3].contains("state"));          // constant: nothing fitted
  EXPECT_THAT(p.feature_names(), ElementsAre("m", "d", "f=a", "f=b", "c=none", "c=x", "c=y"));
  FeatureMatrix m = Batch(p, Records({{std::nullopt, std::nullopt, std::nullopt, std::nullopt}}));
  EXPECT_THAT(std::vector<float>(m.data), ElementsAre(3, 3, 1, 0, 1, 0, 0));
}

TEST(ImputeTest, MedianOfOddCountAndNumericMostFrequent) {
  Pipeline p = Fitted(R"({"steps": [
      {"op": "impute", "columns": ["a"], "strategy": "median"},
      {"op": "standard_scale", "columns": ["b"], "with_std": false},
      {"op": "impute", "columns": ["b"], "strategy": "most_frequent"}]})",
                      kTabular, {"a", "b"},
                      Records({{"9", "10"}, {"1", "2"}, {"5", "2"}, {std::nullopt, "10"}}));
  EXPECT_EQ(p.State()["steps"][0]["state"]["values"]["a"], 5.0);
  // b was centred (mean 6): -4 and 4 tie, the numerically smaller wins.
  EXPECT_EQ(p.State()["steps"][2]["state"]["values"]["b"], "-4");
  FeatureMatrix m = Batch(p, Records({{std::nullopt, std::nullopt}}));
  EXPECT_THAT(std::vector<float>(m.data), ElementsAre(5, -4));
}

TEST(ImputeTest, ColumnWithoutValuesCannotBeFitted) {
  Result<Pipeline> p =
      Pipeline::Create(Spec(R"({"steps": [{"op": "impute", "columns": ["a"]}]})"), kTabular, {"a"});
  ASSERT_TRUE(p.ok());
  Status s = p->Fit(Records({{std::nullopt}, {std::nullopt}}));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("column 'a' has no non-missing values"));
  EXPECT_FALSE(p->fitted());
  EXPECT_EQ(p->Transform(Record({"1"})).status().code(), StatusCode::kFailedPrecondition);
}

TEST(FitTest, DependentStepsTakeOnePassEachIndependentOnesShareAPass) {
  std::vector<Sample> rows = Records({{"1", "a", "x"}, {std::nullopt, "b", "y"}, {"3", "a", "x"}});
  int passes = 0;
  Result<Pipeline> p = Pipeline::Create(Spec(R"({"steps": [
      {"op": "impute", "columns": ["n"], "strategy": "median"},
      {"op": "one_hot", "columns": ["c"]},
      {"op": "standard_scale", "columns": ["n"]},
      {"op": "ordinal", "columns": ["o"]}]})"),
                                        kTabular, {"n", "c", "o"});
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  ASSERT_TRUE(p->Fit(CountingStream(rows, &passes)).ok());
  // Pass 1: impute, one_hot, ordinal. Pass 2: standard_scale, on imputed values (1, 2, 3).
  EXPECT_EQ(passes, 2);
  const Json scale = p->State()["steps"][2]["state"]["columns"]["n"];
  EXPECT_EQ(scale["mean"], 2.0);
  EXPECT_NEAR(scale["std"].get<double>(), std::sqrt(2.0 / 3.0), 1e-15);

  // Stateless pipelines are fitted without reading anything.
  passes = 0;
  Result<Pipeline> q = Pipeline::Create(Spec(R"({"steps": [{"op": "drop", "columns": ["c"]}]})"),
                                        kTabular, {"n", "c", "o"});
  ASSERT_TRUE(q.ok());
  EXPECT_TRUE(q->fitted());
  ASSERT_TRUE(q->Fit(CountingStream(rows, &passes)).ok());
  EXPECT_EQ(passes, 0);
}

TEST(OneHotTest, CategoriesUnknownsAndMissing) {
  std::vector<Sample> train = Records({{"male"}, {"female"}, {"male"}, {std::nullopt}});
  Pipeline p =
      Fitted(R"({"steps": [{"op": "one_hot", "columns": ["sex"]}]})", kTabular, {"sex"}, train);
  EXPECT_THAT(p.feature_names(), ElementsAre("sex=female", "sex=male"));
  FeatureMatrix m = Batch(p, Records({{"male"}, {"female"}, {"other"}, {std::nullopt}}));
  EXPECT_THAT(std::vector<float>(m.data), ElementsAre(0, 1, 1, 0, 0, 0, 0, 0));

  Pipeline strict =
      Fitted(R"({"steps": [{"op": "one_hot", "columns": ["sex"], "handle_unknown": "error"}]})",
             kTabular, {"sex"}, train);
  Result<FeatureRow> r = strict.Transform(Record({"robot"}, "s1"));
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("column 'sex': unknown category 'robot'"));
  EXPECT_THAT(r.status().message(), HasSubstr("sample 's1'"));
  EXPECT_EQ(r.status().details()["column"], "sex");
}

TEST(OneHotTest, MaxCategoriesGroupsTheRareOnesInOther) {
  std::vector<Sample> train =
      Records({{"c"}, {"c"}, {"c"}, {"a"}, {"a"}, {"b"}, {"d"}, {"e"}, {"e"}});
  Pipeline p = Fitted(R"({"steps": [{"op": "one_hot", "columns": ["k"], "max_categories": 3}]})",
                      kTabular, {"k"}, train);
  // c (3), then a and e (2 each, tie broken by value: a), then the rest.
  EXPECT_THAT(p.feature_names(), ElementsAre("k=a", "k=c", "k=<other>"));
  FeatureMatrix m = Batch(p, Records({{"e"}, {"zzz"}, {"c"}}));
  EXPECT_THAT(std::vector<float>(m.data), ElementsAre(0, 0, 1, 0, 0, 1, 0, 1, 0));
}

TEST(OneHotTest, NumericCategoriesSortAsNumbers) {
  Pipeline p = Fitted(R"({"steps": [{"op": "one_hot", "columns": ["pclass"]}]})", kTabular,
                      {"pclass"}, Records({{"10"}, {"2"}, {"1"}}));
  EXPECT_THAT(p.feature_names(), ElementsAre("pclass=1", "pclass=2", "pclass=10"));
}

TEST(OneHotTest, InvalidUtf8CategoriesSurviveTheJsonState) {
  std::vector<Sample> train = Records({{"caf\xe9"}, {"tea"}});  // a Latin-1 byte
  Pipeline p =
      Fitted(R"({"steps": [{"op": "one_hot", "columns": ["drink"]}]})", kTabular, {"drink"}, train);
  EXPECT_THAT(p.feature_names(), ElementsAre("drink=caf\uFFFD", "drink=tea"));
  Result<Pipeline> q = Pipeline::FromJson(*ParseJson(DumpJson(p.ToJson())));
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_THAT(Batch(*q, train).data, ElementsAre(1, 0, 0, 1));
}

TEST(OrdinalTest, FittedAndGivenCategories) {
  Pipeline p =
      Fitted(R"({"steps": [
      {"op": "ordinal", "columns": ["size"], "categories": ["S", "M", "L"]},
      {"op": "ordinal", "columns": ["color"], "handle_unknown": "use_encoded_value"}]})",
             kTabular, {"size", "color"}, Records({{"M", "red"}, {"L", "blue"}, {"S", "green"}}));
  EXPECT_TRUE(p.State()["steps"][0]["state"].is_null() || !p.State()["steps"][0].contains("state"));
  EXPECT_EQ(p.State()["steps"][1]["state"]["columns"]["color"]["categories"],
            Json::array({"blue", "green", "red"}));
  FeatureMatrix m = Batch(p, Records({{"L", "red"}, {"S", "pink"}, {std::nullopt, "blue"}}));
  EXPECT_EQ(m.row(0)[0], 2);
  EXPECT_EQ(m.row(0)[1], 2);
  EXPECT_EQ(m.row(1)[0], 0);
  EXPECT_EQ(m.row(1)[1], -1);  // unknown
  EXPECT_TRUE(std::isnan(m.row(2)[0]));
  EXPECT_EQ(p.Transform(Record({"XL", "red"})).status().code(), StatusCode::kInvalidArgument);
}

TEST(HashingTest, MatchesScikitLearnFeatureHasher) {
  // sklearn: FeatureHasher(n_features=8, input_type="string").transform(
  //   [["color=red", "size=L"], ["color=blue", "size=L"]])
  Pipeline p =
      Fitted(R"({"steps": [{"op": "hashing", "columns": ["color", "size"], "n_features": 8}]})",
             kTabular, {"color", "size", "n"}, {});
  EXPECT_THAT(p.feature_names(), ElementsAre("hash_0", "hash_1", "hash_2", "hash_3", "hash_4",
                                             "hash_5", "hash_6", "hash_7", "n"));
  FeatureMatrix m =
      Batch(p, Records({{"red", "L", "1"}, {"blue", "L", "2"}, {std::nullopt, std::nullopt, "3"}}));
  EXPECT_THAT(std::vector<float>(m.row(0).begin(), m.row(0).end()),
              ElementsAre(0, 0, -1, 0, 1, 0, 0, 0, 1));
  EXPECT_THAT(std::vector<float>(m.row(1).begin(), m.row(1).end()),
              ElementsAre(0, 0, 1, 0, 1, 0, 0, 0, 2));
  EXPECT_THAT(std::vector<float>(m.row(2).begin(), m.row(2).end()),
              ElementsAre(0, 0, 0, 0, 0, 0, 0, 0, 3));
}

TEST(ColumnsTest, DropAndSelect) {
  Pipeline p = Fitted(R"({"steps": [{"op": "drop", "columns": ["b"]},
                                    {"op": "select", "columns": ["c", "a"]}]})",
                      kTabular, {"a", "b", "c", "d"}, {});
  EXPECT_THAT(p.feature_names(), ElementsAre("c", "a"));
  FeatureMatrix m = Batch(p, Records({{"1", "x", "3", "y"}}));
  EXPECT_THAT(m.data, ElementsAre(3, 1));
}

TEST(NumbersTest, WhatParses) {
  EXPECT_EQ(ParseNumber("2.5"), 2.5);
  EXPECT_EQ(ParseNumber(" -3 "), -3);
  EXPECT_EQ(ParseNumber("+4"), 4);
  EXPECT_EQ(ParseNumber("1e-3"), 0.001);
  EXPECT_EQ(ParseNumber("TRUE"), 1);
  EXPECT_EQ(ParseNumber("false"), 0);
  for (const char* bad : {"", "abc", "nan", "inf", "1e400", "1,5", "+-1", "2.5x", "0x10"}) {
    EXPECT_FALSE(ParseNumber(bad).has_value()) << bad;
  }
  EXPECT_EQ(FormatNumber(0.1), "0.1");
  EXPECT_EQ(FormatNumber(3), "3");
  // Whole numbers below 2^53 whole, as a CSV writes them; others the shortest.
  EXPECT_EQ(FormatNumber(100000), "100000");
  EXPECT_EQ(FormatNumber(-2e15), "-2000000000000000");
  EXPECT_EQ(FormatNumber(1e20), "1e+20");
  EXPECT_EQ(FormatNumber(1e-5), "1e-05");
  EXPECT_EQ(FormatNumber(-0.0), "-0");
}

TEST(NumbersTest, NonNumericCellIsAnErrorNamingRowColumnAndValue) {
  Pipeline p = Fitted(R"({"steps": []})", kTabular, {"age", "name"}, {});
  Result<FeatureMatrix> m = p.TransformBatch(Records({{"3", "4"}, {"3", "Bob"}}));
  ASSERT_EQ(m.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(m.status().message(), HasSubstr("row 1"));
  EXPECT_THAT(m.status().message(), HasSubstr("column 'name': 'Bob' is not a number"));
  EXPECT_EQ(m.status().details()["column"], "name");
  EXPECT_EQ(m.status().details()["value"], "Bob");
  EXPECT_EQ(m.status().details()["row"], 1);

  Result<Pipeline> q = Pipeline::Create(
      Spec(R"({"steps": [{"op": "standard_scale", "columns": ["age"]}]})"), kTabular, {"age"});
  ASSERT_TRUE(q.ok());
  Status fit = q->Fit(Records({{"1"}, {"two"}}));
  EXPECT_EQ(fit.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(fit.message(), HasSubstr("column 'age': 'two' is not a number"));
}

TEST(NumbersTest, ValuesBeyondTheFloatRangeAreErrors) {
  Pipeline p = Fitted(R"({"steps": []})", kTabular, {"a"}, {});
  Result<FeatureRow> row = p.Transform(Record({"1e300"}));
  EXPECT_EQ(row.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(row.status().message(), HasSubstr("outside the range of float"));
}

TEST(NumbersTest, MissingValuesReachTheOutputAsNaN) {
  Pipeline p = Fitted(R"({"steps": []})", kTabular, {"a"}, {});
  Result<FeatureRow> row = p.Transform(Record({std::nullopt}));
  ASSERT_TRUE(row.ok());
  EXPECT_TRUE(std::isnan((*row)[0]));
  EXPECT_EQ(p.Transform(Record({"1", "2"})).status().code(), StatusCode::kInvalidArgument);
}

TEST(BatchTest, SameAsOneAtATimeAndChecksTheOutputSize) {
  std::vector<Sample> iris = Iris();
  Pipeline p = Fitted(R"({"steps": [{"op": "standard_scale", "columns": ["sepal_length"]},
                                    {"op": "one_hot", "columns": ["species"]}]})",
                      kTabular, kIrisColumns, iris);
  FeatureMatrix m = Batch(p, iris);
  ASSERT_EQ(m.cols, 4u);
  for (size_t i = 0; i < iris.size(); ++i) {
    Result<FeatureRow> row = p.Transform(iris[i]);
    ASSERT_TRUE(row.ok());
    EXPECT_EQ(0, std::memcmp(row->data(), m.row(i).data(), m.cols * sizeof(float)));
  }
  std::vector<float> small(3);
  EXPECT_EQ(p.TransformBatch(iris, small).code(), StatusCode::kInvalidArgument);
}

TEST(StateTest, RoundTripGivesBitIdenticalOutputs) {
  std::vector<Sample> train;
  // Values whose means are not short decimals, to exercise exact double round trips.
  for (int i = 0; i < 50; ++i) {
    train.push_back(
        Record({std::to_string(i * 0.37 + 1.0 / 3),
                i % 7 == 0 ? std::nullopt : std::optional<std::string>(std::to_string(i % 5 * 1.1)),
                i % 3 == 0 ? "x" : (i % 3 == 1 ? "y" : "z"), "k" + std::to_string(i % 11)}));
  }
  const char* spec = R"({"steps": [
      {"op": "impute", "columns": ["b"], "strategy": "mean"},
      {"op": "standard_scale", "columns": ["a", "b"]},
      {"op": "minmax_scale", "columns": ["a"]},
      {"op": "one_hot", "columns": ["c"], "max_categories": 2},
      {"op": "ordinal", "columns": ["d"], "handle_unknown": "use_encoded_value"}]})";
  Pipeline p = Fitted(spec, kTabular, {"a", "b", "c", "d"}, train);
  FeatureMatrix before = Batch(p, train);

  // Through text, as stored.
  Result<Json> state = ParseJson(DumpJson(p.State()));
  ASSERT_TRUE(state.ok());
  Result<Pipeline> loaded = Pipeline::Load(Spec(spec), *state, kTabular, {"a", "b", "c", "d"});
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->State(), p.State());
  FeatureMatrix after = Batch(*loaded, train);
  ASSERT_EQ(before.data.size(), after.data.size());
  EXPECT_EQ(0, std::memcmp(before.data.data(), after.data.data(), before.data.size() * 4));

  Result<Pipeline> restored = Pipeline::FromJson(*ParseJson(DumpJson(p.ToJson())));
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  FeatureMatrix again = Batch(*restored, train);
  EXPECT_EQ(0, std::memcmp(before.data.data(), again.data.data(), before.data.size() * 4));
  EXPECT_EQ(restored->feature_names(), p.feature_names());

  // Refitting on the same data gives the same state, bit for bit.
  Pipeline refit = Fitted(spec, kTabular, {"a", "b", "c", "d"}, train);
  EXPECT_EQ(DumpJson(refit.State()), DumpJson(p.State()));
}

}  // namespace
}  // namespace easel::data::transforms
