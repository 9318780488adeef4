// The torch-free parts of torch_tabular: parameters, model.json and problem checks.

#include "train/trainers/torch_tabular/params.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "train/trainers/torch_tabular/dataset.h"
#include "train/trainers/torch_tabular/model_config.h"

namespace easel::train::torch_tabular {
namespace {

using ::testing::HasSubstr;

TEST(ParamsTest, DefaultsFillEverything) {
  Json resolved;
  Result<TabularConfig> c = ParseConfig(Arch::kMlp, Json(nullptr), &resolved);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->epochs, 100);
  EXPECT_EQ(c->batch_size, 64);
  EXPECT_EQ(c->early_stopping_patience, 10);
  EXPECT_EQ(c->optim.optimizer, "adamw");
  EXPECT_EQ(c->hidden_layers, (std::vector<int64_t>{64, 64}));
  EXPECT_EQ(c->activation, "relu");
  EXPECT_EQ(resolved["learning_rate"], 0.003);
  EXPECT_EQ(resolved.size(), ParamsSchema(Arch::kMlp)["properties"].size());
}

TEST(ParamsTest, SchemaDescribesEveryParameter) {
  for (Arch arch : {Arch::kLinear, Arch::kMlp}) {
    Json schema = ParamsSchema(arch);
    EXPECT_EQ(schema["type"], "object");
    for (const auto& [name, spec] : schema["properties"].items()) {
      EXPECT_TRUE(spec.contains("type")) << name;
      EXPECT_TRUE(spec.contains("default")) << name;
      EXPECT_FALSE(spec.value("description", "").empty()) << name;
    }
  }
  EXPECT_FALSE(ParamsSchema(Arch::kLinear)["properties"].contains("hidden_layers"));
}

TEST(ParamsTest, ParsesGivenValues) {
  Result<TabularConfig> c = ParseConfig(Arch::kMlp,
                                        {{"hidden_layers", {32, 16, 8}},
                                         {"epochs", 5},
                                         {"optimizer", "sgd"},
                                         {"nesterov", true},
                                         {"dropout", 0.25},
                                         {"batch_norm", true},
                                         {"activation", "tanh"}},
                                        nullptr);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->hidden_layers, (std::vector<int64_t>{32, 16, 8}));
  EXPECT_EQ(c->epochs, 5);
  EXPECT_EQ(c->optim.optimizer, "sgd");
  EXPECT_TRUE(c->optim.nesterov);
  EXPECT_DOUBLE_EQ(c->dropout, 0.25);
  EXPECT_TRUE(c->batch_norm);
  EXPECT_EQ(c->activation, "tanh");
}

TEST(ParamsTest, RejectsBadValuesNamingThem) {
  auto message = [](Arch arch, Json params) {
    Result<TabularConfig> c = ParseConfig(arch, params, nullptr);
    EXPECT_FALSE(c.ok()) << params.dump();
    EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
    return c.status().message();
  };
  EXPECT_THAT(message(Arch::kLinear, {{"epoch", 3}}),
              HasSubstr("params.epoch is not a parameter of this algorithm; known parameters: "));
  EXPECT_THAT(message(Arch::kLinear, {{"hidden_layers", {8}}}), HasSubstr("params.hidden_layers"));
  EXPECT_THAT(message(Arch::kLinear, {{"epochs", 0}}),
              HasSubstr("params.epochs must be an integer in [1, 100000]"));
  EXPECT_THAT(message(Arch::kLinear, {{"epochs", 2.5}}),
              HasSubstr("params.epochs must be an integer"));
  EXPECT_THAT(message(Arch::kLinear, {{"epochs", "10"}}),
              HasSubstr("params.epochs must be an integer"));
  EXPECT_THAT(message(Arch::kLinear, {{"optimizer", "adam"}}), HasSubstr("one of adamw, sgd, lbfgs"));
  EXPECT_THAT(message(Arch::kMlp, {{"optimizer", "lbfgs"}, {"dropout", 0.2}}),
              HasSubstr("params.dropout must be 0 with lbfgs"));
  EXPECT_THAT(message(Arch::kLinear, {{"standardize", 1}}),
              HasSubstr("params.standardize must be a boolean"));
  EXPECT_THAT(message(Arch::kLinear, {{"learning_rate", 0}}), HasSubstr("params.learning_rate"));
  EXPECT_THAT(message(Arch::kMlp, {{"hidden_layers", Json::array()}}),
              HasSubstr("params.hidden_layers must have between 1 and 16 items"));
  EXPECT_THAT(message(Arch::kMlp, {{"hidden_layers", {8, 0}}}),
              HasSubstr("params.hidden_layers[1]"));
  EXPECT_THAT(message(Arch::kMlp, {{"hidden_layers", "[64, 64]"}}),
              HasSubstr("params.hidden_layers must be an array"));
  EXPECT_THAT(message(Arch::kMlp, {{"dropout", 0.95}}),
              HasSubstr("params.dropout must be a number in [0, 0.9]"));
  EXPECT_THAT(message(Arch::kMlp, {{"optimizer", "sgd"}, {"momentum", 0}, {"nesterov", true}}),
              HasSubstr("nesterov"));
  EXPECT_THAT(message(Arch::kMlp, Json::array()), HasSubstr("params must be an object"));
}

