#include "data/images/image_probe.h"

#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <random>
#include <string>
#include <vector>

#include "data/images/test_support.h"
#include "testing/random_edits.h"

namespace easel::data {
namespace {
using testing::Jpeg;
using testing::Png;

void ExpectProbe(std::string_view bytes, ImageFormat format, int64_t w, int64_t h) {
  Result<ImageHeader> header = ProbeImageBytes(bytes);
  ASSERT_TRUE(header.ok()) << header.status().ToString();
  EXPECT_EQ(header->format, format);
  EXPECT_EQ(header->width, w);
  EXPECT_EQ(header->height, h);
}

std::string ProbeError(std::string_view bytes) {
  Result<ImageHeader> header = ProbeImageBytes(bytes);
  EXPECT_FALSE(header.ok());
  if (header.ok()) return "";
  EXPECT_EQ(header.status().code(), StatusCode::kInvalidArgument);
  return header.status().message();
}

std::string Segment(unsigned char marker, size_t payload) {
  std::string s = {'\xff', static_cast<char>(marker), static_cast<char>((payload + 2) >> 8),
                   static_cast<char>((payload + 2) & 0xff)};
  s.append(payload, 'x');
  return s;
}

TEST(ImageProbeTest, ReadsEveryFormatFromItsEncoder) {
  ExpectProbe(Png(37, 21), ImageFormat::kPng, 37, 21);
  ExpectProbe(Jpeg(40, 30), ImageFormat::kJpeg, 40, 30);
  ExpectProbe(testing::Bmp(13, 9), ImageFormat::kBmp, 13, 9);
  ExpectProbe(testing::Webp(33, 17), ImageFormat::kWebp, 33, 17);  // lossy: VP8
  cv::Mat img(19, 23, CV_8UC3, cv::Scalar(1, 2, 3));
  std::vector<unsigned char> lossless;
  ASSERT_TRUE(cv::imencode(".webp", img, lossless, {cv::IMWRITE_WEBP_QUALITY, 101}));
  std::string vp8l(lossless.begin(), lossless.end());
  ASSERT_EQ(vp8l.substr(12, 4), "VP8L");
  ExpectProbe(vp8l, ImageFormat::kWebp, 23, 19);
}

TEST(ImageProbeTest, ReadsHandMadeHeaders) {
  // GIF logical screen 300x200.
  ExpectProbe(std::string("GIF89a\x2c\x01\xc8\x00\x00\x00\x00", 13), ImageFormat::kGif, 300, 200);
  // WebP VP8X canvas 4000x3000 (stored minus one, 24-bit little-endian).
  std::string vp8x = std::string("RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0\0\0\0\0", 24);
  vp8x += std::string("\x9f\x0f\x00\xb7\x0b\x00", 6);
  ExpectProbe(vp8x, ImageFormat::kWebp, 4000, 3000);
  // Top-down BMP (negative height).
  std::string bmp = "BM" + std::string(12, '\0') + std::string("\x28\0\0\0", 4) +
                    std::string("\x05\0\0\0\xfd\xff\xff\xff", 8);
  ExpectProbe(bmp, ImageFormat::kBmp, 5, 3);
}

TEST(ImageProbeTest, JpegFillBytesAndLargeAppSegmentsWithFewReads) {
  std::string jpeg = Jpeg(64, 48);
  // SOI, then 10 APP1 segments of ~64 KiB (EXIF/XMP-like), fill bytes, then the original.
  std::string big = jpeg.substr(0, 2);
  for (int i = 0; i < 10; ++i) big += Segment(0xe1, 65000);
  big += "\xff\xff\xff";  // fill bytes before the next marker
  big += jpeg.substr(2);
  int reads = 0;
  Result<ImageHeader> header = ProbeImage([&](uint64_t offset, uint64_t n) -> Result<std::string> {
    ++reads;
    if (offset >= big.size()) return std::string();
    return big.substr(offset, n);
  });
  ASSERT_TRUE(header.ok()) << header.status().ToString();
  EXPECT_EQ(header->width, 64);
  EXPECT_EQ(header->height, 48);
  EXPECT_LE(reads, 12);

  // Through SourceFiles too.
  testing::Upload upload;
  upload.Add("big.jpg", big);
  SourceFiles files = upload.Files();
  Result<ImageHeader> from_file = ProbeImageFile(files, files.files()[0]);
  ASSERT_TRUE(from_file.ok()) << from_file.status().ToString();
  EXPECT_EQ(from_file->width, 64);

  // A header longer than the read budget is refused, not walked forever.
  std::string endless = jpeg.substr(0, 2);
  for (int i = 0; i < 2 * kMaxJpegReads + 10; ++i) endless += Segment(0xe2, 65000);
  endless += jpeg.substr(2);
  EXPECT_NE(ProbeError(endless).find("JPEG header longer than"), std::string::npos);
}

TEST(ImageProbeTest, RefusalsSayWhy) {
  EXPECT_EQ(ProbeError(""), "not an image");
  EXPECT_EQ(ProbeError("hello, this is a text file named cat.jpg"), "not an image");
  EXPECT_EQ(ProbeError(std::string("II*\0\x08\0\0\0", 8)), "unsupported image format: tiff");
  EXPECT_EQ(ProbeError(std::string("\0\0\0\x1c"
                                   "ftypheic",
                                   12)),
            "unsupported image format: heif");
  EXPECT_EQ(ProbeError(Png(10, 10).substr(0, 20)), "truncated header");
  EXPECT_EQ(ProbeError(std::string("GIF89a\x01", 7)), "truncated header");
  std::string jpeg = Jpeg(10, 10);
  size_t sof = jpeg.find("\xff\xc0");
  ASSERT_NE(sof, std::string::npos);
  EXPECT_EQ(ProbeError(jpeg.substr(0, sof + 3)), "truncated header");
  // A scan before any frame header.
  EXPECT_NE(ProbeError(std::string("\xff\xd8\xff\xda\x00\x02", 6)).find("corrupt image"),
            std::string::npos);
  // Zero width.
  EXPECT_NE(ProbeError(testing::PngHeaderOnly(0, 10)).find("corrupt image"), std::string::npos);
}

TEST(ImageProbeTest, PixelLimitFromTheHeaderAlone) {
  std::string bomb = testing::PngHeaderOnly(100000, 100000);
  Result<ImageHeader> header = ProbeImageBytes(bomb);
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->width, 100000);
  Status limit = CheckPixelLimit(*header, kDefaultMaxPixels);
  EXPECT_EQ(limit.message(), "image too large: 100000x100000 pixels exceeds the 90 MP limit");
  EXPECT_TRUE(CheckPixelLimit(ImageHeader{ImageFormat::kPng, 9000, 10000}, kDefaultMaxPixels).ok());
  EXPECT_FALSE(
      CheckPixelLimit(ImageHeader{ImageFormat::kPng, 9001, 10000}, kDefaultMaxPixels).ok());
  EXPECT_EQ(CheckPixelLimit(ImageHeader{ImageFormat::kPng, 2000, 1000}, 1'500'000).message(),
            "image too large: 2000x1000 pixels exceeds the 1.5 MP limit");
}

TEST(ImageProbeTest, JpegEndMarker) {
  std::string jpeg = Jpeg(50, 40, 3);
  EXPECT_TRUE(JpegHasEndMarker(jpeg));
  EXPECT_TRUE(JpegHasEndMarker(jpeg + "trailing bytes some cameras append"));
  EXPECT_FALSE(JpegHasEndMarker(jpeg.substr(0, jpeg.size() - 2)));
  EXPECT_FALSE(JpegHasEndMarker(jpeg.substr(0, jpeg.size() / 2)));
  // An EXIF thumbnail (with its own EOI) does not make a truncated main image whole.
  std::string thumb = Jpeg(8, 8);
  std::string exif = std::string("\xff\xe1") + static_cast<char>((thumb.size() + 2) >> 8) +
                     static_cast<char>((thumb.size() + 2) & 0xff) + thumb;
  std::string with_thumb = jpeg.substr(0, 2) + exif + jpeg.substr(2);
  EXPECT_TRUE(JpegHasEndMarker(with_thumb));
  EXPECT_FALSE(JpegHasEndMarker(with_thumb.substr(0, with_thumb.size() - 100)));
  EXPECT_FALSE(JpegHasEndMarker(Png(4, 4)));
}

// Random edits (testing/random_edits.h) in the headers of every format the probe reads: each
// file gives a positive size or INVALID_ARGUMENT with a message, and the JPEG end-marker scan
// finishes (under AddressSanitizer: without reading outside the bytes).
TEST(ImageProbeTest, EditedHeadersGiveASizeOrAnError) {
  cv::Mat img(19, 23, CV_8UC3, cv::Scalar(1, 2, 3));
  std::vector<unsigned char> lossless;
  ASSERT_TRUE(cv::imencode(".webp", img, lossless, {cv::IMWRITE_WEBP_QUALITY, 101}));
  const std::vector<std::string> files = {
      Png(37, 21), Jpeg(40, 30), testing::Bmp(13, 9), testing::Webp(33, 17),
      std::string(lossless.begin(), lossless.end()),
      std::string("GIF89a\x2c\x01\xc8\x00\x00\x00\x00", 13),
      std::string("RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0\0\0\0\0\x9f\x0f\x00\xb7\x0b\x00", 30),
      std::string("\0\0\0\x1c" "ftypavif\0\0\0\0", 16)};
  std::mt19937 rng(20261124);
  int sized = 0;
  for (const std::string& file : files) {
    const ::easel::testing::EditOptions edits{.window = 1024};  // where the sizes are
    for (int i = 0; i < 3000; ++i) {
      const std::string b = ::easel::testing::RandomEdits(file, rng, edits);
      Result<ImageHeader> probed = ProbeImageBytes(b);
      if (probed.ok()) {
        ASSERT_GT(probed->width, 0);
        ASSERT_GT(probed->height, 0);
        ++sized;
      } else {
        ASSERT_EQ(probed.status().code(), StatusCode::kInvalidArgument);
        ASSERT_FALSE(probed.status().message().empty());
      }
      JpegHasEndMarker(b);
    }
  }
  EXPECT_GT(sized, 0);  // many edits miss the size fields
}

TEST(ImageProbeTest, FormatNames) {
  EXPECT_EQ(ToString(ImageFormat::kJpeg), "jpeg");
  EXPECT_EQ(ToString(ImageFormat::kWebp), "webp");
}

}  // namespace
}  // namespace easel::data
