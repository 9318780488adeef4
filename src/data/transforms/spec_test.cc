// Spec validation: the op registry's schemas and the errors users see.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "data/transforms/op_registry.h"
#include "data/transforms/test_util.h"

namespace easel::data::transforms {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::Spec;

constexpr auto kTabular = DatasetType::kTabular;

Status CreateError(std::string_view spec, DatasetType type = kTabular,
                   std::vector<std::string> columns = {"age", "sex", "fare"}) {
  Result<Pipeline> p = Pipeline::Create(Spec(spec), type, columns);
  return p.ok() ? OkStatus() : p.status();
}

TEST(SpecTest, UnknownOpListsTheKnownOnes) {
  Status s = CreateError(R"({"steps": [{"op": "drop", "columns": ["age"]}, {"op": "scale"}]})");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("steps[1]: unknown op 'scale'; known ops for tabular "
                                     "datasets: impute, standard_scale, minmax_scale"));
  EXPECT_THAT(s.message(), Not(HasSubstr("lags")));
  EXPECT_EQ(s.details()["step"], 1);
  EXPECT_EQ(s.details()["param"], "op");
  EXPECT_THAT(CreateError(R"({"steps": [{"op": "resize", "size": 3}]})").message(),
              HasSubstr("op 'resize' does not apply to tabular datasets"));
  EXPECT_THAT(CreateError(R"({"steps": [{"columns": ["age"]}]})").message(),
              HasSubstr("steps[0]: a step must be an object with a string 'op'"));
}

TEST(SpecTest, UnknownParameterNamesTheStepAndParameter) {
  Status s = CreateError(R"({"steps": [{"op": "one_hot", "columns": ["sex"], "max_cats": 3}]})");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "steps[0] (one_hot): unknown parameter 'max_cats'; known parameters: columns, "
            "handle_unknown, max_categories");
  EXPECT_EQ(s.details(), (Json{{"step", 0}, {"op", "one_hot"}, {"param", "max_cats"}}));
}

TEST(SpecTest, IllTypedParameters) {
  struct Case {
    const char* step;
    const char* message;
  };
  const Case cases[] = {
      {R"({"op": "one_hot", "columns": ["sex"], "max_categories": "10"})",
       "parameter 'max_categories' must be an integer in [2, 100000]"},
      {R"({"op": "one_hot", "columns": ["sex"], "max_categories": 1})",
       "parameter 'max_categories' must be an integer in [2, 100000]"},
      {R"({"op": "one_hot", "columns": ["sex"], "max_categories": 2.5})",
       "parameter 'max_categories' must be an integer"},
      {R"({"op": "one_hot", "columns": ["sex"], "handle_unknown": "skip"})",
       "parameter 'handle_unknown' must be one of \"ignore\", \"error\""},
      {R"({"op": "impute", "columns": "age"})",
       "parameter 'columns' must be a list of at least 1 strings"},
      {R"({"op": "impute", "columns": []})", "parameter 'columns' must be a list of at least 1"},
      {R"({"op": "impute"})", "parameter 'columns' is required"},
      {R"({"op": "standard_scale", "columns": ["age"], "with_mean": 1})",
       "parameter 'with_mean' must be true or false"},
      {R"({"op": "impute", "columns": ["age"], "fill_value": [1]})",
       "parameter 'fill_value' must be a string or a number"},
      {R"({"op": "impute", "columns": ["age"], "strategy": "constant"})",
       "parameter 'fill_value' is required with strategy constant"},
      {R"({"op": "impute", "columns": ["age"], "fill_value": 0})",
       "parameter 'fill_value' applies to strategy constant only"},
      {R"({"op": "minmax_scale", "columns": ["age"], "min": 1, "max": 1})",
       "parameter 'max' must be greater than 'min'"},
      {R"({"op": "hashing", "columns": ["sex"], "n_features": 0})",
       "parameter 'n_features' must be an integer in [1, 16777216]"},
      {R"({"op": "ordinal", "columns": ["sex", "age"], "categories": ["a"]})",
       "needs exactly one column"},
  };
  for (const Case& c : cases) {
    Status s = CreateError(std::string(R"({"steps": [)") + c.step + "]}");
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << c.step;
    EXPECT_THAT(s.message(), HasSubstr(c.message)) << c.step;
    EXPECT_THAT(s.message(), HasSubstr("steps[0] (")) << c.step;
  }
}

