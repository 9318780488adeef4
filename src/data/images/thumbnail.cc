// One of the two files that call OpenCV (image_decode.cc is the other).
#include "data/images/thumbnail.h"

#include <algorithm>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "data/images/image_decode.h"

namespace easel::data {
namespace {

constexpr int kMaxThumbnailSide = 4096;
constexpr int kJpegQuality = 85;

// JPEG decoders scale by 1/2, 1/4 or 1/8 while decoding, which saves most of the time and
// memory for a large photo. The largest factor that still leaves `max_side` pixels.
int JpegReducedFlag(const ImageHeader& header, int max_side) {
  int64_t longest = std::max(header.width, header.height);
  if (longest / 8 >= max_side) return cv::IMREAD_REDUCED_COLOR_8;
  if (longest / 4 >= max_side) return cv::IMREAD_REDUCED_COLOR_4;
  if (longest / 2 >= max_side) return cv::IMREAD_REDUCED_COLOR_2;
  return cv::IMREAD_COLOR;
}

// 8-bit BGR from whatever the decoder returned: grey expanded, 16-bit scaled down, alpha
// composited on white (so transparent areas do not turn black in the JPEG).
cv::Mat ToBgr8(const cv::Mat& in) {
  cv::Mat img = in;
  if (img.depth() == CV_16U) {
    img.convertTo(img, CV_8U, 1.0 / 257);
  } else if (img.depth() != CV_8U) {
    cv::normalize(img, img, 0, 255, cv::NORM_MINMAX, CV_8U);
  }
  if (img.channels() == 2) {  // grey + alpha: keep the grey
    cv::extractChannel(img, img, 0);
  }
  if (img.channels() == 1) {
    cv::cvtColor(img, img, cv::COLOR_GRAY2BGR);
  } else if (img.channels() == 4) {
    std::vector<cv::Mat> ch;
    cv::split(img, ch);
    cv::Mat alpha;
    ch[3].convertTo(alpha, CV_32F, 1.0 / 255);
    cv::Mat out;
    for (int c = 0; c < 3; ++c) {
      cv::Mat f;
      ch[c].convertTo(f, CV_32F);
      ch[c] = f.mul(alpha) + (1.0 - alpha) * 255.0;
      ch[c].convertTo(ch[c], CV_8U);
    }
    ch.pop_back();
    cv::merge(ch, out);
    img = out;
  }
  return img;
}

}  // namespace

Result<std::string> MakeThumbnail(std::string_view image_bytes, int max_side, uint64_t max_pixels) {
  if (max_side < 1 || max_side > kMaxThumbnailSide) {
    return InvalidArgument("thumbnail size must be between 1 and 4096 pixels");
  }
  EASEL_ASSIGN_OR_RETURN(ImageHeader header, ProbeImageBytes(image_bytes));
  EASEL_RETURN_IF_ERROR(CheckPixelLimit(header, max_pixels));
  if (!CanDecode(header.format)) {
    return InvalidArgument("unsupported image format: " + std::string(ToString(header.format)) +
                           " (this server's decoder cannot read it)");
  }
  if (image_bytes.size() > static_cast<size_t>(INT32_MAX)) {
    return InvalidArgument("image file larger than 2 GiB");
  }
  try {
    cv::Mat buffer(1, static_cast<int>(image_bytes.size()), CV_8UC1,
                   const_cast<char*>(image_bytes.data()));  // read-only view
    cv::Mat img;
    if (header.format == ImageFormat::kJpeg) {
      img = cv::imdecode(buffer, JpegReducedFlag(header, max_side));
    } else {
      img = cv::imdecode(buffer, cv::IMREAD_UNCHANGED);
    }
    if (img.empty()) return InvalidArgument("corrupt image: the decoder could not read it");
    img = ToBgr8(img);
    int longest = std::max(img.cols, img.rows);
    if (longest > max_side) {
      double scale = static_cast<double>(max_side) / longest;
      cv::Size size(std::max(1, static_cast<int>(img.cols * scale + 0.5)),
                    std::max(1, static_cast<int>(img.rows * scale + 0.5)));
      size.width = std::min(size.width, max_side);
      size.height = std::min(size.height, max_side);
      cv::Mat resized;
      cv::resize(img, resized, size, 0, 0, cv::INTER_AREA);
      img = resized;
    }
    std::vector<unsigned char> jpeg;
    if (!cv::imencode(".jpg", img, jpeg, {cv::IMWRITE_JPEG_QUALITY, kJpegQuality})) {
      return Internal("could not encode the thumbnail");
    }
    return std::string(jpeg.begin(), jpeg.end());
  } catch (const cv::Exception& e) {
    return InvalidArgument(std::string("corrupt image: ") + e.err);
  } catch (const std::bad_alloc&) {
    return ResourceExhausted("not enough memory to make the thumbnail");
  }
}

}  // namespace easel::data
