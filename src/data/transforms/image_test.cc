// Image steps on small synthetic images made with OpenCV.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <set>

#include "data/transforms/test_util.h"

namespace easel::data::transforms {
namespace {

using ::testing::HasSubstr;
using testing::Spec;

constexpr auto kImages = DatasetType::kImageClassification;

// A 4 x 6 RGB image whose pixel (y, x) is (R, G, B) = (10y + x, 100 + 10y + x, 200 + x).
cv::Mat RgbImage() {
  cv::Mat rgb(4, 6, CV_8UC3);
  for (int y = 0; y < 4; ++y) {
    for (int x = 0; x < 6; ++x) {
      rgb.at<cv::Vec3b>(y, x) = cv::Vec3b(10 * y + x, 100 + 10 * y + x, 200 + x);
    }
  }
  return rgb;
}

// PNG bytes (lossless) of an RGB image.
std::string Png(const cv::Mat& rgb) {
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  std::vector<uchar> bytes;
  EXPECT_TRUE(cv::imencode(".png", bgr, bytes));
  return std::string(bytes.begin(), bytes.end());
}

Pipeline Make(std::string_view spec, DatasetType type = kImages) {
  Result<Pipeline> p = Pipeline::Create(Spec(spec), type, {});
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  if (!p.ok()) std::abort();
  return std::move(*p);
}

ImageTensor Apply(const Pipeline& p, const std::string& bytes, TransformOptions options = {}) {
  Result<ImageTensor> t = p.TransformImage(bytes, options);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return t.ok() ? std::move(*t) : ImageTensor{};
}

TEST(ImageTest, DecodesToRgbChwScaledTo01) {
  Pipeline p = Make(R"({"steps": []})");
  EXPECT_TRUE(p.fitted());
  EXPECT_EQ(p.image_channels(), 3);
  ImageTensor t = Apply(p, Png(RgbImage()));
  ASSERT_EQ(t.channels, 3);
  ASSERT_EQ(t.height, 4);
  ASSERT_EQ(t.width, 6);
  ASSERT_EQ(t.data.size(), 72u);
  EXPECT_EQ(t.at(0, 2, 3), 23.0f / 255.0f);   // R
  EXPECT_EQ(t.at(1, 2, 3), 123.0f / 255.0f);  // G
  EXPECT_EQ(t.at(2, 2, 3), 203.0f / 255.0f);  // B
  Pipeline raw = Make(R"({"steps": [{"op": "to_tensor", "scale": false}]})");
  EXPECT_EQ(Apply(raw, Png(RgbImage())).at(0, 3, 5), 35.0f);
}

TEST(ImageTest, GrayscaleMode) {
  Pipeline p = Make(R"({"steps": [{"op": "decode", "mode": "grayscale"},
                                  {"op": "to_tensor", "scale": false}]})");
  EXPECT_EQ(p.image_channels(), 1);
  ImageTensor t = Apply(p, Png(RgbImage()));
  ASSERT_EQ(t.channels, 1);
  // OpenCV's luma: 0.299 R + 0.587 G + 0.114 B, rounded.
  float expected = std::round(0.299f * 23 + 0.587f * 123 + 0.114f * 203);
  EXPECT_NEAR(t.at(0, 2, 3), expected, 1.0f);
}

TEST(ImageTest, HorizontalFlipAlwaysWithPOne) {
  Pipeline p = Make(R"({"steps": [{"op": "horizontal_flip", "p": 1},
                                  {"op": "to_tensor", "scale": false}]})");
  ImageTensor t = Apply(p, Png(RgbImage()));
  for (int y = 0; y < 4; ++y) {
    for (int x = 0; x < 6; ++x) EXPECT_EQ(t.at(0, y, x), 10 * y + (5 - x));
  }
  Pipeline v = Make(R"({"steps": [{"op": "vertical_flip", "p": 1},
                                  {"op": "to_tensor", "scale": false}]})");
  EXPECT_EQ(Apply(v, Png(RgbImage())).at(0, 0, 2), 32.0f);
}

