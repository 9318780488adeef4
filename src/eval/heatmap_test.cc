#include "eval/heatmap.h"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <vector>

namespace easel::eval {
namespace {

std::string GrayPng(int cols, int rows) {
  cv::Mat image(rows, cols, CV_8UC1, cv::Scalar(128));
  std::vector<uchar> png;
  cv::imencode(".png", image, png);
  return std::string(png.begin(), png.end());
}

cv::Mat Decode(const std::string& png) {
  return cv::imdecode(
      cv::Mat(1, static_cast<int>(png.size()), CV_8UC1, const_cast<char*>(png.data())),
      cv::IMREAD_COLOR);
}

TEST(HeatmapTest, HotCellsAreRedAndColdCellsBlueAtTheImageAspect) {
  const std::vector<float> map = {1, 0,  //
                                  0, 0};
  Result<std::string> png = HeatmapPng(GrayPng(20, 10), 2, 2, map);
  ASSERT_TRUE(png.ok()) << png.status().ToString();
  cv::Mat picture = Decode(*png);
  ASSERT_FALSE(picture.empty());
  EXPECT_EQ(picture.cols, 160);
  EXPECT_EQ(picture.rows, 80);
  cv::Vec3b hot = picture.at<cv::Vec3b>(5, 5);      // BGR, inside the top-left cell
  cv::Vec3b cold = picture.at<cv::Vec3b>(75, 155);  // bottom-right cell
  EXPECT_GT(hot[2], hot[0] + 40);
  EXPECT_GT(cold[0], cold[2] + 40);
}

TEST(HeatmapTest, ClampsValuesOutsideTheUnitRange) {
  const std::vector<float> map = {-3, 7, std::numeric_limits<float>::quiet_NaN(), 0.5f};
  Result<std::string> png = HeatmapPng(GrayPng(8, 8), 2, 2, map, {.size = 16});
  ASSERT_TRUE(png.ok()) << png.status().ToString();
  EXPECT_EQ(Decode(*png).cols, 16);
}

TEST(HeatmapTest, BadInputsAreInvalidArgument) {
  const std::vector<float> four(4, 0.5f);
  EXPECT_EQ(HeatmapPng("not an image", 2, 2, four).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(HeatmapPng("", 2, 2, four).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(HeatmapPng(GrayPng(4, 4), 3, 2, four).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(HeatmapPng(GrayPng(4, 4), 0, 0, {}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(HeatmapPng(GrayPng(4, 4), 2, 2, four, {.opacity = 2}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(HeatmapPng(GrayPng(4, 4), 2, 2, four, {.size = 0}).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace easel::eval
