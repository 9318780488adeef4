// Training `linear` and `mlp` on real data (scikit-learn's bundled CSVs), and the job contract:
// determinism, resume, cancel, errors, loading.
//
// Accuracy floors come from scikit-learn on the same split (rows i % 5 == 0 test, i % 5 == 1
// validation, the rest train; features standardized with train statistics):
//   /usr/bin/python3 -c '
//   import numpy as np
//   from sklearn.linear_model import LogisticRegression, LinearRegression
//   from sklearn.neural_network import MLPClassifier
//   D = "/usr/lib/python3/dist-packages/sklearn/datasets/data/"
//   for name in ["iris.csv", "wine_data.csv", "breast_cancer.csv"]:
//       a = np.array([l.strip().split(",") for l in open(D + name)][1:], dtype=float)
//       X, y = a[:, :-1], a[:, -1].astype(int)
//       i = np.arange(len(y)); te, va = i % 5 == 0, i % 5 == 1; tr = ~(te | va)
//       m, s = X[tr].mean(0), X[tr].std(0); X = (X - m) / s
//       lr = LogisticRegression(max_iter=1000).fit(X[tr], y[tr])
//       mlp = MLPClassifier((64, 64), max_iter=500, random_state=0).fit(X[tr], y[tr])
//       print(name, lr.score(X[te], y[te]), mlp.score(X[te], y[te]))'
//   iris.csv 0.9667 0.9667 (30 test rows) | wine_data.csv 1.0 1.0 (36) |
//   breast_cancer.csv 0.9737 0.9649 (114)
//   diabetes (same split, LinearRegression): test RMSE 52.68 (target std 75.97)

#include "train/trainers/torch_tabular/torch_tabular.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>

#include "train/trainers/torch_tabular/testing.h"

