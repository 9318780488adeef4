// End-to-end tests of the image_classifier trainer through its public API, on sklearn's digits
// (real data from python3-sklearn) written as PNG files.

#include "train/trainers/torch_image/image_classifier.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "common/files.h"
#include "data/transforms/pipeline.h"
#include "testing/temp_dir.h"
#include "train/trainers/torch_image/test_support.h"

namespace easel::train::torch_image {
namespace {

using testing::FakeHooks;

// Small and quick: width 0.25, 32 px (CIFAR stem).
Json TinyParams(Json extra = Json::object()) {
  Json p{{"arch", "resnet18"}, {"width", 0.25},    {"input_size", 32}, {"grayscale", true},
         {"epochs", 2},        {"batch_size", 16}, {"workers", 2},     {"learning_rate", 3e-3}};
  for (auto it = extra.begin(); it != extra.end(); ++it) p[it.key()] = it.value();
  return p;
}

// One intra-op thread: OpenMP's spinning barriers make 2 threads several times slower when the
// 2 cores are shared with other work (measured 10 vs 58 samples/s), which would make the test
// time depend on the neighbours. The determinism test runs with 2 threads on purpose.
const Resources kCpu{.device = "cpu", .threads = 1};
const Resources kTwoThreads{.device = "cpu", .threads = 2};

class ImageClassifierTest : public ::testing::Test {
 protected:
  // One small problem and one model trained on it (1 epoch), shared by the tests.
  static void SetUpTestSuite() {
    dir_ = new easel::testing::TempDir();
    small_ = new ImageProblem(testing::SmallDigitsProblem(dir_->path(), 64, 16, 16));
    FakeHooks hooks;
    Result<ModelFiles> files = TrainSmall(hooks, TinyParams({{"epochs", 1}}));
    ASSERT_TRUE(files.ok()) << files.status().ToString();
    base_model_ = new ModelFiles(std::move(files).value());
  }
  void SetUp() override { ASSERT_NE(base_model_, nullptr) << "the shared model did not train"; }
  static void TearDownTestSuite() {
    delete base_model_;
    delete small_;
    delete dir_;
  }

  static Result<ModelFiles> TrainSmall(FakeHooks& hooks, Json params = TinyParams(),
                                       uint64_t seed = 1, const Resources& resources = kCpu) {
    return Train(*small_, params, seed, resources, hooks);
  }