TEST(ImageTest, CenterCropTakesTheMiddleAndPadsWhenLarger) {
  Pipeline p = Make(R"({"steps": [{"op": "center_crop", "height": 2, "width": 2},
                                  {"op": "to_tensor", "scale": false}]})");
  ImageTensor t = Apply(p, Png(RgbImage()));
  ASSERT_EQ(t.height, 2);
  ASSERT_EQ(t.width, 2);
  // top = round((4 - 2) / 2) = 1, left = round((6 - 2) / 2) = 2.
  EXPECT_EQ(t.at(0, 0, 0), 12.0f);
  EXPECT_EQ(t.at(0, 1, 1), 23.0f);
  Pipeline big = Make(R"({"steps": [{"op": "center_crop", "size": 6},
                                    {"op": "to_tensor", "scale": false}]})");
  ImageTensor b = Apply(big, Png(RgbImage()));
  ASSERT_EQ(b.height, 6);
  EXPECT_EQ(b.at(0, 0, 0), 0.0f);   // padding row
  EXPECT_EQ(b.at(0, 1, 0), 0.0f);   // original (0, 0)
  EXPECT_EQ(b.at(0, 2, 1), 11.0f);  // original (1, 1)
  EXPECT_EQ(b.at(1, 5, 5), 0.0f);   // padding row
}

TEST(ImageTest, NormalizeUsesTorchvisionArithmetic) {
  Pipeline p = Make(R"({"steps": [{"op": "normalize", "mean": [0.485, 0.456, 0.406],
                                                     "std": [0.229, 0.224, 0.225]}]})");
  ImageTensor t = Apply(p, Png(RgbImage()));
  EXPECT_EQ(t.at(0, 1, 1), (11.0f / 255.0f - 0.485f) / 0.229f);
  EXPECT_EQ(t.at(1, 1, 1), (111.0f / 255.0f - 0.456f) / 0.224f);
  EXPECT_EQ(t.at(2, 1, 1), (201.0f / 255.0f - 0.406f) / 0.225f);
  Pipeline one = Make(R"({"steps": [{"op": "normalize", "mean": [0.5], "std": [0.5]}]})");
  EXPECT_EQ(Apply(one, Png(RgbImage())).at(2, 0, 0), (200.0f / 255.0f - 0.5f) / 0.5f);
}

TEST(ImageTest, ResizeShorterSideOrExact) {
  Pipeline shorter = Make(R"({"steps": [{"op": "resize", "size": 8}]})");
  ImageTensor t = Apply(shorter, Png(RgbImage()));
  EXPECT_EQ(t.height, 8);
  EXPECT_EQ(t.width, 12);
  Pipeline exact = Make(R"({"steps": [{"op": "resize", "height": 3, "width": 5,
                                       "interpolation": "area"}]})");
  t = Apply(exact, Png(RgbImage()));
  EXPECT_EQ(t.height, 3);
  EXPECT_EQ(t.width, 5);
  // A uniform image stays uniform whatever the interpolation.
  cv::Mat flat(5, 7, CV_8UC3, cv::Scalar(40, 80, 120));
  t = Apply(Make(R"({"steps": [{"op": "resize", "size": 3, "interpolation": "cubic"},
                             {"op": "to_tensor", "scale": false}]})"),
            Png(flat));
  EXPECT_EQ(t.height, 3);
  EXPECT_EQ(t.width, 4);  // int(3 * 7 / 5)
  EXPECT_EQ(t.at(2, 1, 2), 120.0f);
}

const char* kAugmented = R"({"steps": [
    {"op": "random_resized_crop", "size": 4, "scale": [0.3, 1.0]},
    {"op": "horizontal_flip"},
    {"op": "rotation", "degrees": 30},
    {"op": "color_jitter", "brightness": 0.4, "contrast": 0.4, "saturation": 0.4},
    {"op": "normalize", "mean": [0.5], "std": [0.25]}]})";

cv::Mat Noise(int h, int w, int seed) {
  cv::Mat m(h, w, CV_8UC3);
  cv::RNG rng(seed);
  rng.fill(m, cv::RNG::UNIFORM, 0, 256);
  return m;
}

TEST(AugmentationTest, SameSeedSameTensorDifferentSeedsDiffer) {
  Pipeline p = Make(kAugmented);
  std::string png = Png(Noise(24, 32, 1));
  TransformOptions training{Mode::kTraining, AugmentationSeed(42, 0, "sample-1")};
  ImageTensor a = Apply(p, png, training);
  ImageTensor b = Apply(p, png, training);
  EXPECT_EQ(a.height, 4);
  EXPECT_EQ(a.width, 4);
  EXPECT_EQ(a.data, b.data);
  // A second pipeline from the same spec gives the same draws: nothing is process-global.
  EXPECT_EQ(Apply(Make(kAugmented), png, training).data, a.data);
  int different = 0;
  for (uint64_t epoch = 1; epoch <= 5; ++epoch) {
    TransformOptions other{Mode::kTraining, AugmentationSeed(42, epoch, "sample-1")};
    ImageTensor c = Apply(p, png, other);
    EXPECT_EQ(c.data.size(), a.data.size());
    if (c.data != a.data) ++different;
  }
  EXPECT_EQ(different, 5);
}