namespace easel::train::torch_tabular {
namespace {

using ::testing::HasSubstr;
using testing_util::Accuracy;
using testing_util::FakeHooks;
using testing_util::LoadClassification;
using testing_util::LoadDiabetes;
using testing_util::PredictSplit;
using testing_util::Rmse;

struct AccuracyCase {
  const char* file;
  bool mlp;
  double sklearn;  // on the same split, see the top of the file
  double floor;
};

class AccuracyTest : public ::testing::TestWithParam<AccuracyCase> {};

TEST_P(AccuracyTest, ReachesScikitLearn) {
  const AccuracyCase& c = GetParam();
  Result<TabularProblem> p = LoadClassification(c.file);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  FakeHooks hooks;
  Result<ModelFiles> files =
      c.mlp ? TrainMlp(*p, {}, 1, {}, hooks) : TrainLinear(*p, {}, 1, {}, hooks);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  Result<std::unique_ptr<TabularPredictor>> model = Load(*files);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  const double accuracy = Accuracy(**model, p->test);
  std::printf("%s %s: test accuracy %.4f (scikit-learn %.4f), %zu epochs\n", c.file,
              c.mlp ? "mlp" : "linear", accuracy, c.sklearn, hooks.epochs.size());
  EXPECT_GE(accuracy, c.floor);
}

INSTANTIATE_TEST_SUITE_P(RealData, AccuracyTest,
                         ::testing::Values(AccuracyCase{"iris.csv", false, 0.9667, 0.93},
                                           AccuracyCase{"wine_data.csv", false, 1.0, 0.97},
                                           AccuracyCase{"breast_cancer.csv", false, 0.9737, 0.956},
                                           AccuracyCase{"iris.csv", true, 0.9667, 0.93},
                                           AccuracyCase{"wine_data.csv", true, 1.0, 0.97},
                                           AccuracyCase{"breast_cancer.csv", true, 0.9649, 0.947}),
                         [](const auto& info) {
                           std::string name = info.param.file;
                           name = name.substr(0, name.find_first_of("_."));
                           return name + (info.param.mlp ? "_mlp" : "_linear");
                         });

TEST(RegressionTest, DiabetesComparesWithLinearRegression) {
  Result<TabularProblem> p = LoadDiabetes();
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  FakeHooks hooks;
  Result<ModelFiles> files = TrainLinear(*p, {{"epochs", 100}}, 1, {}, hooks);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  auto model = Load(*files);
  ASSERT_TRUE(model.ok());
  EXPECT_EQ((*model)->num_outputs(), 1u);
  const double rmse = Rmse(**model, p->test);
  std::printf("diabetes linear: test RMSE %.2f (scikit-learn 52.68)\n", rmse);
  EXPECT_LE(rmse, 52.68 * 1.05);
  // The reported validation RMSE is in target units, not standardized ones.
  EXPECT_GT(hooks.epochs.back().val_metric, 20.0);

  FakeHooks mlp_hooks;
  files = TrainMlp(*p, {{"epochs", 60}, {"hidden_layers", {32}}, {"weight_decay", 0.01}}, 1, {},
                   mlp_hooks);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  const double mlp_rmse = Rmse(**Load(*files), p->test);
  std::printf("diabetes mlp: test RMSE %.2f (scikit-learn MLPRegressor 62.70)\n", mlp_rmse);
  EXPECT_LE(mlp_rmse, 62.70);
}

// lbfgs minimizes the regularized objective exactly, so it must land where the convex
// solvers do: on the closed-form ridge solution, and on scikit-learn's LogisticRegression.

// Solves the k × k system a x = b (row-major) by Gaussian elimination with partial pivoting.
std::vector<double> Solve(std::vector<double> a, std::vector<double> b) {
  const size_t k = b.size();
  for (size_t col = 0; col < k; ++col) {
    size_t pivot = col;
    for (size_t r = col + 1; r < k; ++r) {
      if (std::fabs(a[r * k + col]) > std::fabs(a[pivot * k + col])) pivot = r;
    }
    for (size_t c = 0; c < k; ++c) std::swap(a[col * k + c], a[pivot * k + c]);
    std::swap(b[col], b[pivot]);
    for (size_t r = col + 1; r < k; ++r) {
      const double f = a[r * k + col] / a[col * k + col];
      for (size_t c = col; c < k; ++c) a[r * k + c] -= f * a[col * k + c];
      b[r] -= f * b[col];
    }
  }
  std::vector<double> x(k);
  for (size_t r = k; r-- > 0;) {
    double v = b[r];
    for (size_t c = r + 1; c < k; ++c) v -= a[r * k + c] * x[c];
    x[r] = v / a[r * k + r];
  }
  return x;
}

TEST(LbfgsTest, LinearRegressionIsTheRidgeSolution) {
  TabularProblem p = *LoadDiabetes();
  const double lambda = 0.05;  // the objective is mean squared error + lambda / 2 * |w|^2
  FakeHooks hooks;
  Result<ModelFiles> files = TrainLinear(p,
                                         {{"optimizer", "lbfgs"},
                                          {"weight_decay", lambda},
                                          {"epochs", 50},
                                          {"early_stopping_patience", 0},
                                          {"standardize", false}},
                                         1, {}, hooks);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  EXPECT_LT(hooks.epochs.size(), 50u) << "converged epochs end the run";
  EXPECT_THAT(hooks.log, HasSubstr("lbfgs converged"));

  // The same minimum in closed form, on centred columns (the intercept is not penalized):
  // (Xc'Xc / n + lambda / 2 I) w = Xc'(y - mean y) / n, intercept = mean y - mean x . w.
  const TabularSplit& t = p.train;
  const size_t n = t.rows(), k = t.x.cols;
  std::vector<double> mean_x(k, 0);
  double mean_y = 0;
  for (size_t i = 0; i < n; ++i) {
    for (size_t c = 0; c < k; ++c) mean_x[c] += t.x.data[i * k + c] / static_cast<double>(n);
    mean_y += t.y[i] / static_cast<double>(n);
  }
  std::vector<double> a(k * k, 0), b(k, 0);
  for (size_t i = 0; i < n; ++i) {
    for (size_t r = 0; r < k; ++r) {
      const double xr = t.x.data[i * k + r] - mean_x[r];
      b[r] += xr * (t.y[i] - mean_y) / static_cast<double>(n);
      for (size_t c = 0; c < k; ++c) {
        a[r * k + c] += xr * (t.x.data[i * k + c] - mean_x[c]) / static_cast<double>(n);
      }
    }
  }
  for (size_t r = 0; r < k; ++r) a[r * k + r] += lambda / 2;
  const std::vector<double> w = Solve(a, b);
  double intercept = mean_y;
  for (size_t c = 0; c < k; ++c) intercept -= mean_x[c] * w[c];

  std::vector<float> predicted = PredictSplit(**Load(*files), p.test);
  ASSERT_EQ(predicted.size(), p.test.rows());
  double worst = 0;
  for (size_t i = 0; i < p.test.rows(); ++i) {
    double exact = intercept;
    for (size_t c = 0; c < k; ++c) exact += w[c] * p.test.x.data[i * k + c];
    worst = std::max(worst, std::fabs(predicted[i] - exact));
  }
  std::printf("diabetes ridge by lbfgs: %zu epochs, largest prediction error %.4g\n",
              hooks.epochs.size(), worst);
  EXPECT_LT(worst, 0.05);  // target units: the target's standard deviation is 76
}

// Mean log loss of the predicted class probabilities on `split`.
double LogLoss(const TabularPredictor& model, const TabularSplit& split) {
  std::vector<float> probs = PredictSplit(model, split);
  const size_t k = model.num_outputs();
  double sum = 0;
  for (size_t i = 0; i < split.rows(); ++i) {
    sum -= std::log(probs.at(i * k + static_cast<size_t>(split.y[i])));
  }
  return sum / static_cast<double>(split.rows());
}

TEST(LbfgsTest, LogisticRegressionMatchesScikitLearn) {
  // LogisticRegression(C=1, tol=1e-10) on the split at the top of the file. Its objective,
  // C * sum of losses + |w|^2 / 2, divided by C * n is ours with weight_decay = 1 / (C * n).
  struct Case {
    const char* file;
    double accuracy, log_loss;
  };
  for (const Case& c : {Case{"breast_cancer.csv", 0.97368, 0.094262},
                        Case{"wine_data.csv", 1.0, 0.049263}}) {
    TabularProblem p = *LoadClassification(c.file);
    FakeHooks hooks;
    Result<ModelFiles> files =
        TrainLinear(p,
                    {{"optimizer", "lbfgs"},
                     {"weight_decay", 1.0 / static_cast<double>(p.train.rows())},
                     {"epochs", 100},
                     {"early_stopping_patience", 0},
                     {"standardize", false}},
                    1, {}, hooks);
    ASSERT_TRUE(files.ok()) << files.status().ToString();
    auto model = Load(*files);
    ASSERT_TRUE(model.ok());
    const double loss = LogLoss(**model, p.test);
    std::printf("%s logistic by lbfgs: %zu epochs, test log loss %.6f (scikit-learn %.6f)\n",
                c.file, hooks.epochs.size(), loss, c.log_loss);
    EXPECT_NEAR(Accuracy(**model, p.test), c.accuracy, 1e-4) << c.file;
    EXPECT_NEAR(loss, c.log_loss, 1e-4) << c.file;
  }
}

TEST(LbfgsTest, MlpLearnsAndReportsNoLearningRate) {
  TabularProblem p = *LoadClassification("wine_data.csv");
  FakeHooks hooks;
  Result<ModelFiles> files = TrainMlp(
      p, {{"optimizer", "lbfgs"}, {"weight_decay", 0.01}, {"hidden_layers", {32}}}, 1, {}, hooks);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  EXPECT_GE(Accuracy(**Load(*files), p.test), 0.97);
  ASSERT_FALSE(hooks.epochs.empty());
  EXPECT_TRUE(std::isnan(hooks.epochs.front().learning_rate));
  EXPECT_LT(hooks.epochs.back().train_loss, hooks.epochs.front().train_loss);
}

TEST(TrainTest, ReportsEveryEpochAndCheckpoints) {
  TabularProblem p = *LoadClassification("iris.csv");
  FakeHooks hooks;
  Result<ModelFiles> files =
      TrainLinear(p, {{"epochs", 5}, {"early_stopping_patience", 0}}, 3, {}, hooks);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  ASSERT_EQ(hooks.epochs.size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    const EpochMetrics& m = hooks.epochs[i];
    EXPECT_EQ(m.epoch, static_cast<int64_t>(i) + 1);
    EXPECT_EQ(m.epochs, 5);
    EXPECT_TRUE(std::isfinite(m.train_loss));
    EXPECT_TRUE(std::isfinite(m.val_loss));
    EXPECT_GE(m.val_metric, 0.0);
    EXPECT_LE(m.val_metric, 1.0);
    EXPECT_GT(m.learning_rate, 0.0);
    EXPECT_GT(m.samples_per_s, 0.0);
  }
  EXPECT_GT(hooks.epochs[0].learning_rate, hooks.epochs[4].learning_rate);  // cosine
  EXPECT_EQ(hooks.saves, 5);
  EXPECT_EQ(files->size(), 2u);
  Result<Json> model_json = ParseJson(files->at("model.json"));
  ASSERT_TRUE(model_json.ok());
  EXPECT_EQ((*model_json)["format"], "torch_tabular");
  EXPECT_EQ((*model_json)["arch"], "linear");
  EXPECT_EQ((*model_json)["task"], "multiclass");
  EXPECT_EQ((*model_json)["num_features"], 4);
  EXPECT_EQ((*model_json)["classes"], Json({"setosa", "versicolor", "virginica"}));
  EXPECT_EQ((*model_json)["params"]["epochs"], 5);
  EXPECT_EQ((*model_json)["epochs_trained"], 5);
}

TEST(TrainTest, SameSeedSameBytesOtherSeedOtherWeights) {
  TabularProblem p = *LoadClassification("wine_data.csv");
  Json params = {{"epochs", 8}, {"dropout", 0.2}, {"batch_norm", true}};
  FakeHooks h1, h2, h3;
  Result<ModelFiles> a = TrainMlp(p, params, 11, {}, h1);
  Result<ModelFiles> b = TrainMlp(p, params, 11, {}, h2);
  Result<ModelFiles> c = TrainMlp(p, params, 12, {}, h3);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok()) << a.status().ToString();
  EXPECT_EQ(a->at("weights.safetensors"), b->at("weights.safetensors"));
  EXPECT_EQ(a->at("model.json"), b->at("model.json"));
  EXPECT_NE(a->at("weights.safetensors"), c->at("weights.safetensors"));
}

// Interrupts a run during epoch `k` (after the checkpoint of epoch k - 1), resumes from that
// checkpoint, and expects exactly the files of an uninterrupted run.
void ExpectResumeIsExact(bool mlp, const char* file, Json params, int k) {
  TabularProblem p = *LoadClassification(file);
  auto train = [&](FakeHooks& hooks) {
    return mlp ? TrainMlp(p, params, 5, {}, hooks) : TrainLinear(p, params, 5, {}, hooks);
  };
  FakeHooks straight;
  Result<ModelFiles> expected = train(straight);
  ASSERT_TRUE(expected.ok()) << expected.status().ToString();

  FakeHooks first;
  first.cancel_after_saves = k - 1;
  Result<ModelFiles> interrupted = train(first);
  ASSERT_EQ(interrupted.status().code(), StatusCode::kCancelled);
  ASSERT_EQ(first.saves, k - 1);

  FakeHooks second;
  second.checkpoint = first.checkpoint;
  Result<ModelFiles> resumed = train(second);
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  EXPECT_EQ(second.epochs.front().epoch, k);
  EXPECT_EQ(resumed->at("weights.safetensors"), expected->at("weights.safetensors"));
  EXPECT_EQ(resumed->at("model.json"), expected->at("model.json"));
  EXPECT_EQ(second.epochs.back().val_loss, straight.epochs.back().val_loss);
}

TEST(ResumeTest, MlpWithDropoutBatchNormAndEarlyStoppingResumesExactly) {
  ExpectResumeIsExact(true, "breast_cancer.csv",
                      {{"epochs", 12},
                       {"dropout", 0.3},
                       {"batch_norm", true},
                       {"early_stopping_patience", 3},
                       {"label_smoothing", 0.1},
                       {"batch_size", 50}},
                      4);
}

TEST(ResumeTest, LinearSgdResumesExactly) {
  ExpectResumeIsExact(false, "iris.csv",
                      {{"epochs", 10},
                       {"optimizer", "sgd"},
                       {"learning_rate", 0.1},
                       {"schedule", "step"},
                       {"step_size", 3},
                       {"warmup_epochs", 2}},
                      6);
}

TEST(ResumeTest, LbfgsResumesExactly) {
  ExpectResumeIsExact(true, "wine_data.csv",
                      {{"epochs", 8},
                       {"optimizer", "lbfgs"},
                       {"weight_decay", 1e-4},
                       {"hidden_layers", {16}},
                       {"early_stopping_patience", 0}},
                      4);
}

TEST(ResumeTest, IgnoresCheckpointOfAnotherConfiguration) {
  TabularProblem p = *LoadClassification("iris.csv");
  FakeHooks first;
  ASSERT_TRUE(TrainLinear(p, {{"epochs", 3}}, 1, {}, first).ok());
  FakeHooks second;
  second.checkpoint = first.checkpoint;
  ASSERT_TRUE(TrainLinear(p, {{"epochs", 4}}, 1, {}, second).ok());
  EXPECT_EQ(second.epochs.size(), 4u);
  EXPECT_THAT(second.log, HasSubstr("another configuration"));

  FakeHooks damaged;
  damaged.checkpoint = std::string("garbage");
  ASSERT_TRUE(TrainLinear(p, {{"epochs", 2}}, 1, {}, damaged).ok());
  EXPECT_EQ(damaged.epochs.size(), 2u);
}

TEST(CancelTest, StopsWithinABatch) {
  TabularProblem p = *LoadClassification("breast_cancer.csv");
  FakeHooks hooks;
  hooks.cancel_after_batches = 3;
  const auto start = std::chrono::steady_clock::now();
  Result<ModelFiles> r = TrainMlp(p, {{"epochs", 1000}}, 1, {}, hooks);
  EXPECT_EQ(r.status().code(), StatusCode::kCancelled);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_TRUE(hooks.epochs.empty());
}

TEST(ErrorTest, MissingValuesAndBadShapes) {
  TabularProblem p = *LoadClassification("iris.csv");
  FakeHooks hooks;
  TabularProblem nan = p;
  nan.train.x.data[7] = NAN;  // row 1, column 3
  Result<ModelFiles> r = TrainLinear(nan, {}, 1, {}, hooks);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "feature 'f3' has missing values; add an impute step");
  EXPECT_EQ(TrainMlp(nan, {}, 1, {}, hooks).status().code(), StatusCode::kInvalidArgument);