TEST(SpecTest, ColumnsMustExistAtThatStep) {
  Status s = CreateError(R"({"steps": [{"op": "drop", "columns": ["fare"]},
                                       {"op": "standard_scale", "columns": ["fare"]}]})");
  EXPECT_EQ(s.message(),
            "steps[1] (standard_scale): unknown column 'fare'; columns at this step: age, sex");
  EXPECT_EQ(s.details()["param"], "columns");
  EXPECT_THAT(CreateError(R"({"steps": [{"op": "drop", "columns": ["age", "age"]}]})").message(),
              HasSubstr("column 'age' is listed twice"));
  // An encoded block cannot be scaled.
  EXPECT_THAT(CreateError(R"({"steps": [{"op": "one_hot", "columns": ["sex"]},
                                        {"op": "standard_scale", "columns": ["sex"]}]})")
                  .message(),
              HasSubstr("column 'sex' is an encoded block of features"));
  EXPECT_THAT(CreateError(R"({"steps": []})", kTabular, {"a", "a"}).message(),
              HasSubstr("column 'a' appears twice"));
}

TEST(SpecTest, SpecShape) {
  EXPECT_THAT(CreateError(R"({"step": []})").message(), HasSubstr("unknown pipeline field 'step'"));
  EXPECT_THAT(CreateError(R"({})").message(), HasSubstr("'steps' must be a list"));
  EXPECT_THAT(CreateError(R"([])").message(), HasSubstr("must be a JSON object"));
  EXPECT_THAT(CreateError(R"({"steps": [3]})").message(), HasSubstr("steps[0]"));
}

TEST(SpecTest, ResolvedSpecHoldsEveryDefault) {
  Result<Pipeline> p = Pipeline::Create(
      Spec(R"({"steps": [{"op": "one_hot", "columns": ["sex"]}]})"), kTabular, {"sex"});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->spec(), Spec(R"({"steps": [{"op": "one_hot", "columns": ["sex"],
                                          "handle_unknown": "ignore", "max_categories": null}]})"));
}

TEST(SpecTest, StateMustMatchTheSpec) {
  const char* spec = R"({"steps": [{"op": "standard_scale", "columns": ["age"]}]})";
  Pipeline p = testing::Fitted(spec, kTabular, {"age"}, testing::Records({{"1"}, {"3"}}));
  Json state = p.State();
  EXPECT_EQ(state, Spec(R"({"format": 1, "steps": [{"op": "standard_scale",
                            "state": {"columns": {"age": {"mean": 2.0, "std": 1.0}}}}]})"));
  Json damaged = state;
  damaged["steps"][0]["state"]["columns"]["age"].erase("std");
  Result<Pipeline> q = Pipeline::Load(Spec(spec), damaged, kTabular, {"age"});
  EXPECT_EQ(q.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(
      q.status().message(),
      HasSubstr("steps[0] (standard_scale): state has no valid mean and std for column 'age'"));
  damaged = state;
  damaged["steps"][0]["op"] = "minmax_scale";
  EXPECT_THAT(Pipeline::Load(Spec(spec), damaged, kTabular, {"age"}).status().message(),
              HasSubstr("another op"));
  EXPECT_THAT(Pipeline::Load(Spec(spec), Json(), kTabular, {"age"}).status().message(),
              HasSubstr("pipeline state must be"));
  Json stored = p.ToJson();
  stored["features"] = Json::array({"other"});
  EXPECT_THAT(Pipeline::FromJson(stored).status().message(), HasSubstr("feature names differ"));
}

TEST(DescribeOpsTest, SchemasForUsers) {
  Json ops = DescribeOps(kTabular);
  ASSERT_TRUE(ops.is_array());
  const Json* one_hot = nullptr;
  for (const Json& op : ops) {
    EXPECT_FALSE(op["description"].get<std::string>().empty());
    if (op["name"] == "one_hot") one_hot = &op;
    EXPECT_NE(op["name"], "lags");
    EXPECT_NE(op["name"], "resize");
  }
  ASSERT_NE(one_hot, nullptr);
  EXPECT_EQ((*one_hot)["params"][0]["name"], "columns");
  EXPECT_EQ((*one_hot)["params"][0]["required"], true);
  EXPECT_EQ((*one_hot)["params"][1]["default"], "ignore");
  EXPECT_EQ((*one_hot)["params"][1]["choices"], Json::array({"ignore", "error"}));
  EXPECT_EQ((*one_hot)["params"][2]["min"], 2.0);

  Json images = DescribeOps(DatasetType::kImageClassification);
  EXPECT_GE(images.size(), 11u);
  // Every op has a factory of its kind and applies to some type.
  for (const OpInfo& op : AllOps()) {
    EXPECT_NE(static_cast<bool>(op.make_record), static_cast<bool>(op.make_image)) << op.name;
    EXPECT_FALSE(op.types.empty()) << op.name;
  }
}

}  // namespace
}  // namespace easel::data::transforms
