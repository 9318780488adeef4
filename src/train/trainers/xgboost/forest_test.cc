// The Forest against XGBoost's own predictor, and the models it leaves to XGBoost.

#include "train/trainers/xgboost/forest.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <random>

#include "train/trainers/xgboost/test_support.h"
#include "train/trainers/xgboost/xgb_api.h"
#include "train/trainers/xgboost/xgboost_trainer.h"

namespace easel::train::xgboost {
namespace {

using data::transforms::FeatureMatrix;

// Every `every`-th value missing (NaN), offset by `seed`.
void Punch(FeatureMatrix& x, size_t every, size_t seed) {
  for (size_t i = seed % every; i < x.data.size(); i += every) x.data[i] = NAN;
}

struct Model {
  Task task;
  ModelFiles files;
  FeatureMatrix test;  // the test rows, a quarter of their values missing
};

// Trained with a tenth of the training values missing, so that the trees learn a default
// direction for them, both ways.
Model TrainWithGaps(TabularProblem p) {
  Punch(p.train.x, 10, 3);
  testing::FakeHooks hooks;
  auto files = Train(p, testing::Params({{"n_estimators", 30}}), 0, Resources{"cpu", 1}, hooks);
  EXPECT_TRUE(files.ok()) << files.status().ToString();
  Model m{p.task, files.ok() ? *files : ModelFiles{}, p.test.x};
  Punch(m.test, 4, 1);
  return m;
}

const std::vector<Model>& Models() {
  static const std::vector<Model> models = {TrainWithGaps(testing::BreastCancer()),
                                            TrainWithGaps(testing::Wine()),
                                            TrainWithGaps(testing::Diabetes())};
  return models;
}

Booster LoadBooster(const ModelFiles& files) {
  auto booster = Booster::FromModelBytes(files.at("booster.json"));
  EXPECT_TRUE(booster.ok()) << booster.status().ToString();
  return std::move(*booster);
}

std::string Ubjson(const Booster& booster) {
  auto ubj = booster.SaveModel("ubj");
  EXPECT_TRUE(ubj.ok()) << ubj.status().ToString();
  return ubj.ok() ? *ubj : "";
}

TEST(ForestTest, PredictsBitForBitAsXgboost) {
  for (const Model& m : Models()) {
    SCOPED_TRACE(static_cast<int>(m.task));
    Booster booster = LoadBooster(m.files);
    auto forest = Forest::FromUbjson(Ubjson(booster));
    ASSERT_TRUE(forest.ok()) << forest.status().ToString();
    // The test rows, and as many again with values drawn around the model's own thresholds:
    // equal to one, just below it, missing.
    FeatureMatrix x = m.test;
    const auto splits = forest->Splits();
    ASSERT_GT(splits.size(), 10u);
    std::mt19937 rng(7);
    for (size_t r = 0; r < m.test.rows; ++r) {
      for (size_t c = 0; c < x.cols; ++c) {
        const auto& [feature, value] = splits[rng() % splits.size()];
        const float v = rng() % 2 ? value : std::nextafter(value, -INFINITY);
        x.data.push_back(rng() % 5 == 0 ? NAN : v);
      }
    }
    x.rows *= 2;
    auto expected = booster.PredictDense(x, PredictType::kValue);
    ASSERT_TRUE(expected.ok()) << expected.status().ToString();
    std::vector<float> got(x.rows * forest->num_groups());
    forest->Predict(x.data.data(), x.rows, got.data());
    ASSERT_EQ(got.size(), expected->values.size());
    for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], expected->values[i]) << "at " << i;
  }
}

TEST(ForestTest, ThePredictorAgreesWithXgboostOnSmallAndLargeBatches) {
  const int threads = omp_get_max_threads();
  for (const Model& m : Models()) {
    SCOPED_TRACE(static_cast<int>(m.task));
    Booster booster = LoadBooster(m.files);
    auto predictor = Load(m.files);
    ASSERT_TRUE(predictor.ok()) << predictor.status().ToString();
    // One row, and more rows than the Forest takes when XGBoost may use several threads (held
    // to one, as serving holds a call, the Forest takes them too).
    FeatureMatrix one{1, m.test.cols, {m.test.data.begin(), m.test.data.begin() + m.test.cols}};
    FeatureMatrix many{0, m.test.cols, {}};
    while (many.rows <= 300) {
      many.data.insert(many.data.end(), m.test.data.begin(), m.test.data.end());
      many.rows += m.test.rows;
    }
    for (int held : {threads, 1}) {
      omp_set_num_threads(held);
      for (const FeatureMatrix* x : {&one, &many}) {
        auto got = (*predictor)->Predict(*x);
        auto expected = booster.PredictDense(*x, PredictType::kValue);
        ASSERT_TRUE(got.ok() && expected.ok());
        const bool binary = m.task == Task::kBinary;
        ASSERT_EQ(got->size(), expected->values.size() * (binary ? 2 : 1));
        for (size_t i = 0; i < expected->values.size(); ++i) {
          ASSERT_EQ((*got)[binary ? 2 * i + 1 : i], expected->values[i])
              << "at " << i << ", " << held << " thread(s)";
        }
      }
    }
    omp_set_num_threads(threads);
  }
}

TEST(ForestTest, ModelsItDoesNotEvaluateAreLeftToXgboost) {
  const Json model = Json::from_ubjson(Ubjson(LoadBooster(Models()[0].files)));
  auto refused = [](const Json& j) {
    std::vector<uint8_t> bytes = Json::to_ubjson(j);
    auto forest = Forest::FromUbjson({reinterpret_cast<const char*>(bytes.data()), bytes.size()});
    return !forest.ok() && forest.status().code() == StatusCode::kUnimplemented;
  };
  ASSERT_FALSE(refused(model));
  Json dart = model;
  dart["learner"]["gradient_booster"]["name"] = "dart";
  EXPECT_TRUE(refused(dart));
  Json objective = model;
  objective["learner"]["objective"]["name"] = "binary:hinge";
  EXPECT_TRUE(refused(objective));
  Json categorical = model;
  categorical["learner"]["gradient_booster"]["model"]["trees"][0]["split_type"][0] = 1;
  EXPECT_TRUE(refused(categorical));
  Json cycle = model;
  cycle["learner"]["gradient_booster"]["model"]["trees"][0]["left_children"][0] = 0;
  EXPECT_TRUE(refused(cycle));
  Json feature = model;
  feature["learner"]["gradient_booster"]["model"]["trees"][0]["split_indices"][0] = 30;
  EXPECT_TRUE(refused(feature));
  const std::string bytes = Ubjson(LoadBooster(Models()[0].files));
  EXPECT_FALSE(Forest::FromUbjson(bytes.substr(0, bytes.size() / 2)).ok());
}

}  // namespace
}  // namespace easel::train::xgboost
