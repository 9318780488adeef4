// Grad-CAM of the image_classifier predictor: it must point at the evidence. The data make the
// evidence unambiguous: "square" images hold one bright 8×8 square at a random place on a noisy
// background, "empty" images only the noise; the map for "square" should be hot where the square
// is.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <random>

#include "common/files.h"
#include "testing/temp_dir.h"
#include "train/trainers/torch_image/image_classifier.h"
#include "train/trainers/torch_image/test_support.h"

namespace easel::train::torch_image {
namespace {

constexpr int kSize = 32;
constexpr int kSquare = 8;

struct Drawn {
  ImageItem item;
  int x = -1, y = -1;  // top-left corner of the square; -1 for "empty"
};

Drawn Draw(const std::filesystem::path& dir, int i, bool square, std::mt19937& rng) {
  cv::Mat image(kSize, kSize, CV_8UC1);
  cv::randu(image, cv::Scalar(0), cv::Scalar(90));
  Drawn d;
  if (square) {
    std::uniform_int_distribution<int> at(0, kSize - kSquare);
    d.x = at(rng);
    d.y = at(rng);
    image(cv::Rect(d.x, d.y, kSquare, kSquare)).setTo(cv::Scalar(255));
  }
  std::filesystem::path path = dir / fmt::format("s{}.png", i);
  EXPECT_TRUE(cv::imwrite(path.string(), image));
  d.item = {.sample_id = fmt::format("s{}", i), .path = path.string(), .label = square ? 0 : 1};
  return d;
}

class GradCamTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new easel::testing::TempDir();
    std::mt19937 rng(7);
    ImageProblem problem;
    problem.classes = {"square", "empty"};
    for (int i = 0; i < 200; ++i)
      problem.train.push_back(Draw(dir_->path(), i, i % 2 == 0, rng).item);
    squares_ = new std::vector<Drawn>();
    for (int i = 200; i < 230; ++i) squares_->push_back(Draw(dir_->path(), i, true, rng));
    testing::FakeHooks hooks;
    Json params{{"arch", "resnet18"}, {"width", 0.25},        {"input_size", kSize},
                {"grayscale", true},  {"epochs", 3},          {"batch_size", 16},
                {"workers", 2},       {"learning_rate", 3e-3}};
    Result<ModelFiles> files =
        Train(problem, params, 1, Resources{.device = "cpu", .threads = 1}, hooks);
    ASSERT_TRUE(files.ok()) << files.status().ToString();
    Result<std::unique_ptr<ImagePredictor>> loaded = Load(*files);
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    model_ = loaded->release();
  }
  static void TearDownTestSuite() {
    delete model_;
    delete squares_;
    delete dir_;
  }
  void SetUp() override { ASSERT_NE(model_, nullptr) << "the model did not train"; }

  static easel::testing::TempDir* dir_;
  static std::vector<Drawn>* squares_;
  static ImagePredictor* model_;
};
easel::testing::TempDir* GradCamTest::dir_ = nullptr;
std::vector<Drawn>* GradCamTest::squares_ = nullptr;
ImagePredictor* GradCamTest::model_ = nullptr;

TEST_F(GradCamTest, TheMapIsHotWhereTheSquareIs) {
  int located = 0;
  for (const Drawn& d : *squares_) {
    std::string bytes = ReadFile(d.item.path).value();
    Result<ImagePredictor::ActivationMap> map = model_->GradCam(bytes, 0);
    ASSERT_TRUE(map.ok()) << map.status().ToString();
    // The CIFAR-stem ResNet's last feature map: 32 / 8 = 4 cells a side, 8 pixels per cell.
    ASSERT_EQ(map->height, 4);
    ASSERT_EQ(map->width, 4);
    ASSERT_EQ(map->values.size(), 16u);
    float peak = 0;
    int peak_cell = 0;
    for (int c = 0; c < 16; ++c) {
      ASSERT_GE(map->values[c], 0.0f);
      ASSERT_LE(map->values[c], 1.0f);
      if (map->values[c] > peak) peak = map->values[c], peak_cell = c;
    }
    ASSERT_FLOAT_EQ(peak, 1.0f) << "the map is scaled to a peak of 1";
    // The peak cell overlaps the square (a cell is 8 px; the square may straddle four cells).
    const int cx = peak_cell % 4 * 8, cy = peak_cell / 4 * 8;
    const bool overlaps = cx < d.x + kSquare && d.x < cx + 8 && cy < d.y + kSquare && d.y < cy + 8;
    located += overlaps;
  }
  EXPECT_GE(located, static_cast<int>(squares_->size() * 8 / 10))
      << "Grad-CAM peaked on the square in " << located << " of " << squares_->size();
}

TEST_F(GradCamTest, BadTargetsAndImagesAreInvalidArgument) {
  std::string bytes = ReadFile(squares_->front().item.path).value();
  EXPECT_EQ(model_->GradCam(bytes, 2).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(model_->GradCam(bytes, -1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(model_->GradCam("GIF89a? no", 0).status().code(), StatusCode::kInvalidArgument);
  // Predictions are unchanged by Grad-CAM (nothing was written into the shared network).
  std::vector<std::string_view> one = {bytes};
  std::vector<float> before = model_->Predict(one).value();
  ASSERT_TRUE(model_->GradCam(bytes, 1).ok());
  EXPECT_EQ(model_->Predict(one).value(), before);
}

}  // namespace
}  // namespace easel::train::torch_image
