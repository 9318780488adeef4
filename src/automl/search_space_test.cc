#include "automl/search_space.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

namespace easel::automl {
namespace {

using ::testing::HasSubstr;

Json Schema() {
  Json p = Json::object();
  p["learning_rate"] = {{"type", "number"}, {"exclusiveMinimum", 0}, {"maximum", 1}};
  p["dropout"] = {{"type", "number"}, {"minimum", 0}, {"maximum", 0.9}};
  p["max_depth"] = {{"type", "integer"}, {"minimum", 1}, {"maximum", 64}};
  p["optimizer"] = {{"type", "string"}, {"enum", {"sgd", "adamw", "adam"}}};
  p["momentum"] = {{"type", "number"}, {"minimum", 0}, {"maximum", 1}};
  p["nesterov"] = {{"type", "boolean"}};
  p["scheduler"] = {{"type", "string"}};
  p["warmup"] = {{"type", "integer"}, {"minimum", 0}};
  p["num_layers"] = {{"type", "integer"}, {"enum", {1, 2, 4}}};
  p["weight"] = {{"type", "number"}};
  p["hidden_sizes"] = {{"type", "array"}};
  return Json{{"type", "object"}, {"properties", p}};
}

Json Example() {
  return Json::parse(R"({
    "learning_rate": {"type": "log_uniform", "low": 1e-4, "high": 0.1},
    "dropout": {"type": "uniform", "low": 0.0, "high": 0.5},
    "max_depth": {"type": "int", "low": 2, "high": 10, "step": 2},
    "optimizer": {"type": "categorical", "choices": ["sgd", "adamw"]},
    "momentum": {"type": "uniform", "low": 0.5, "high": 0.99, "when": {"optimizer": ["sgd"]}}
  })");
}

std::vector<std::string> Names(const SearchSpace& space) {
  std::vector<std::string> out;
  for (const ParamSpec& p : space.params()) out.push_back(p.name);
  return out;
}

TEST(SearchSpaceTest, ParsesTheDocumentedExample) {
  auto space = SearchSpace::FromJson(Example(), Schema());
  ASSERT_TRUE(space.ok()) << space.status().ToString();
  EXPECT_THAT(Names(*space), ::testing::ElementsAre("dropout", "learning_rate", "max_depth",
                                                    "optimizer", "momentum"));
  const ParamSpec* depth = space->Find("max_depth");
  ASSERT_NE(depth, nullptr);
  EXPECT_EQ(depth->type, DomainType::kInt);
  EXPECT_EQ(depth->step, 2);
  EXPECT_EQ(depth->IntCount(), 5);
  EXPECT_EQ(depth->IntValue(4), 10);
  EXPECT_TRUE(space->Find("learning_rate")->log_scale());
  EXPECT_EQ(space->Find("nope"), nullptr);
  const ParamSpec& momentum = *space->Find("momentum");
  EXPECT_TRUE(IsActive(momentum, {{"optimizer", "sgd"}}));
  EXPECT_FALSE(IsActive(momentum, {{"optimizer", "adamw"}}));
  EXPECT_FALSE(IsActive(momentum, Json::object()));
  EXPECT_TRUE(IsActive(*space->Find("dropout"), Json::object()));
}

TEST(SearchSpaceTest, RestrictFixesAChoiceAndDropsWhatCannotBeActive) {
  Json example = Example();
  example["nesterov"] = {
      {"type", "categorical"}, {"choices", {true, false}}, {"when", {{"optimizer", {"sgd"}}}}};
  example["warmup"] = {{"type", "int"}, {"low", 0}, {"high", 5}, {"when", {{"nesterov", {true}}}}};
  auto space = SearchSpace::FromJson(example, Schema());
  ASSERT_TRUE(space.ok()) << space.status().ToString();

  auto adamw = space->Restrict("optimizer", "adamw");
  ASSERT_TRUE(adamw.ok()) << adamw.status().ToString();
  // momentum and nesterov need sgd; warmup needs nesterov.
  EXPECT_THAT(Names(*adamw),
              ::testing::ElementsAre("dropout", "learning_rate", "max_depth", "optimizer"));
  EXPECT_EQ(adamw->Find("optimizer")->choices, std::vector<Json>{"adamw"});
  auto sgd = space->Restrict("optimizer", "sgd");
  ASSERT_TRUE(sgd.ok());
  EXPECT_EQ(sgd->params().size(), space->params().size());
  // An assignment of the restricted space is one of the full space.
  EXPECT_TRUE(
      space
          ->Validate(
              {{"dropout", 0.1}, {"learning_rate", 0.01}, {"max_depth", 4}, {"optimizer", "adamw"}})
          .ok());
  EXPECT_FALSE(adamw
                   ->Validate({{"dropout", 0.1},
                               {"learning_rate", 0.01},
                               {"max_depth", 4},
                               {"optimizer", "sgd"},
                               {"momentum", 0.9},
                               {"nesterov", false}})
                   .ok());

  EXPECT_EQ(space->Restrict("optimizer", "adam").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(space->Restrict("dropout", 0.1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(space->Restrict("nope", "x").status().code(), StatusCode::kInvalidArgument);
}

TEST(SearchSpaceTest, RoundTripsThroughJson) {
  Json in = Example();
  in["num_layers"] = {{"type", "categorical"}, {"choices", {1, 4}}};
  in["warmup"] = {{"type", "int"}, {"low", 1}, {"high", 1000}, {"log", true}};
  auto space = SearchSpace::FromJson(in, Schema());
  ASSERT_TRUE(space.ok()) << space.status().ToString();
  EXPECT_EQ(space->ToJson(), in);
  auto again = SearchSpace::FromJson(space->ToJson(), Schema());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->ToJson(), space->ToJson());
  EXPECT_EQ(Names(*again), Names(*space));
}

TEST(SearchSpaceTest, IntegralFloatBoundsBecomeIntegers) {
  Json in = {{"max_depth", {{"type", "int"}, {"low", 2.0}, {"high", 8.0}}}};
  auto space = SearchSpace::FromJson(in, Schema());
  ASSERT_TRUE(space.ok()) << space.status().ToString();
  EXPECT_TRUE(space->ToJson()["max_depth"]["low"].is_number_integer());
}

TEST(SearchSpaceTest, AcceptsEachSchemaTypeWithItsDomains) {
  Json in = {{"weight", {{"type", "int"}, {"low", -3}, {"high", 3}}},
             {"num_layers", {{"type", "categorical"}, {"choices", {1, 2}}}},
             {"nesterov", {{"type", "categorical"}, {"choices", {true, false}}}},
             {"dropout", {{"type", "categorical"}, {"choices", {0.1, 0.2}}}},
             {"scheduler", {{"type", "categorical"}, {"choices", {"cosine", "linear"}}}}};
  auto space = SearchSpace::FromJson(in, Schema());
  EXPECT_TRUE(space.ok()) << space.status().ToString();
}

TEST(SearchSpaceTest, OrdersParentsBeforeChildrenThenByName) {
  // warmup depends on scheduler, which depends on optimizer: a nested chain whose names sort
  // the other way round.
  Json in = {
      {"warmup", {{"type", "int"}, {"low", 0}, {"high", 10}, {"when", {{"scheduler", {"cos"}}}}}},
      {"scheduler",
       {{"type", "categorical"}, {"choices", {"cos", "lin"}}, {"when", {{"optimizer", {"sgd"}}}}}},
      {"optimizer", {{"type", "categorical"}, {"choices", {"sgd", "adamw"}}}},
      {"dropout", {{"type", "uniform"}, {"low", 0}, {"high", 0.5}}}};
  auto space = SearchSpace::FromJson(in, Schema());
  ASSERT_TRUE(space.ok()) << space.status().ToString();
  EXPECT_THAT(Names(*space), ::testing::ElementsAre("dropout", "optimizer", "scheduler", "warmup"));

  const ParamSpec& warmup = *space->Find("warmup");
  EXPECT_TRUE(IsActive(warmup, {{"optimizer", "sgd"}, {"scheduler", "cos"}}));
  EXPECT_FALSE(IsActive(warmup, {{"optimizer", "sgd"}, {"scheduler", "lin"}}));
  EXPECT_FALSE(IsActive(warmup, {{"optimizer", "adamw"}}));
  EXPECT_TRUE(IsActive(*space->Find("dropout"), Json::object()));
  EXPECT_TRUE(space->Validate({{"dropout", 0.1}, {"optimizer", "adamw"}}).ok());
  EXPECT_TRUE(space->Validate({{"dropout", 0.1}, {"optimizer", "sgd"}, {"scheduler", "lin"}}).ok());
  EXPECT_TRUE(
      space->Validate({{"dropout", 0.1}, {"optimizer", "sgd"}, {"scheduler", "cos"}, {"warmup", 3}})
          .ok());
  // The grandchild without its parent, and the child missing where it is active.
  EXPECT_THAT(space->Validate({{"dropout", 0.1}, {"optimizer", "adamw"}, {"warmup", 3}}).message(),
              HasSubstr("warmup"));
  EXPECT_THAT(space->Validate({{"dropout", 0.1}, {"optimizer", "sgd"}}).message(),
              HasSubstr("scheduler"));
}

TEST(SearchSpaceTest, ValidateChecksValues) {
  auto space = SearchSpace::FromJson(Example(), Schema());
  ASSERT_TRUE(space.ok());
  Json good = {{"learning_rate", 0.01},
               {"dropout", 0.2},
               {"max_depth", 4},
               {"optimizer", "sgd"},
               {"momentum", 0.9}};
  EXPECT_TRUE(space->Validate(good).ok());
  struct Case {
    const char* param;
    Json value;  // null: remove the param
  };
  const Case cases[] = {
      {"learning_rate", 0.5}, {"learning_rate", nullptr}, {"dropout", "0.2"},
      {"max_depth", 5},       {"max_depth", 4.0},         {"max_depth", 12},
      {"optimizer", "adam"},  {"momentum", 0.1},          {"momentum", nullptr},
  };
  for (const Case& c : cases) {
    Json a = good;
    if (c.value.is_null()) {
      a.erase(c.param);
    } else {
      a[c.param] = c.value;
    }
    Status s = space->Validate(a);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << c.param << " " << c.value;
    EXPECT_THAT(s.message(), HasSubstr(c.param));
    EXPECT_EQ(s.details()["param"], c.param);
  }
  Json inactive = good;
  inactive["optimizer"] = "adamw";
  EXPECT_THAT(space->Validate(inactive).message(), HasSubstr("momentum"));
  inactive.erase("momentum");
  EXPECT_TRUE(space->Validate(inactive).ok());
  Json extra = good;
  extra["nesterov"] = true;
  EXPECT_THAT(space->Validate(extra).message(), HasSubstr("nesterov"));
  EXPECT_EQ(space->Validate(Json::array()).code(), StatusCode::kInvalidArgument);
}

TEST(SearchSpaceTest, IntegerChoicesStayIntegers) {
  auto space = SearchSpace::FromJson(
      {{"num_layers", {{"type", "categorical"}, {"choices", {1, 2}}}}}, Schema());
  ASSERT_TRUE(space.ok());
  EXPECT_TRUE(space->Validate({{"num_layers", 2}}).ok());
  EXPECT_FALSE(space->Validate({{"num_layers", 2.0}}).ok());
}

TEST(SearchSpaceTest, RejectsSpacesThatAreNotObjects) {
  EXPECT_EQ(SearchSpace::FromJson(Json::array(), Schema()).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(SearchSpace::FromJson(Json::object(), Schema()).status().code(),
            StatusCode::kInvalidArgument);
}

struct BadSpace {
  const char* name;
  const char* space;  // JSON
  const char* param;
  const char* words;  // part of the message
};

class BadSpaceTest : public ::testing::TestWithParam<BadSpace> {};

TEST_P(BadSpaceTest, IsRejectedNamingTheParameter) {
  const BadSpace& c = GetParam();
  Json space = Json::parse(c.space);
  auto result = SearchSpace::FromJson(space, Schema());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr(std::string("search_space.") + c.param));
  EXPECT_THAT(result.status().message(), HasSubstr(c.words));
  EXPECT_EQ(result.status().details()["param"], c.param);
}

const BadSpace kBadSpaces[] = {
    {"DomainNotObject", R"({"dropout": 0.5})", "dropout", "must be an object"},
    {"MissingType", R"({"dropout": {"low": 0, "high": 1}})", "dropout", "type"},
    {"UnknownType", R"({"dropout": {"type": "normal", "low": 0, "high": 1}})", "dropout",
     "known types: categorical, int, log_uniform, uniform"},
    {"LowNotBelowHigh", R"({"dropout": {"type": "uniform", "low": 0.5, "high": 0.1}})", "dropout",
     "must be less than high"},
    {"LowEqualsHigh", R"({"max_depth": {"type": "int", "low": 3, "high": 3}})", "max_depth",
     "must be less than high"},
    {"MissingHigh", R"({"dropout": {"type": "uniform", "low": 0}})", "dropout", "'high'"},
    {"StringBound", R"({"dropout": {"type": "uniform", "low": "0", "high": 1}})", "dropout",
     "finite number"},
    {"LogLowNotPositive", R"({"weight": {"type": "log_uniform", "low": 0, "high": 1}})", "weight",
     "positive"},
    {"IntLogLowNotPositive", R"({"weight": {"type": "int", "low": 0, "high": 9, "log": true}})",
     "weight", "positive"},
    {"IntBoundNotIntegral", R"({"max_depth": {"type": "int", "low": 2.5, "high": 8}})", "max_depth",
     "integer"},
    {"StepZero", R"({"max_depth": {"type": "int", "low": 2, "high": 8, "step": 0}})", "max_depth",
     "positive integer"},
    {"StepFractional", R"({"max_depth": {"type": "int", "low": 2, "high": 8, "step": 1.5}})",
     "max_depth", "positive integer"},
    {"StepWithLog",
     R"({"max_depth": {"type": "int", "low": 2, "high": 8, "step": 2, "log": true}})", "max_depth",
     "log"},
    {"LogNotBool", R"({"max_depth": {"type": "int", "low": 2, "high": 8, "log": 1}})", "max_depth",
     "true or false"},
    {"UnknownKey", R"({"dropout": {"type": "uniform", "low": 0, "high": 0.5, "mean": 0.2}})",
     "dropout", "unknown key 'mean'"},
    {"StepOnUniform", R"({"dropout": {"type": "uniform", "low": 0, "high": 0.5, "step": 1}})",
     "dropout", "unknown key 'step'"},
    {"ChoicesEmpty", R"({"optimizer": {"type": "categorical", "choices": []}})", "optimizer",
     "non-empty"},
    {"ChoicesMissing", R"({"optimizer": {"type": "categorical"}})", "optimizer", "choices"},
    {"ChoicesDuplicated", R"({"optimizer": {"type": "categorical", "choices": ["sgd", "sgd"]}})",
     "optimizer", "twice"},
    {"ChoiceNotScalar", R"({"scheduler": {"type": "categorical", "choices": ["a", ["b"]]}})",
     "scheduler", "not a string"},
    {"ChoiceNull", R"({"scheduler": {"type": "categorical", "choices": ["a", null]}})", "scheduler",
     "not a string"},
    {"UnknownParam", R"({"momentm": {"type": "uniform", "low": 0, "high": 1}})", "momentm",
     "known parameters: dropout, hidden_sizes, learning_rate"},
    {"UniformForInteger", R"({"max_depth": {"type": "uniform", "low": 2, "high": 8}})", "max_depth",
     "integer parameter"},
    {"FloatChoiceForInteger", R"({"max_depth": {"type": "categorical", "choices": [2, 2.5]}})",
     "max_depth", "integer parameter"},
    {"NumbersForString", R"({"scheduler": {"type": "categorical", "choices": [1, 2]}})",
     "scheduler", "string parameter"},
    {"IntForString", R"({"scheduler": {"type": "int", "low": 1, "high": 2}})", "scheduler",
     "string parameter"},
    {"StringsForBoolean", R"({"nesterov": {"type": "categorical", "choices": ["true", "false"]}})",
     "nesterov", "boolean parameter"},
    {"StringsForNumber", R"({"dropout": {"type": "categorical", "choices": ["a"]}})", "dropout",
     "number parameter"},
    {"UnsearchableType", R"({"hidden_sizes": {"type": "categorical", "choices": [1]}})",
     "hidden_sizes", "cannot be searched"},
    {"ChoiceNotInEnum", R"({"optimizer": {"type": "categorical", "choices": ["sgd", "rmsprop"]}})",
     "optimizer", "\"rmsprop\" is not allowed"},
    {"RangeOnEnum", R"({"num_layers": {"type": "int", "low": 1, "high": 4}})", "num_layers",
     "categorical"},
    {"HighAboveMaximum", R"({"dropout": {"type": "uniform", "low": 0, "high": 0.95}})", "dropout",
     "above the trainer's maximum 0.9"},
    {"LowBelowMinimum", R"({"max_depth": {"type": "int", "low": 0, "high": 8}})", "max_depth",
     "below the trainer's minimum 1"},
    {"LowAtExclusiveMinimum", R"({"learning_rate": {"type": "uniform", "low": 0, "high": 0.1}})",
     "learning_rate", "greater than 0"},
    {"ChoiceOutOfBounds", R"({"max_depth": {"type": "categorical", "choices": [0, 3]}})",
     "max_depth", "below the trainer's minimum"},
    {"WhenNotObject", R"({"dropout": {"type": "uniform", "low": 0, "high": 0.5, "when": 1}})",
     "dropout", "when must be an object"},
    {"WhenEmptyValues",
     R"({"dropout": {"type": "uniform", "low": 0, "high": 0.5, "when": {"optimizer": []}}})",
     "dropout", "non-empty array"},
    {"WhenSelf",
     R"({"optimizer": {"type": "categorical", "choices": ["sgd"],
                       "when": {"optimizer": ["sgd"]}}})",
     "optimizer", "itself"},
    {"WhenUnknownParent",
     R"({"dropout": {"type": "uniform", "low": 0, "high": 0.5, "when": {"optimizer": ["sgd"]}}})",
     "dropout", "'optimizer', which is not in the search space"},
    {"WhenNotCategorical",
     R"({"momentum": {"type": "uniform", "low": 0, "high": 0.5},
         "dropout": {"type": "uniform", "low": 0, "high": 0.5, "when": {"momentum": [0.1]}}})",
     "dropout", "not categorical"},
    {"WhenValueNotAChoice",
     R"({"optimizer": {"type": "categorical", "choices": ["sgd", "adamw"]},
         "momentum": {"type": "uniform", "low": 0, "high": 1, "when": {"optimizer": ["adam"]}}})",
     "momentum", "\"adam\", which is not one of its choices"},
    {"WhenCycle",
     R"({"optimizer": {"type": "categorical", "choices": ["sgd"], "when": {"scheduler": ["a"]}},
         "scheduler": {"type": "categorical", "choices": ["a"], "when": {"optimizer": ["sgd"]}},
         "dropout": {"type": "uniform", "low": 0, "high": 0.5}})",
     "optimizer", "cycle of conditions: optimizer -> scheduler -> optimizer"},
};

INSTANTIATE_TEST_SUITE_P(All, BadSpaceTest, ::testing::ValuesIn(kBadSpaces),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(SearchSpaceTest, RejectsNonFiniteBounds) {
  Json space = {{"weight", {{"type", "uniform"}, {"low", NAN}, {"high", 1}}}};
  auto result = SearchSpace::FromJson(space, Schema());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr("search_space.weight low must be a finite"));
  space["weight"]["low"] = 0;
  space["weight"]["high"] = INFINITY;
  EXPECT_THAT(SearchSpace::FromJson(space, Schema()).status().message(), HasSubstr("high"));
}

}  // namespace
}  // namespace easel::automl