  static easel::testing::TempDir* dir_;
  static ImageProblem* small_;
  static ModelFiles* base_model_;
};
easel::testing::TempDir* ImageClassifierTest::dir_ = nullptr;
ImageProblem* ImageClassifierTest::small_ = nullptr;
ModelFiles* ImageClassifierTest::base_model_ = nullptr;

double Accuracy(const ImagePredictor& predictor, const std::vector<ImageItem>& items) {
  std::vector<std::string> bytes;
  for (const ImageItem& item : items) bytes.push_back(ReadFile(item.path).value());
  std::vector<std::string_view> views(bytes.begin(), bytes.end());
  Result<std::vector<float>> probs = predictor.Predict(views);
  EXPECT_TRUE(probs.ok()) << probs.status().ToString();
  if (!probs.ok()) return 0;
  const size_t k = predictor.num_classes();
  size_t hits = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    const float* row = probs->data() + i * k;
    size_t best = std::max_element(row, row + k) - row;
    hits += static_cast<int>(best) == items[i].label;
  }
  return static_cast<double>(hits) / items.size();
}

// The floor comes from the same network, data and recipe in PyTorch (python3-torch 1.13, same
// LibTorch underneath): `bench/image_classifier_reference.py digits --epochs 3 --train-limit 500
// --batch 16 --lr 3e-3 --threads 1 --seeds 1 2 3 4 5` reached test accuracies 0.956, 0.958,
// 0.956, 0.956, 0.964 (min 0.956); this test's recipe gave 0.967, 0.967, 0.958, 0.950, 0.972
// over the same seeds. Kept small (500 training images, 3 epochs) so it stays quick on 2 cores.
TEST(DigitsTest, ReachesTheAccuracyOfTheSameNetworkInPyTorch) {
  easel::testing::TempDir dir;
  ImageProblem problem = testing::SmallDigitsProblem(dir.path(), 500, 60, 360);
  ASSERT_EQ(problem.train.size(), 500u);
  ASSERT_EQ(problem.test.size(), 360u);
  FakeHooks hooks;
  auto start = std::chrono::steady_clock::now();
  Result<ModelFiles> files = Train(
      problem,
      TinyParams({{"epochs", 3}, {"batch_size", 16}, {"learning_rate", 3e-3}, {"augment", false}}),
      1, kCpu, hooks);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(hooks.epochs.size(), 3u);
  for (const EpochMetrics& m : hooks.epochs) {
    EXPECT_GT(m.samples_per_s, 0);
    EXPECT_FALSE(std::isnan(m.val_loss));
    EXPECT_GT(m.learning_rate, 0);
  }
  EXPECT_LT(hooks.epochs.back().train_loss, hooks.epochs.front().train_loss);
  EXPECT_TRUE(hooks.Logged("samples/s"));

  Result<std::unique_ptr<ImagePredictor>> predictor = Load(*files, kCpu);
  ASSERT_TRUE(predictor.ok()) << predictor.status().ToString();
  EXPECT_EQ((*predictor)->num_classes(), 10u);
  double accuracy = Accuracy(**predictor, problem.test);
  std::printf("digits: test accuracy %.4f (validation %.4f), trained in %.1f s (%.0f samples/s)\n",
              accuracy, hooks.epochs.back().val_metric, seconds, hooks.epochs.back().samples_per_s);
  EXPECT_GE(accuracy, 0.93);

  Json model = ParseJson(files->at("model.json")).value();
  EXPECT_EQ(model["format"], "torch_image");
  EXPECT_EQ(model["arch"], "resnet18");
  EXPECT_EQ(model["channels"], 1);
  EXPECT_EQ(model["input_size"], 32);
  EXPECT_EQ(model["stem"], "cifar");
  EXPECT_EQ(model["classes"].size(), 10u);
  EXPECT_EQ(model["pipeline"]["dataset_type"], "image_classification");
}

TEST_F(ImageClassifierTest, SameSeedGivesIdenticalWeightsWithTwoWorkers) {
  // Augmentation, label smoothing, 2 decode workers and 2 intra-op threads: every source of
  // randomness or scheduling the trainer has.
  // 32 images: two OpenMP threads are slow when the cores are shared (see kCpu).
  Json params = TinyParams({{"augment", true}, {"label_smoothing", 0.1}, {"workers", 2}});
  ImageProblem problem = *small_;
  problem.train.resize(32);
  FakeHooks a, b;
  Result<ModelFiles> first = Train(problem, params, 1, kTwoThreads, a);
  Result<ModelFiles> second = Train(problem, params, 1, kTwoThreads, b);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_TRUE(first->at("weights.safetensors") == second->at("weights.safetensors"));
  EXPECT_EQ(first->at("model.json"), second->at("model.json"));
  ASSERT_EQ(a.epochs.size(), 2u);
  EXPECT_EQ(a.epochs[1].train_loss, b.epochs[1].train_loss);
}

TEST_F(ImageClassifierTest, ResumedRunEqualsUninterruptedRun) {
  // SGD with momentum and a step schedule: optimizer state and the epoch's learning rate must
  // both survive the interruption. Early stopping keeps its best weights across it too.
  Json params = TinyParams({{"epochs", 2},
                            {"optimizer", "sgd"},
                            {"learning_rate", 0.05},
                            {"schedule", "step"},
                            {"step_size", 1},
                            {"gamma", 0.5},
                            {"augment", true},
                            {"early_stopping_patience", 2}});
  FakeHooks straight;
  Result<ModelFiles> expected = TrainSmall(straight, params);
  ASSERT_TRUE(expected.ok()) << expected.status().ToString();

  FakeHooks interrupted;
  interrupted.cancel_after_epochs = 1;  // cancel a few batches into the second epoch
  interrupted.cancel_after_checks = 3;
  Result<ModelFiles> cancelled = TrainSmall(interrupted, params);
  ASSERT_EQ(cancelled.status().code(), StatusCode::kCancelled) << cancelled.status().ToString();
  ASSERT_EQ(interrupted.epochs.size(), 1u);
  ASSERT_TRUE(interrupted.checkpoint.has_value());

  interrupted.cancel_after_epochs = -1;
  Result<ModelFiles> resumed = TrainSmall(interrupted, params);
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  EXPECT_TRUE(interrupted.Logged("resumed after epoch 1 of 2"));
  ASSERT_EQ(interrupted.epochs.size(), 2u);
  for (size_t e = 0; e < 2; ++e) {
    EXPECT_EQ(interrupted.epochs[e].train_loss, straight.epochs[e].train_loss) << e;
    EXPECT_EQ(interrupted.epochs[e].val_loss, straight.epochs[e].val_loss) << e;
  }
  EXPECT_TRUE(resumed->at("weights.safetensors") == expected->at("weights.safetensors"));

  // A checkpoint of other parameters is refused instead of silently mixing two runs.
  Result<ModelFiles> changed = TrainSmall(interrupted, TinyParams({{"epochs", 3}}));
  EXPECT_EQ(changed.status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(ImageClassifierTest, CancelStopsWithinABatch) {
  FakeHooks hooks;
  hooks.cancel_after_epochs = 0;
  auto start = std::chrono::steady_clock::now();
  Result<ModelFiles> r = TrainSmall(hooks, TinyParams({{"epochs", 50}}));
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r.status().code(), StatusCode::kCancelled);
  EXPECT_TRUE(hooks.epochs.empty());
  EXPECT_LT(seconds, 5.0);
}

TEST_F(ImageClassifierTest, EarlyStoppingRestoresTheBestEpoch) {
  // Validation labels shifted by one: the better the model learns the digits, the higher the
  // validation loss, so it stops improving after the first epoch.
  ImageProblem shifted = *small_;
  shifted.val = shifted.train;
  for (ImageItem& item : shifted.val) item.label = (item.label + 1) % 10;
  FakeHooks hooks;
  Result<ModelFiles> r =
      Train(shifted, TinyParams({{"epochs", 4}, {"early_stopping_patience", 1}, {"batch_size", 4}}),
            1, kCpu, hooks);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(hooks.epochs.size(), 2u);
  EXPECT_GE(hooks.epochs[1].val_loss, hooks.epochs[0].val_loss);
  EXPECT_TRUE(hooks.Logged("early stopping after epoch 2"));
  EXPECT_TRUE(hooks.Logged("restored the weights of epoch 1"));
  // The restored weights are epoch 1's: they give its validation accuracy.
  Result<std::unique_ptr<ImagePredictor>> p = Load(*r, kCpu);
  ASSERT_TRUE(p.ok());
  EXPECT_DOUBLE_EQ(Accuracy(**p, shifted.val), hooks.epochs[0].val_metric);
}

TEST_F(ImageClassifierTest, FineTunesFromWeightsWithAnotherClassCount) {
  const std::string& weights = base_model_->at("weights.safetensors");

  ImageProblem three = *small_;  // digits mod 3
  three.classes = {"0 mod 3", "1 mod 3", "2 mod 3"};
  for (auto* split : {&three.train, &three.val, &three.test}) {
    for (ImageItem& item : *split) item.label %= 3;
  }
  FakeHooks hooks;
  Result<ModelFiles> tuned =
      Train(three, TinyParams({{"epochs", 1}}), 1, kCpu, hooks, std::string_view(weights));
  ASSERT_TRUE(tuned.ok()) << tuned.status().ToString();
  EXPECT_TRUE(hooks.Logged("head fc.bias, fc.weight skipped"));
  Result<std::unique_ptr<ImagePredictor>> p = Load(*tuned, kCpu);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)->num_classes(), 3u);

