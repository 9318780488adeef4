// The extra_trees trainer on real data (scikit-learn's bundled CSVs) and made-up data, and its
// job contract: calibration, determinism across thread counts, resume, cancel, errors, loading.
//
// Accuracy floors come from scikit-learn's ExtraTreesClassifier(300, bootstrap=True) on the
// same split (rows i % 5 == 0 test, i % 5 == 1 validation, the rest train), five seeds:
//   iris 0.967 (30 test rows), wine 1.000 (36), breast cancer 0.947-0.956 (114).

#include "train/trainers/forest/extra_trees.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "train/trainers/forest/forest_model.h"
#include "train/trainers/testing/sklearn_problems.h"

namespace easel::train::forest {
namespace {

using testing::FakeHooks;
using ::testing::HasSubstr;

void Append(TabularSplit& s, const std::vector<float>& row, float y) {
  s.x.data.insert(s.x.data.end(), row.begin(), row.end());
  s.x.cols = row.size();
  ++s.x.rows;
  s.y.push_back(y);
}

std::unique_ptr<TabularPredictor> LoadOrDie(const ModelFiles& files) {
  auto model = Load(files);
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  return model.ok() ? std::move(*model) : nullptr;
}

double Accuracy(const TabularPredictor& model, const TabularSplit& s) {
  std::vector<float> p = model.Predict(s.x).value();
  const size_t k = model.num_outputs();
  int hits = 0;
  for (size_t r = 0; r < s.rows(); ++r) {
    auto row = p.begin() + r * k;
    hits += std::max_element(row, row + k) - row == std::ptrdiff_t(s.y[r]);
  }
  return double(hits) / s.rows();
}

double LogLoss(const TabularPredictor& model, const TabularSplit& s) {
  std::vector<float> p = model.Predict(s.x).value();
  double loss = 0;
  for (size_t r = 0; r < s.rows(); ++r) {
    loss -= std::log(std::max(1e-15, double(p[r * model.num_outputs() + size_t(s.y[r])])));
  }
  return loss / s.rows();
}

Json ModelJson(const ModelFiles& files) { return Json::parse(files.at("model.json")); }

struct AccuracyCase {
  TabularProblem (*load)();
  double floor;
};

class AccuracyTest : public ::testing::TestWithParam<AccuracyCase> {};

TEST_P(AccuracyTest, ReachesScikitLearn) {
  TabularProblem p = GetParam().load();
  FakeHooks hooks;
  Result<ModelFiles> files = Train(p, {}, 7, {}, hooks);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  auto model = LoadOrDie(*files);
  ASSERT_NE(model, nullptr);
  EXPECT_GE(Accuracy(*model, p.test), GetParam().floor);
  // Probabilities: one row per test row, each a distribution.
  std::vector<float> probs = model->Predict(p.test.x).value();
  ASSERT_EQ(probs.size(), p.test.rows() * p.classes.size());
  for (size_t r = 0; r < p.test.rows(); ++r) {
    double sum = 0;
    for (size_t k = 0; k < p.classes.size(); ++k) sum += probs[r * p.classes.size() + k];
    EXPECT_NEAR(sum, 1.0, 1e-5);
  }
  ASSERT_EQ(hooks.epochs.size(), 10u);
  for (const EpochMetrics& e : hooks.epochs) {
    EXPECT_EQ(e.epochs, 10);
    EXPECT_TRUE(std::isfinite(e.train_loss) && std::isfinite(e.val_loss));
    EXPECT_GE(e.val_metric, 0.8);
  }
  Json oob = ModelJson(*files)["oob"];
  EXPECT_EQ(oob["rows"], p.train.rows());  // 300 bootstrap samples leave every row out somewhere
  EXPECT_GT(oob["accuracy"].get<double>(), 0.85);
}

INSTANTIATE_TEST_SUITE_P(Sklearn, AccuracyTest,
                         ::testing::Values(AccuracyCase{testing::Iris, 0.93},
                                           AccuracyCase{testing::Wine, 0.97},
                                           AccuracyCase{testing::BreastCancer, 0.93}));

// Averaged leaf frequencies are under-confident; the power fitted out of bag sharpens them,
// and the held-out log loss falls. Without it (power 1) the same trees score worse.
TEST(ExtraTreesTest, CalibrationLowersHeldOutLogLoss) {
  TabularProblem p = testing::Wine();
  FakeHooks hooks;
  ModelFiles files = Train(p, {}, 7, {}, hooks).value();
  Json model = ModelJson(files);
  EXPECT_GT(model["calibration_power"].get<double>(), 1.5);
  double calibrated = LogLoss(*LoadOrDie(files), p.test);
  model["calibration_power"] = 1.0;
  files["model.json"] = model.dump();
  double raw = LogLoss(*LoadOrDie(files), p.test);
  EXPECT_LT(calibrated, 0.8 * raw) << "calibrated " << calibrated << ", raw " << raw;
  EXPECT_LT(calibrated, 0.1);
}

// y = 3 sin(x0) + x1 + noise, and a feature of pure noise.
TabularProblem MadeUpRegression() {
  TabularProblem p;
  p.task = Task::kRegression;
  p.feature_names = {"a", "b", "noise"};
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-3, 3);
  std::normal_distribution<float> noise(0, 0.1f);
  for (int i = 0; i < 600; ++i) {
    float a = u(rng), b = u(rng), c = u(rng);
    Append(i % 5 == 0   ? p.test
           : i % 5 == 1 ? p.val
                        : p.train,
           {a, b, c}, 3 * std::sin(a) + b + noise(rng));
  }
  return p;
}

TEST(ExtraTreesTest, RegressionFitsASmoothFunction) {
  TabularProblem p = MadeUpRegression();
  FakeHooks hooks;
  ModelFiles files = Train(p, {}, 1, {}, hooks).value();
  auto model = LoadOrDie(files);
  ASSERT_EQ(model->num_outputs(), 1u);
  std::vector<float> pred = model->Predict(p.test.x).value();
  double se = 0;
  double var = 0;
  double mean = 0;
  for (float y : p.test.y) mean += y / p.test.rows();
  for (size_t r = 0; r < p.test.rows(); ++r) {
    se += (pred[r] - p.test.y[r]) * (pred[r] - p.test.y[r]);
    var += (p.test.y[r] - mean) * (p.test.y[r] - mean);
  }
  // The target's spread is about 2.8; a good fit leaves a small fraction of it.
  EXPECT_LT(std::sqrt(se / p.test.rows()), 0.2 * std::sqrt(var / p.test.rows()));
  Json model_json = ModelJson(files);
  EXPECT_EQ(model_json["calibration_power"], 1.0);
  EXPECT_TRUE(model_json["oob"]["rmse"].is_number());
  EXPECT_NEAR(hooks.epochs.back().val_loss, hooks.epochs.back().val_metric, 1e-12);
}

// Class 1 rows lack feature 0; class 0 rows have it. Only the missing value tells them apart.
TEST(ExtraTreesTest, MissingValuesGoWhereTheyHelp) {
  TabularProblem p;
  p.task = Task::kBinary;
  p.classes = {"present", "missing"};
  p.feature_names = {"maybe", "noise"};
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(0, 1);
  for (int i = 0; i < 400; ++i) {
    int label = i % 2;
    Append(i % 4 == 0 ? p.test : p.train, {label ? NAN : u(rng), u(rng)}, float(label));
  }
  FakeHooks hooks;
  auto model = LoadOrDie(Train(p, {{"n_estimators", 50}}, 1, {}, hooks).value());
  EXPECT_EQ(Accuracy(*model, p.test), 1.0);
}

// max_samples bounds every tree: a tree of 20 draws has at most 20 leaves (39 nodes).
TEST(ExtraTreesTest, MaxSamplesBoundsTheTrees) {
  TabularProblem p = testing::BreastCancer();
  FakeHooks hooks;
  ModelFiles files = Train(p, {{"n_estimators", 30}, {"max_samples", 20}}, 1, {}, hooks).value();
  auto trees = ParseTrees(files.at("trees.safetensors"), 30, 2);
  ASSERT_TRUE(trees.ok()) << trees.status().ToString();
  size_t largest = 0;
  for (const Tree& t : *trees) largest = std::max(largest, t.nodes.size());
  EXPECT_LE(largest, 39u);
  EXPECT_GT(largest, 3u);
  // Every row is left out by most trees, so all of them have out-of-bag scores.
  EXPECT_EQ(ModelJson(files)["oob"]["rows"], p.train.rows());
  EXPECT_GE(Accuracy(*LoadOrDie(files), p.test), 0.85);
}

TEST(ExtraTreesTest, SameFilesOnAnyThreadCount) {
  TabularProblem p = testing::Wine();
  FakeHooks one, two;
  ModelFiles a = Train(p, {{"n_estimators", 40}}, 11, {.threads = 1}, one).value();
  ModelFiles b = Train(p, {{"n_estimators", 40}}, 11, {.threads = 2}, two).value();
  EXPECT_EQ(a, b);
  FakeHooks other;
  ModelFiles c = Train(p, {{"n_estimators", 40}}, 12, {.threads = 2}, other).value();
  EXPECT_NE(a.at("trees.safetensors"), c.at("trees.safetensors"));
}

TEST(ExtraTreesTest, ResumedRunEqualsAnUninterruptedOne) {
  TabularProblem p = testing::BreastCancer();
  const Json params = {{"n_estimators", 60}};
  FakeHooks plain;
  ModelFiles whole = Train(p, params, 3, {.threads = 2}, plain).value();

  FakeHooks hooks;
  hooks.cancel_after_epochs = 4;
  Result<ModelFiles> stopped = Train(p, params, 3, {.threads = 2}, hooks);
  EXPECT_EQ(stopped.status().code(), StatusCode::kCancelled);
  ASSERT_TRUE(hooks.checkpoint.has_value());
  hooks.cancel_after_epochs = -1;
  hooks.epochs.clear();
  Result<ModelFiles> resumed = Train(p, params, 3, {.threads = 1}, hooks);
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  EXPECT_EQ(*resumed, whole);
  EXPECT_EQ(hooks.epochs.size(), 6u);  // the four reported before the stop are not repeated

  // A checkpoint of another run, or an unreadable one, is refused.
  Result<ModelFiles> other = Train(p, params, 4, {}, hooks);
  EXPECT_EQ(other.status().code(), StatusCode::kFailedPrecondition);
  hooks.checkpoint = "garbage";
  EXPECT_EQ(Train(p, params, 3, {}, hooks).status().code(), StatusCode::kDataLoss);
}

TEST(ExtraTreesTest, RejectsBadInput) {
  TabularProblem good = testing::Iris();
  FakeHooks hooks;
  auto code_of = [&](const TabularProblem& p, const Json& params = {}, const Resources& r = {}) {
    Result<ModelFiles> files = Train(p, params, 1, r, hooks);
    return files.status().code();
  };
  EXPECT_EQ(code_of(good, {{"n_estimators", 0}}), StatusCode::kInvalidArgument);
  EXPECT_EQ(code_of(good, {{"max_features", 1.5}}), StatusCode::kInvalidArgument);
  EXPECT_EQ(code_of(good, {{"depth", 3}}), StatusCode::kInvalidArgument);
  EXPECT_EQ(code_of(good, {}, {.device = "cuda"}), StatusCode::kFailedPrecondition);

  TabularProblem empty = good;
  empty.train = {};
  EXPECT_EQ(code_of(empty), StatusCode::kInvalidArgument);
  TabularProblem label = good;
  label.train.y[0] = 3;  // iris has classes 0..2
  EXPECT_EQ(code_of(label), StatusCode::kInvalidArgument);
  TabularProblem fraction = good;
  fraction.train.y[0] = 0.5f;
  EXPECT_EQ(code_of(fraction), StatusCode::kInvalidArgument);
  TabularProblem infinite = good;
  infinite.val.x.data[2] = INFINITY;
  Result<ModelFiles> bad = Train(infinite, {}, 1, {}, hooks);
  EXPECT_THAT(bad.status().message(), HasSubstr("finite"));
  TabularProblem names = good;
  names.feature_names.pop_back();
  EXPECT_EQ(code_of(names), StatusCode::kInvalidArgument);
}

TEST(ExtraTreesTest, LoadRejectsBrokenFiles) {
  TabularProblem p = testing::Iris();
  FakeHooks hooks;
  const ModelFiles good = Train(p, {{"n_estimators", 5}}, 1, {}, hooks).value();
  auto with = [&](const std::string& field, const Json& value) {
    ModelFiles f = good;
    Json j = ModelJson(f);
    j[field] = value;
    f["model.json"] = j.dump();
    return Load(f).status();
  };
  EXPECT_THAT(with("trees", 6).message(), HasSubstr("trees"));
  EXPECT_THAT(with("calibration_power", -1).message(), HasSubstr("calibration_power"));
  EXPECT_THAT(with("num_outputs", 2).message(), HasSubstr("leaves of 2 outputs"));
  EXPECT_THAT(with("format", "xgboost").message(), HasSubstr("not an extra_trees model"));
  ModelFiles no_trees = good;
  no_trees.erase("trees.safetensors");
  EXPECT_EQ(Load(no_trees).status().code(), StatusCode::kInvalidArgument);
  ModelFiles fewer_features = good;
  Json j = ModelJson(good);
  j["feature_names"] = {"a", "b"};  // the trees split on features 2 and 3 as well
  fewer_features["model.json"] = j.dump();
  EXPECT_EQ(Load(fewer_features).status().code(), StatusCode::kInvalidArgument);

  auto model = LoadOrDie(good);
  data::transforms::FeatureMatrix three{.rows = 1, .cols = 3, .data = {1, 2, 3}};
  EXPECT_THAT(model->Predict(three).status().message(), HasSubstr("takes 4 features"));
}

}  // namespace
}  // namespace easel::train::forest
