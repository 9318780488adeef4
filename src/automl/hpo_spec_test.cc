#include "automl/hpo_spec.h"

#include <gtest/gtest.h>

#include "automl/automl_kind.h"

namespace easel::automl {
namespace {

class HpoSpecTest : public ::testing::Test {
 protected:
  void SetUp() override { train::RegisterBuiltinAlgorithms(algorithms_); }
  Json Spec() {
    return {{"algorithm", "xgboost"},
            {"dataset", {{"name", "iris"}}},
            {"target", "label"},
            {"params", {{"n_estimators", 50}}},
            {"search_space", {{"max_depth", {{"type", "int"}, {"low", 2}, {"high", 8}}}}}};
  }
  train::AlgorithmRegistry algorithms_;
};

TEST_F(HpoSpecTest, DefaultsAreFilledAndTrialsMergeTheirParams) {
  Result<HpoSpec> h = ParseHpoSpec(algorithms_, Spec());
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->sampler["type"], "tpe");
  EXPECT_EQ(h->sampler["n_startup_trials"], 10);
  EXPECT_EQ(h->scheduler["type"], "none");
  EXPECT_EQ(h->objective.metric, "val_loss");
  EXPECT_FALSE(h->objective.maximize);
  EXPECT_EQ(h->max_trials, 20);
  EXPECT_EQ(h->model_name, "iris-xgboost");
  EXPECT_FALSE(h->train.contains("search_space"));
  Json trial = h->TrialTrainSpec({{"max_depth", 5}});
  EXPECT_EQ(trial["params"], Json({{"n_estimators", 50}, {"max_depth", 5}}));
  EXPECT_EQ(trial["model_name"], "iris-xgboost");
  EXPECT_FALSE(trial.contains("resources")) << "no thread count unless the search sets one";
  h->trial_threads = 3;
  EXPECT_EQ(h->TrialTrainSpec(Json::object())["resources"]["threads"], 3);
  h->train["resources"] = {{"threads", 1}};
  EXPECT_EQ(h->TrialTrainSpec(Json::object())["resources"]["threads"], 1) << "the spec's wins";
  h->train.erase("resources");
  Json stored = h->ToJson();
  EXPECT_EQ(stored["objective"]["direction"], "minimize");
  EXPECT_TRUE(stored["search_space"].contains("max_depth"));
}

TEST_F(HpoSpecTest, AccuracyIsMaximizedUnlessTold) {
  Json spec = Spec();
  spec["objective"] = {{"metric", "val_accuracy"}};
  EXPECT_TRUE(ParseHpoSpec(algorithms_, spec)->objective.maximize);
  spec["objective"]["direction"] = "minimize";
  EXPECT_FALSE(ParseHpoSpec(algorithms_, spec)->objective.maximize);
}

TEST_F(HpoSpecTest, BadSpecsNameTheField) {
  struct Case {
    Json patch;
    const char* field;
  };
  const Case cases[] = {
      {{{"params", {{"max_depth", 3}}}}, "params"},
      {{{"objective", {{"metric", "val_f1"}}}}, "objective"},
      {{{"objective", {{"goal", "x"}}}}, "objective"},
      {{{"sampler", {{"type", "annealing"}}}}, "sampler"},
      {{{"scheduler", {{"type", "asha"}, {"eta", 3}}}}, "scheduler"},
  };
  for (const Case& c : cases) {
    Json spec = Spec();
    for (const auto& [k, v] : c.patch.items()) spec[k] = v;
    Result<HpoSpec> h = ParseHpoSpec(algorithms_, spec);
    ASSERT_EQ(h.status().code(), StatusCode::kInvalidArgument) << c.patch.dump();
    EXPECT_EQ(h.status().details().value("field", ""), c.field) << h.status().ToString();
  }
  Json spec = Spec();
  spec.erase("search_space");
  EXPECT_EQ(ParseHpoSpec(algorithms_, spec).status().code(), StatusCode::kInvalidArgument);
  spec = Spec();
  spec["search_space"] = {{"depth", {{"type", "int"}, {"low", 2}, {"high", 8}}}};
  EXPECT_EQ(ParseHpoSpec(algorithms_, spec).status().details().value("param", ""), "depth");
  spec = Spec();
  spec["max_trials"] = 0;
  EXPECT_EQ(ParseHpoSpec(algorithms_, spec).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(HpoSpecTest, PortfoliosSearchEveryAlgorithmWithItsOwnParameters) {
  const Json spec = {{"dataset", {{"name", "iris"}}}, {"target", "label"}, {"time_budget_s", 60}};
  Result<HpoSpec> tabular = PortfolioSpec(algorithms_, spec, false);
  ASSERT_TRUE(tabular.ok()) << tabular.status().ToString();
  EXPECT_TRUE(tabular->portfolio);
  EXPECT_EQ(tabular->time_budget_s, 60);
  EXPECT_EQ(tabular->model_name, "iris-automl");
  EXPECT_EQ(tabular->scheduler["type"], "asha");
  const ParamSpec* algorithm = tabular->space->Find("algorithm");
  ASSERT_NE(algorithm, nullptr);
  EXPECT_EQ(algorithm->choices, (std::vector<Json>{"linear", "xgboost", "extra_trees", "mlp"}));
  Json trial = tabular->TrialTrainSpec(
      {{"algorithm", "xgboost"}, {"xgboost.max_depth", 4}, {"mlp.learning_rate", 0.1}});
  EXPECT_EQ(trial["algorithm"], "xgboost");
  EXPECT_EQ(trial["params"]["max_depth"], 4);
  EXPECT_EQ(trial["params"]["n_estimators"], 300);
  EXPECT_FALSE(trial["params"].contains("learning_rate")) << "mlp's parameter stays with mlp";
  EXPECT_EQ(trial["target"], "label");
  Json linear = tabular->TrialTrainSpec({{"algorithm", "linear"}, {"linear.weight_decay", 0.01}});
  EXPECT_EQ(linear["params"]["optimizer"], "lbfgs");
  EXPECT_EQ(linear["params"]["weight_decay"], 0.01);
  Json forest = tabular->TrialTrainSpec({{"algorithm", "extra_trees"},
                                         {"extra_trees.max_features", 0.3},
                                         {"extra_trees.min_samples_leaf", 2}});
  EXPECT_EQ(forest["params"], (Json{{"n_estimators", 300},
                                    {"max_samples", 2000},
                                    {"max_features", 0.3},
                                    {"min_samples_leaf", 2}}));
  // A candidate's own conditions are renamed with its parameters.
  const ParamSpec* mlp_lr = tabular->space->Find("mlp.learning_rate");
  ASSERT_NE(mlp_lr, nullptr);
  ASSERT_EQ(mlp_lr->when.size(), 2u);
  EXPECT_EQ(mlp_lr->when[1].parent, "mlp.optimizer");
  EXPECT_EQ(mlp_lr->when[1].values, std::vector<Json>{"adamw"});

  Result<HpoSpec> images =
      PortfolioSpec(algorithms_, {{"dataset", {{"name", "digits"}}}, {"time_budget_s", 60}}, true);
  ASSERT_TRUE(images.ok()) << images.status().ToString();
  EXPECT_NE(images->space->Find("image_classifier.arch"), nullptr);
  // Both register an ensemble; only tables refit by default (images would train twice).
  EXPECT_TRUE(tabular->ensemble);
  EXPECT_TRUE(tabular->refit);
  EXPECT_TRUE(images->ensemble);
  EXPECT_FALSE(images->refit);
  Json plain = spec;
  plain["ensemble"] = false;
  plain["refit"] = false;
  Result<HpoSpec> single = PortfolioSpec(algorithms_, plain, false);
  ASSERT_TRUE(single.ok());
  EXPECT_FALSE(single->ensemble);
  EXPECT_FALSE(single->refit);
  EXPECT_EQ(single->ToJson()["refit"], false);
  EXPECT_EQ(tabular->stacking, "auto");
  Json stacked = spec;
  stacked["stacking"] = "never";
  EXPECT_EQ(PortfolioSpec(algorithms_, stacked, false)->ToJson()["stacking"], "never");

  Json narrowed = spec;
  narrowed["algorithms"] = {"xgboost"};
  EXPECT_EQ(PortfolioSpec(algorithms_, narrowed, false)->space->Find("algorithm")->choices.size(),
            1u);
  const std::pair<const char*, Json> bad_fields[] = {{"algorithms", Json::array({"svm"})},
                                                     {"metric", "f1"},
                                                     {"time_budget_s", 1},
                                                     {"refit", "yes"},
                                                     {"stacking", "sometimes"},
                                                     {"stacking", true},
                                                     {"colour", "blue"}};
  for (const auto& [field, value] : bad_fields) {
    Json bad = spec;
    bad[field] = value;
    Result<HpoSpec> h = PortfolioSpec(algorithms_, bad, false);
    EXPECT_EQ(h.status().code(), StatusCode::kInvalidArgument) << field;
  }
  Json no_budget = spec;
  no_budget.erase("time_budget_s");
  EXPECT_EQ(PortfolioSpec(algorithms_, no_budget, false).status().details().value("field", ""),
            "time_budget_s");
}

TEST(TrialFinalValueTest, TheKeptEpochGivesTheValue) {
  const Json series = {{"val_loss",
                        {{{"step", 1}, {"value", 0.9}},
                         {{"step", 2}, {"value", 0.3}},
                         {{"step", 3}, {"value", 0.5}}}},
                       {"val_accuracy",
                        {{{"step", 1}, {"value", 0.6}},
                         {{"step", 2}, {"value", 0.8}},
                         {{"step", 3}, {"value", 0.85}}}}};
  Objective accuracy{"val_accuracy", true};
  EXPECT_DOUBLE_EQ(*TrialFinalValue(series, accuracy, true), -0.8);    // epoch 2 is kept
  EXPECT_DOUBLE_EQ(*TrialFinalValue(series, accuracy, false), -0.85);  // the last epoch is kept
  Objective loss;
  EXPECT_DOUBLE_EQ(*TrialFinalValue(series, loss, true), 0.3);
  EXPECT_DOUBLE_EQ(*TrialFinalValue(series, loss, false), 0.5);
  EXPECT_FALSE(TrialFinalValue(series, Objective{"val_rmse", false}, true).has_value());

  EXPECT_TRUE(KeepsBestEpoch({{"early_stopping_rounds", 10}}));
  EXPECT_TRUE(KeepsBestEpoch({{"early_stopping_patience", 3}}));
  EXPECT_FALSE(KeepsBestEpoch({{"early_stopping_rounds", 0}}));
  EXPECT_FALSE(KeepsBestEpoch({{"epochs", 3}}));
}

TEST(RefitParamsTest, TrainForTheKeptEpochsWithoutEarlyStopping) {
  Json xgb =
      RefitParams({{"n_estimators", 300}, {"early_stopping_rounds", 20}, {"max_depth", 4}}, 37);
  EXPECT_EQ(xgb, Json({{"n_estimators", 37}, {"early_stopping_rounds", 0}, {"max_depth", 4}}));
  EXPECT_FALSE(KeepsBestEpoch(xgb));
  Json mlp =
      RefitParams({{"epochs", 200}, {"early_stopping_patience", 10}, {"batch_size", 32}}, 12);
  EXPECT_EQ(mlp, Json({{"epochs", 12}, {"early_stopping_patience", 0}, {"batch_size", 32}}));
  // Without early stopping the trial trained every epoch: nothing changes.
  EXPECT_EQ(RefitParams({{"epochs", 5}}, 3), Json({{"epochs", 5}}));
}

}  // namespace
}  // namespace easel::automl