  // Weights of another width do not fit: a clear error, not a silently random body.
  FakeHooks wide_hooks;
  Result<ModelFiles> wide = Train(three, TinyParams({{"epochs", 1}, {"width", 0.5}}), 1, kCpu,
                                  wide_hooks, std::string_view(weights));
  EXPECT_EQ(wide.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(wide.status().message().find("conv1.weight"), std::string::npos)
      << wide.status().ToString();
}

TEST_F(ImageClassifierTest, BadInputs) {
  FakeHooks hooks;
  ImageProblem junk = *small_;
  std::filesystem::path path = dir_->path() / "not-an-image.png";
  std::ofstream(path) << "plain text";
  junk.train[5] = ImageItem{.sample_id = "bad-sample", .path = path.string(), .label = 3};
  Result<ModelFiles> r = Train(junk, TinyParams(), 1, kCpu, hooks);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("sample 'bad-sample'"), std::string::npos)
      << r.status().ToString();

  ImageProblem empty = *small_;
  empty.train.clear();
  EXPECT_EQ(Train(empty, TinyParams(), 1, kCpu, hooks).status().code(),
            StatusCode::kInvalidArgument);

  ImageProblem bad_label = *small_;
  bad_label.train[0].label = 10;
  EXPECT_EQ(Train(bad_label, TinyParams(), 1, kCpu, hooks).status().code(),
            StatusCode::kInvalidArgument);

  r = Train(*small_, TinyParams({{"arch", "alexnet"}}), 1, kCpu, hooks);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("arch"), std::string::npos);

  r = Train(*small_, TinyParams(), 1, Resources{.device = "cuda"}, hooks);
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition) << r.status().ToString();
  EXPECT_TRUE(hooks.epochs.empty());
}