  TabularProblem shape = p;
  shape.train.x.data.pop_back();
  EXPECT_EQ(TrainLinear(shape, {}, 1, {}, hooks).status().code(), StatusCode::kInvalidArgument);
  TabularProblem labels = p;
  labels.train.y[0] = 7;
  EXPECT_EQ(TrainMlp(labels, {}, 1, {}, hooks).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(TrainMlp(p, {{"hidden_layer", 3}}, 1, {}, hooks).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(hooks.saves, 0);
}

TEST(ErrorTest, CudaWithoutDeviceIsFailedPrecondition) {
  if (testing_util::CudaAvailable()) GTEST_SKIP() << "this machine has CUDA";
  TabularProblem p = *LoadClassification("iris.csv");
  FakeHooks hooks;
  Result<ModelFiles> r = TrainLinear(p, {}, 1, Resources{"cuda", 0}, hooks);
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("CUDA was requested"));
}

TEST(LoadTest, PredictMatchesTrainingTimeValidation) {
  // Without early stopping the final weights are the last epoch's, whose validation loss and
  // accuracy the trainer reported; the loaded model must reproduce them.
  for (const char* file : {"iris.csv", "breast_cancer.csv"}) {
    TabularProblem p = *LoadClassification(file);
    FakeHooks hooks;
    Result<ModelFiles> files = TrainMlp(
        p, {{"epochs", 6}, {"early_stopping_patience", 0}, {"batch_norm", true}}, 2, {}, hooks);
    ASSERT_TRUE(files.ok()) << files.status().ToString();
    auto model = Load(*files);
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    std::vector<float> probs = PredictSplit(**model, p.val);
    const size_t k = p.num_classes();
    ASSERT_EQ(probs.size(), p.val.rows() * k);
    double loss = 0;
    for (size_t i = 0; i < p.val.rows(); ++i) {
      double row_sum = 0;
      for (size_t j = 0; j < k; ++j) row_sum += probs[i * k + j];
      EXPECT_NEAR(row_sum, 1.0, 1e-5);
      loss -= std::log(probs[i * k + static_cast<size_t>(p.val.y[i])]);
    }
    loss /= static_cast<double>(p.val.rows());
    EXPECT_NEAR(loss, hooks.epochs.back().val_loss, 1e-4) << file;
    EXPECT_DOUBLE_EQ(Accuracy(**model, p.val), hooks.epochs.back().val_metric) << file;
  }
}

TEST(LoadTest, EarlyStoppingKeepsTheBestEpoch) {
  TabularProblem p = *LoadClassification("breast_cancer.csv");
  FakeHooks hooks;
  // A large constant learning rate overfits quickly, so the validation loss turns upwards.
  Result<ModelFiles> files = TrainMlp(p,
                                      {{"epochs", 200},
                                       {"learning_rate", 0.01},
                                       {"schedule", "constant"},
                                       {"early_stopping_patience", 3}},
                                      1, {}, hooks);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  ASSERT_LT(hooks.epochs.size(), 200u);
  double best = INFINITY;
  for (const EpochMetrics& m : hooks.epochs) best = std::min(best, m.val_loss);
  EXPECT_EQ(hooks.epochs.back().val_loss > best, true);
  auto model = Load(*files);
  ASSERT_TRUE(model.ok());
  std::vector<float> probs = PredictSplit(**model, p.val);
  double loss = 0;
  for (size_t i = 0; i < p.val.rows(); ++i) {
    loss -= std::log(probs[i * 2 + static_cast<size_t>(p.val.y[i])]);
  }
  EXPECT_NEAR(loss / static_cast<double>(p.val.rows()), best, 1e-4);
  Result<Json> model_json = ParseJson(files->at("model.json"));
  EXPECT_LT((*model_json)["best_epoch"].get<int64_t>(),
            (*model_json)["epochs_trained"].get<int64_t>());
}

TEST(LoadTest, BinaryHasTwoColumnsAndChecksInput) {
  TabularProblem p = *LoadClassification("breast_cancer.csv");
  ASSERT_EQ(p.task, Task::kBinary);
  FakeHooks hooks;
  Result<ModelFiles> files = TrainLinear(p, {{"epochs", 3}}, 1, {}, hooks);
  ASSERT_TRUE(files.ok());
  auto model = Load(*files);
  ASSERT_TRUE(model.ok());
  EXPECT_EQ((*model)->num_outputs(), 2u);
  data::transforms::FeatureMatrix wrong{1, 3, {1, 2, 3}};
  EXPECT_EQ((*model)->Predict(wrong).status().code(), StatusCode::kInvalidArgument);
  data::transforms::FeatureMatrix empty{0, 30, {}};
  EXPECT_TRUE((*model)->Predict(empty).ok());

  ModelFiles missing = *files;
  missing.erase("weights.safetensors");
  EXPECT_EQ(Load(missing).status().code(), StatusCode::kInvalidArgument);
  ModelFiles damaged = *files;
  damaged["weights.safetensors"].resize(40);
  EXPECT_EQ(Load(damaged).status().code(), StatusCode::kInvalidArgument);
  ModelFiles bad_json = *files;
  bad_json["model.json"] = "{";
  EXPECT_EQ(Load(bad_json).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace easel::train::torch_tabular