TEST(AugmentationTest, InferenceModeIsDeterministicAndSkipsRandomSteps) {
  std::string png = Png(Noise(24, 32, 2));
  Pipeline p = Make(kAugmented);
  ImageTensor a = Apply(p, png);
  ImageTensor b = Apply(p, png, {Mode::kInference, 12345});
  EXPECT_EQ(a.data, b.data);
  // Equals the deterministic pipeline: resize to cover (shorter side 4), centre crop.
  Pipeline eval = Make(R"({"steps": [
      {"op": "resize", "height": 4, "width": 5}, {"op": "center_crop", "size": 4},
      {"op": "normalize", "mean": [0.5], "std": [0.25]}]})");
  EXPECT_EQ(a.data, Apply(eval, png).data);

  Pipeline crop = Make(R"({"steps": [{"op": "random_crop", "size": 8, "padding": 2}]})");
  Pipeline centre = Make(R"({"steps": [{"op": "center_crop", "size": 8}]})");
  EXPECT_EQ(Apply(crop, png).data, Apply(centre, png).data);
  ImageTensor random = Apply(crop, png, {Mode::kTraining, 7});
  EXPECT_EQ(random.height, 8);
  EXPECT_EQ(random.width, 8);
}

TEST(AugmentationTest, RandomCropPicksAWindowOfTheImage) {
  cv::Mat image = RgbImage();
  Pipeline crop = Make(R"({"steps": [{"op": "random_crop", "height": 2, "width": 3},
                                     {"op": "to_tensor", "scale": false}]})");
  std::set<std::pair<int, int>> corners;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    ImageTensor t = Apply(crop, Png(image), {Mode::kTraining, seed});
    int v = static_cast<int>(t.at(0, 0, 0));  // 10y + x of the window's corner
    int y = v / 10, x = v % 10;
    corners.insert({y, x});
    EXPECT_EQ(t.at(0, 1, 2), 10 * (y + 1) + x + 2);
  }
  EXPECT_EQ(corners.size(), 12u);  // every position of a 2 x 3 window in 4 x 6
}

TEST(AugmentationTest, ColorJitterScalesEveryPixelByOneFactor) {
  cv::Mat image(2, 2, CV_8UC3, cv::Scalar(50, 100, 150));
  image.at<cv::Vec3b>(1, 1) = cv::Vec3b(20, 40, 60);
  Pipeline p = Make(R"({"steps": [{"op": "color_jitter", "brightness": 0.4},
                                  {"op": "to_tensor", "scale": false}]})");
  std::set<float> factors;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    ImageTensor t = Apply(p, Png(image), {Mode::kTraining, seed});
    float f = t.at(2, 0, 0) / 150.0f;  // the brightness factor, up to rounding
    EXPECT_GE(f, 0.6f - 0.01f);
    EXPECT_LE(f, 1.4f + 0.01f);
    EXPECT_NEAR(t.at(0, 0, 0), std::min(255.0f, std::round(50 * f)), 1.0f);
    EXPECT_NEAR(t.at(1, 1, 1), std::min(255.0f, std::round(40 * f)), 1.0f);
    factors.insert(f);
  }
  EXPECT_GT(factors.size(), 10u);
  // Inference: untouched.
  EXPECT_EQ(Apply(p, Png(image)).at(2, 0, 0), 150.0f);
}

TEST(AugmentationTest, RotationByZeroDegreesIsTheIdentity) {
  Pipeline p = Make(R"({"steps": [{"op": "rotation", "degrees": 0}]})");
  Pipeline none = Make(R"({"steps": []})");
  std::string png = Png(RgbImage());
  EXPECT_EQ(Apply(p, png, {Mode::kTraining, 3}).data, Apply(none, png).data);
  // A wide range moves pixels; corners fill with `fill`.
  Pipeline wide = Make(R"({"steps": [{"op": "rotation", "degrees": 180, "fill": 7},
                                     {"op": "to_tensor", "scale": false}]})");
  cv::Mat white(9, 9, CV_8UC3, cv::Scalar(255, 255, 255));
  int filled = 0;
  for (uint64_t seed = 0; seed < 10; ++seed) {
    ImageTensor t = Apply(wide, Png(white), {Mode::kTraining, seed});
    EXPECT_EQ(t.at(0, 4, 4), 255.0f);  // the centre stays
    if (t.at(0, 0, 0) == 7.0f) ++filled;
  }
  EXPECT_GT(filled, 0);
}