TEST_F(ImageClassifierTest, PredictorIsThreadSafeAndNamesBadImages) {
  const ModelFiles* files = base_model_;
  Result<std::unique_ptr<ImagePredictor>> loaded = Load(*files);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const ImagePredictor& predictor = **loaded;

  std::vector<std::string> bytes;
  for (const ImageItem& item : small_->test) bytes.push_back(ReadFile(item.path).value());
  std::vector<std::string_view> views(bytes.begin(), bytes.end());
  std::vector<float> expected = predictor.Predict(views).value();
  ASSERT_EQ(expected.size(), views.size() * 10);
  for (size_t i = 0; i < views.size(); ++i) {
    float sum = 0;
    for (size_t k = 0; k < 10; ++k) sum += expected[i * 10 + k];
    EXPECT_NEAR(sum, 1.0f, 1e-4);
  }
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int r = 0; r < 3; ++r) {
        Result<std::vector<float>> got = predictor.Predict(views);
        if (!got.ok() || *got != expected) ++mismatches;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);

  std::vector<std::string_view> with_junk = {views[0], "GIF89a? no", views[1]};
  Result<std::vector<float>> bad = predictor.Predict(with_junk);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("image 1"), std::string::npos);

  ModelFiles missing = *files;
  missing.erase("weights.safetensors");
  EXPECT_EQ(Load(missing).status().code(), StatusCode::kInvalidArgument);
  ModelFiles damaged = *files;
  damaged["weights.safetensors"] = "junk";
  EXPECT_EQ(Load(damaged).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Load(*files, Resources{.device = "cuda"}).status().code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(ImageClassifierTest, PreparedImagesPredictAsTheirEncodedFiles) {
  Result<std::unique_ptr<ImagePredictor>> loaded = Load(*base_model_);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const ImagePredictor& predictor = **loaded;
  const std::optional<ImagePredictor::InputShape> shape = predictor.input_shape();
  ASSERT_TRUE(shape.has_value());
  auto pipeline = data::transforms::Pipeline::FromJson(
      ParseJson(base_model_->at("model.json")).value().at("pipeline"));
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  // The preparation is the stored pipeline: what lets an ensemble share prepared input.
  EXPECT_EQ(predictor.preparation(), DumpJson(pipeline->ToJson()));

  // More images than one forward pass takes, so the chunks line up too.
  std::vector<std::string> bytes;
  for (size_t i = 0; bytes.size() < 40; ++i) {
    bytes.push_back(ReadFile(small_->train[i % small_->train.size()].path).value());
  }
  std::vector<float> prepared;
  for (const std::string& b : bytes) {
    auto t = pipeline->TransformImage(b);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    EXPECT_EQ(t->channels, shape->channels);
    EXPECT_EQ(t->height, shape->height);
    EXPECT_EQ(t->width, shape->width);
    prepared.insert(prepared.end(), t->data.begin(), t->data.end());
  }
  std::vector<std::string_view> views(bytes.begin(), bytes.end());
  const std::vector<float> expected = predictor.Predict(views).value();
  Result<std::vector<float>> got = predictor.PredictPrepared(prepared, bytes.size());
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, expected);

  prepared.pop_back();
  EXPECT_EQ(predictor.PredictPrepared(prepared, bytes.size()).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(ImageClassifierTest, MobileNetOnTheImageNetStemWithRgbAugmentation) {
  // 64 px: the ImageNet stem and the random_resized_crop pipeline; RGB decoding of gray PNGs;
  // MobileNetV2's dropout draws from the per-epoch seed.
  ImageProblem problem = *small_;
  problem.train.resize(24);
  FakeHooks hooks;
  Result<ModelFiles> files = Train(problem,
                                   TinyParams({{"arch", "mobilenet_v2"},
                                               {"input_size", 64},
                                               {"grayscale", false},
                                               {"augment", true},
                                               {"epochs", 1},
                                               {"batch_size", 8}}),
                                   1, kCpu, hooks);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  Json model = ParseJson(files->at("model.json")).value();
  EXPECT_EQ(model["stem"], "imagenet");
  EXPECT_EQ(model["channels"], 3);
  EXPECT_EQ(model["pipeline"]["spec"]["steps"][1]["op"], "random_resized_crop");
  Result<std::unique_ptr<ImagePredictor>> p = Load(*files, kCpu);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  double accuracy = Accuracy(**p, problem.test);
  EXPECT_GE(accuracy, 0.0);
}

TEST(ParamsSchemaTest, IsThePublicSchema) {
  Json schema = ParamsSchema();
  EXPECT_EQ(schema["properties"]["arch"]["default"], "resnet18");
  EXPECT_FALSE(schema["properties"].contains("initial_weights"));
}

}  // namespace
}  // namespace easel::train::torch_image
