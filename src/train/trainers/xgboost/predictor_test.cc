// Load, Predict, Contributions and the model files a run writes.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <thread>

#include "train/trainers/xgboost/model_files.h"
#include "train/trainers/xgboost/test_support.h"
#include "train/trainers/xgboost/xgboost_trainer.h"

namespace easel::train::xgboost {
namespace {

using testing::BreastCancer;
using testing::Diabetes;
using testing::FakeHooks;
using testing::Params;
using testing::Wine;

struct Trained {
  TabularProblem problem;
  ModelFiles files;
};

Trained TrainOn(TabularProblem p, int rounds = 20) {
  FakeHooks hooks;
  auto files = Train(p, Params({{"n_estimators", rounds}}), 0, Resources{"cpu", 1}, hooks);
  EXPECT_TRUE(files.ok()) << files.status().ToString();
  return {std::move(p), files.ok() ? *files : ModelFiles{}};
}

// Trained once: Wine (multiclass), breast cancer (binary), diabetes (regression).
const Trained& Multiclass() {
  static const Trained t = TrainOn(Wine());
  return t;
}
const Trained& Binary() {
  static const Trained t = TrainOn(BreastCancer());
  return t;
}
const Trained& Regression() {
  static const Trained t = TrainOn(Diabetes());
  return t;
}

TEST(XgboostPredictorTest, OutputsHaveTheDocumentedShape) {
  for (const Trained* t : {&Multiclass(), &Binary(), &Regression()}) {
    auto predictor = Load(t->files);
    ASSERT_TRUE(predictor.ok()) << predictor.status().ToString();
    size_t k = t->problem.task == Task::kMulticlass ? 3 : t->problem.task == Task::kBinary ? 2 : 1;
    EXPECT_EQ((*predictor)->num_outputs(), k);
    auto out = (*predictor)->Predict(t->problem.test.x);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    ASSERT_EQ(out->size(), t->problem.test.rows() * k);
    if (t->problem.task == Task::kRegression) continue;
    for (size_t r = 0; r < t->problem.test.rows(); ++r) {
      float sum = std::accumulate(out->begin() + r * k, out->begin() + (r + 1) * k, 0.0f);
      EXPECT_NEAR(sum, 1.0f, 1e-5);
    }
  }
}

// SHAP values per row sum to the margin the model predicts: logit(P(1)) for binary, each
// class's margin (softmax gives the probabilities) for multiclass, the value for regression.
TEST(XgboostPredictorTest, ContributionsSumToTheMargin) {
  for (const Trained* t : {&Multiclass(), &Binary(), &Regression()}) {
    const auto& x = t->problem.test.x;
    auto phi = Contributions(t->files, x);
    ASSERT_TRUE(phi.ok()) << phi.status().ToString();
    auto predictor = Load(t->files);
    ASSERT_TRUE(predictor.ok());
    auto out = (*predictor)->Predict(x);
    ASSERT_TRUE(out.ok());
    const size_t groups = t->problem.task == Task::kMulticlass ? 3 : 1, width = x.cols + 1;
    ASSERT_EQ(phi->size(), x.rows * groups * width);
    for (size_t r = 0; r < x.rows; ++r) {
      std::vector<double> margin(groups);
      for (size_t g = 0; g < groups; ++g) {
        const float* row = phi->data() + (r * groups + g) * width;
        margin[g] = std::accumulate(row, row + width, 0.0);
      }
      if (t->problem.task == Task::kRegression) {
        EXPECT_NEAR(margin[0], (*out)[r], 1e-3);
      } else if (t->problem.task == Task::kBinary) {
        EXPECT_NEAR(1 / (1 + std::exp(-margin[0])), (*out)[2 * r + 1], 1e-5);
      } else {
        double z = 0;
        for (double m : margin) z += std::exp(m);
        for (size_t g = 0; g < groups; ++g) {
          EXPECT_NEAR(std::exp(margin[g]) / z, (*out)[r * groups + g], 1e-5);
        }
      }
    }
  }
}

TEST(XgboostPredictorTest, ShapSummaryDescribesTheTestSplit) {
  Json shap = Json::parse(Multiclass().files.at("shap.json"));
  EXPECT_EQ(shap["split"], "test");
  EXPECT_EQ(shap["rows"], Multiclass().problem.test.rows());
  EXPECT_EQ(shap["output"], "class_margin");
  ASSERT_EQ(shap["base_value"].size(), 3u);
  ASSERT_EQ(shap["features"].size(), 13u);
  for (size_t i = 0; i + 1 < 13; ++i) {
    EXPECT_GE(shap["features"][i]["mean_abs"], shap["features"][i + 1]["mean_abs"]);
  }
  const Json& top = shap["features"][0];
  EXPECT_GT(top["mean_abs"].get<double>(), 0);
  ASSERT_EQ(top["per_class"].size(), 3u);
  EXPECT_NEAR(top["per_class"][0].get<double>() + top["per_class"][1].get<double>() +
                  top["per_class"][2].get<double>(),
              top["mean_abs"].get<double>(), 1e-9);

  Json binary = Json::parse(Binary().files.at("shap.json"));
  EXPECT_EQ(binary["output"], "log_odds");
  EXPECT_TRUE(binary["base_value"].is_number());
  EXPECT_FALSE(binary["features"][0].contains("per_class"));
}

TEST(XgboostPredictorTest, ShapRowsShrinkWithTheModel) {
  EXPECT_EQ(ShapRows("not json"), 100u);
  // 20 rounds of at most depth-6 trees.
  size_t small = ShapRows(Binary().files.at("booster.json"));
  EXPECT_GT(small, 500u);
  EXPECT_LE(small, 2000u);
  // 1000 copies of a full depth-6 tree: 1000 x 64 leaves x 7^2 units a row.
  Json booster = Json::parse(Binary().files.at("booster.json"));
  Json tree = Json::object();
  for (int i = 0; i < 127; ++i) {
    tree["left_children"].push_back(i < 63 ? 2 * i + 1 : -1);
    tree["right_children"].push_back(i < 63 ? 2 * i + 2 : -1);
  }
  Json& trees = booster["learner"]["gradient_booster"]["model"]["trees"];
  trees = Json::array();
  for (int i = 0; i < 1000; ++i) trees.push_back(tree);
  EXPECT_EQ(ShapRows(booster.dump()), 100u);
  trees.erase(trees.begin() + 10, trees.end());  // 10 trees: 5e7 / (10 x 64 x 49) = 1594
  EXPECT_EQ(ShapRows(booster.dump()), 1594u);
}

TEST(XgboostPredictorTest, ImportanceListsEveryFeatureByName) {
  Json importance = Json::parse(Binary().files.at("importance.json"));
  for (const char* type : {"gain", "weight", "cover", "total_gain"}) {
    ASSERT_TRUE(importance.contains(type)) << type;
    EXPECT_EQ(importance[type].size(), 30u) << type;
    double max = 0;
    for (const auto& [name, v] : importance[type].items()) max = std::max(max, v.get<double>());
    EXPECT_GT(max, 0) << type;
  }
  EXPECT_TRUE(importance["gain"].contains("x29"));
}

// XGBoost's in-place prediction keeps its output per thread; many threads on one predictor
// must each get exactly the single-threaded answer.
TEST(XgboostPredictorTest, PredictIsThreadSafe) {
  auto predictor = Load(Multiclass().files);
  ASSERT_TRUE(predictor.ok());
  const auto& x = Multiclass().problem.test.x;
  auto expected = (*predictor)->Predict(x);
  ASSERT_TRUE(expected.ok());
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        auto out = (*predictor)->Predict(x);
        mismatches[t] += !out.ok() || *out != *expected;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_THAT(mismatches, ::testing::Each(0));
}

TEST(XgboostPredictorTest, RejectsAWrongFeatureCount) {
  auto predictor = Load(Binary().files);
  ASSERT_TRUE(predictor.ok());
  data::transforms::FeatureMatrix x{2, 29, std::vector<float>(58, 1.0f)};
  EXPECT_EQ((*predictor)->Predict(x).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Contributions(Binary().files, x).status().code(), StatusCode::kInvalidArgument);
  data::transforms::FeatureMatrix short_data{2, 30, std::vector<float>(59, 1.0f)};
  EXPECT_EQ((*predictor)->Predict(short_data).status().code(), StatusCode::kInvalidArgument);
  data::transforms::FeatureMatrix none{0, 30, {}};
  auto empty = (*predictor)->Predict(none);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(XgboostPredictorTest, LoadRejectsBrokenFiles) {
  ModelFiles files = Binary().files;
  auto load = [](ModelFiles f) { return Load(f).status().code(); };
  const StatusCode kBad = StatusCode::kInvalidArgument;

  ModelFiles no_booster = files;
  no_booster.erase("booster.json");
  EXPECT_EQ(load(no_booster), kBad);
  ModelFiles no_model = files;
  no_model.erase("model.json");
  EXPECT_EQ(load(no_model), kBad);

  for (std::string bad : {std::string("not json"), std::string("{}"), std::string("[]"),
                          files["booster.json"].substr(0, files["booster.json"].size() / 2),
                          std::string(100000, '['), std::string("\x7b\x4c\x00\x00", 4)}) {
    ModelFiles f = files;
    f["booster.json"] = bad;
    EXPECT_EQ(load(f), kBad) << bad.substr(0, 40);
  }
  Json model = Json::parse(files["model.json"]);
  for (auto [field, value] : std::vector<std::pair<std::string, Json>>{{"format", "onnx"},
                                                                       {"task", "ranking"},
                                                                       {"num_features", 31},
                                                                       {"classes", Json::array()},
                                                                       {"num_rounds", 3},
                                                                       {"feature_names", 5}}) {
    ModelFiles f = files;
    Json m = model;
    m[field] = value;
    f["model.json"] = m.dump();
    EXPECT_EQ(load(f), kBad) << field;
  }
}

}  // namespace
}  // namespace easel::train::xgboost