TEST(ImageTest, PixelViewsGiveTheSameTensorAsEncodedBytes) {
  Pipeline p = Make(R"({"steps": [{"op": "resize", "size": 3},
                                  {"op": "normalize", "mean": [0.1, 0.2, 0.3], "std": [0.5]}]})");
  cv::Mat rgb = RgbImage();
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  ImageView view{bgr.cols, bgr.rows, PixelFormat::kBgr, bgr.data, bgr.step};
  cv::Mat before = bgr.clone();
  Result<ImageTensor> from_view = p.TransformImage(view);
  ASSERT_TRUE(from_view.ok()) << from_view.status().ToString();
  EXPECT_EQ(from_view->data, Apply(p, Png(rgb)).data);
  EXPECT_EQ(cv::norm(before, bgr, cv::NORM_INF), 0);  // the caller's pixels are untouched
  ImageView rgb_view{rgb.cols, rgb.rows, PixelFormat::kRgb, rgb.data, 0};
  EXPECT_EQ(p.TransformImage(rgb_view)->data, from_view->data);
  ImageView bad{0, 4, PixelFormat::kRgb, rgb.data, 0};
  EXPECT_EQ(p.TransformImage(bad).status().code(), StatusCode::kInvalidArgument);
}

TEST(ImageTest, UndecodableBytesAreInvalidArgument) {
  Pipeline p = Make(R"({"steps": []})");
  EXPECT_EQ(p.TransformImage(std::string("not an image")).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(p.TransformImage(std::string()).status().code(), StatusCode::kInvalidArgument);
  std::string truncated = Png(Noise(16, 16, 3)).substr(0, 40);
  EXPECT_EQ(p.TransformImage(truncated).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(p.Transform(Sample()).status().code(), StatusCode::kFailedPrecondition);
}

TEST(ImageSpecTest, OrderingChannelsAndSizes) {
  Result<Pipeline> p =
      Pipeline::Create(Spec(R"({"steps": [{"op": "normalize", "mean": [0.5], "std": [0.5]},
                         {"op": "resize", "size": 3}]})"),
                       kImages, {});
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(p.status().message(), HasSubstr("steps[1] (resize): pixel steps must come before"));
  p = Pipeline::Create(Spec(R"({"steps": [{"op": "decode", "mode": "grayscale"},
                                          {"op": "normalize", "mean": [0.5, 0.5, 0.5], "std": [1]}]})"),
                       kImages, {});
  EXPECT_THAT(p.status().message(), HasSubstr("needs 1 or 1 values"));
  p = Pipeline::Create(Spec(R"({"steps": [{"op": "center_crop", "height": 3}]})"), kImages, {});
  EXPECT_THAT(p.status().message(), HasSubstr("either 'size' or both 'height' and 'width'"));
  p = Pipeline::Create(Spec(R"({"steps": [{"op": "resize", "size": 3}, {"op": "decode"}]})"),
                       kImages, {});
  EXPECT_THAT(p.status().message(), HasSubstr("decode must be the first step"));
  p = Pipeline::Create(Spec(R"({"steps": [{"op": "horizontal_flip"}]})"),
                       DatasetType::kObjectDetection, {});
  EXPECT_THAT(p.status().message(), HasSubstr("does not apply to object_detection"));
  p = Pipeline::Create(Spec(R"({"steps": [{"op": "normalize", "mean": [0], "std": [0]}]})"),
                       kImages, {});
  EXPECT_THAT(p.status().message(), HasSubstr("'std' must be positive"));
}

TEST(ImageSpecTest, StoredImagePipelineRoundTrips) {
  Pipeline p = Make(kAugmented);
  Result<Pipeline> q = Pipeline::FromJson(*ParseJson(DumpJson(p.ToJson())));
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  std::string png = Png(Noise(20, 20, 4));
  EXPECT_EQ(Apply(p, png, {Mode::kTraining, 9}).data, Apply(*q, png, {Mode::kTraining, 9}).data);
  EXPECT_EQ(q->spec(), p.spec());
}

}  // namespace
}  // namespace easel::data::transforms
