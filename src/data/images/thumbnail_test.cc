#include "data/images/thumbnail.h"

#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "data/images/test_support.h"

namespace easel::data {
namespace {

ImageHeader Probe(const std::string& bytes) {
  Result<ImageHeader> h = ProbeImageBytes(bytes);
  EXPECT_TRUE(h.ok()) << h.status().ToString();
  return h.ok() ? *h : ImageHeader{};
}

TEST(ThumbnailTest, FitsTheLongestSideAndNeverScalesUp) {
  Result<std::string> t = MakeThumbnail(testing::Jpeg(1600, 900), 256);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ImageHeader h = Probe(*t);
  EXPECT_EQ(h.format, ImageFormat::kJpeg);
  EXPECT_EQ(h.width, 256);
  EXPECT_EQ(h.height, 144);

  Result<std::string> small = MakeThumbnail(testing::Png(40, 20), 256);
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(Probe(*small).width, 40);

  Result<std::string> tall = MakeThumbnail(testing::Webp(30, 300), 100);
  ASSERT_TRUE(tall.ok());
  EXPECT_EQ(Probe(*tall).height, 100);
  EXPECT_EQ(Probe(*tall).width, 10);
}

TEST(ThumbnailTest, TransparencyAndGreyAndSixteenBit) {
  cv::Mat rgba(10, 10, CV_8UC4, cv::Scalar(0, 0, 0, 0));  // fully transparent black
  std::vector<unsigned char> png;
  ASSERT_TRUE(cv::imencode(".png", rgba, png));
  Result<std::string> t = MakeThumbnail(std::string(png.begin(), png.end()), 10);
  ASSERT_TRUE(t.ok());
  cv::Mat back = cv::imdecode(std::vector<unsigned char>(t->begin(), t->end()), cv::IMREAD_COLOR);
  EXPECT_GT(cv::mean(back)[0], 240);  // composited on white

  cv::Mat grey16(8, 8, CV_16UC1, cv::Scalar(40000));
  ASSERT_TRUE(cv::imencode(".png", grey16, png));
  EXPECT_TRUE(MakeThumbnail(std::string(png.begin(), png.end()), 4).ok());
}

TEST(ThumbnailTest, RefusesBeforeDecoding) {
  Result<std::string> bomb = MakeThumbnail(testing::PngHeaderOnly(100000, 100000), 128);
  ASSERT_FALSE(bomb.ok());
  EXPECT_EQ(bomb.status().message(),
            "image too large: 100000x100000 pixels exceeds the 90 MP limit");
  EXPECT_EQ(MakeThumbnail("plain text", 128).status().message(), "not an image");
  EXPECT_EQ(MakeThumbnail(testing::Png(10, 10), 0).status().code(), StatusCode::kInvalidArgument);
  std::string png = testing::Png(64, 64);
  EXPECT_FALSE(MakeThumbnail(png.substr(0, png.size() / 2), 32).ok());
  EXPECT_FALSE(MakeThumbnail(testing::Png(100, 100), 32, /*max_pixels=*/5000).ok());
}

}  // namespace
}  // namespace easel::data