TEST(ModelConfigTest, RoundTripAndDamage) {
  ModelConfig m;
  m.arch = Arch::kMlp;
  m.task = Task::kBinary;
  m.feature_names = {"a", "b"};
  m.classes = {"no", "yes"};
  m.num_outputs = 1;
  m.hidden_layers = {4};
  m.feature_mean = {0.5f, 1.5f};
  m.feature_std = {1.0f, 2.0f};
  Json j = ModelConfigToJson(m, {{"seed", 3}});
  EXPECT_EQ(j["seed"], 3);
  EXPECT_EQ(j["format"], "torch_tabular");
  Result<ModelConfig> back = ModelConfigFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->hidden_layers, m.hidden_layers);
  EXPECT_EQ(back->feature_std, m.feature_std);
  EXPECT_EQ(back->task, Task::kBinary);

  for (auto [field, value] : std::vector<std::pair<std::string, Json>>{{"format", "xgboost"},
                                                                       {"version", 2},
                                                                       {"arch", "cnn"},
                                                                       {"task", "ranking"},
                                                                       {"num_outputs", 2},
                                                                       {"feature_std", {1.0, 0.0}},
                                                                       {"feature_mean", {1.0}},
                                                                       {"num_features", 3},
                                                                       {"classes", {"only"}},
                                                                       {"activation", "swish"},
                                                                       {"hidden_layers", {0}},
                                                                       {"dropout", "high"}}) {
    Json bad = j;
    bad[field] = value;
    EXPECT_EQ(ModelConfigFromJson(bad).status().code(), StatusCode::kInvalidArgument) << field;
  }
  Json missing = j;
  missing.erase("target_std");
  EXPECT_FALSE(ModelConfigFromJson(missing).ok());
}

TabularProblem SmallProblem() {
  TabularProblem p;
  p.task = Task::kMulticlass;
  p.feature_names = {"x", "y"};
  p.classes = {"a", "b", "c"};
  p.train.x = {3, 2, {1, 2, 3, 4, 5, 6}};
  p.train.y = {0, 1, 2};
  return p;
}

TEST(DatasetTest, ValidatesProblems) {
  EXPECT_TRUE(ValidateProblem(SmallProblem()).ok());
  auto message = [](auto mutate) {
    TabularProblem p = SmallProblem();
    mutate(p);
    Status s = ValidateProblem(p);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    return s.message();
  };
  EXPECT_EQ(message([](TabularProblem& p) { p.train.x.data[3] = NAN; }),
            "feature 'y' has missing values; add an impute step");
  EXPECT_THAT(message([](TabularProblem& p) { p.train.x.data[0] = INFINITY; }),
              HasSubstr("feature 'x' has infinite values"));
  EXPECT_THAT(message([](TabularProblem& p) { p.train.x.data.pop_back(); }), HasSubstr("values"));
  EXPECT_THAT(message([](TabularProblem& p) { p.train.y.pop_back(); }), HasSubstr("targets"));
  EXPECT_THAT(message([](TabularProblem& p) { p.feature_names.pop_back(); }),
              HasSubstr("feature names"));
  EXPECT_THAT(message([](TabularProblem& p) { p.train.y[0] = 3; }), HasSubstr("class index"));
  EXPECT_THAT(message([](TabularProblem& p) { p.train.y[0] = 0.5; }), HasSubstr("class index"));
  EXPECT_THAT(message([](TabularProblem& p) { p.task = Task::kBinary; }),
              HasSubstr("exactly 2 classes"));
  EXPECT_THAT(message([](TabularProblem& p) { p.train = {}; }), HasSubstr("no rows"));
  EXPECT_THAT(message([](TabularProblem& p) {
                p.val.x = {1, 3, {1, 2, 3}};
                p.val.y = {0};
              }),
              HasSubstr("validation split has 3 columns"));
  EXPECT_THAT(message([](TabularProblem& p) {
                p.val.x = {1, 2, {1, NAN}};
                p.val.y = {0};
              }),
              HasSubstr("missing values"));
}

TEST(DatasetTest, StandardizesWithTrainStatistics) {
  data::transforms::FeatureMatrix x{4, 2, {1, 5, 2, 5, 3, 5, 4, 5}};
  Standardization s = FitStandardization(x, true);
  EXPECT_FLOAT_EQ(s.mean[0], 2.5f);
  EXPECT_FLOAT_EQ(s.std[0], std::sqrt(1.25f));
  EXPECT_FLOAT_EQ(s.std[1], 1.0f);  // constant column
  std::vector<float> z = Standardize(x, s);
  EXPECT_FLOAT_EQ(z[0], -1.5f / std::sqrt(1.25f));
  EXPECT_FLOAT_EQ(z[1], 0.0f);
  Standardization off = FitStandardization(x, false);
  EXPECT_EQ(Standardize(x, off), x.data);
  double mean = 0, std = 0;
  FitTarget({1, 3}, &mean, &std);
  EXPECT_DOUBLE_EQ(mean, 2.0);
  EXPECT_DOUBLE_EQ(std, 1.0);
}

}  // namespace
}  // namespace easel::train::torch_tabular
