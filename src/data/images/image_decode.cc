// One of the two files that call OpenCV (thumbnail.cc is the other).
#include "data/images/image_decode.h"

#include <fmt/format.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

namespace easel::data {
namespace {

// The smallest valid GIF: one transparent pixel.
constexpr unsigned char kTinyGif[] = {
    'G',  'I',  'F',  '8',  '9',  'a',  0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0xff, 0xff,
    0xff, 0x00, 0x00, 0x00, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00,
    0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b};

// Decodes at the stored depth and channels, ignoring EXIF orientation so the result is
// comparable with the header's size. An empty Mat when the decoder refuses or throws.
cv::Mat Decode(std::string_view bytes) {
  try {
    cv::Mat buffer(1, static_cast<int>(bytes.size()), CV_8UC1,
                   const_cast<char*>(bytes.data()));  // read-only view; imdecode does not write
    return cv::imdecode(buffer, cv::IMREAD_UNCHANGED);
  } catch (const cv::Exception&) {
    return cv::Mat();
  } catch (const std::exception&) {  // allocation failures inside the codec
    return cv::Mat();
  }
}

}  // namespace

bool CanDecode(ImageFormat format) {
  if (format != ImageFormat::kGif) return true;  // built into every OpenCV easel supports
  static const bool gif =
      !Decode(std::string_view(reinterpret_cast<const char*>(kTinyGif), sizeof kTinyGif)).empty();
  return gif;
}

Status CheckImageDecodes(std::string_view bytes, const ImageHeader& header) {
  if (!CanDecode(header.format)) {
    return InvalidArgument(
        fmt::format("unsupported image format: {} (this server's decoder cannot read it)",
                    ToString(header.format)));
  }
  if (bytes.size() > static_cast<size_t>(INT32_MAX)) {
    return InvalidArgument("corrupt image: file larger than 2 GiB");
  }
  // libjpeg fills a truncated scan with grey and reports success, so truncation is found on
  // the bytes instead.
  if (header.format == ImageFormat::kJpeg && !JpegHasEndMarker(bytes)) {
    return InvalidArgument("corrupt image: JPEG without an end marker (truncated file?)");
  }
  cv::Mat image = Decode(bytes);
  if (image.empty()) return InvalidArgument("corrupt image: the decoder could not read it");
  if (image.cols != header.width || image.rows != header.height) {
    return InvalidArgument(
        fmt::format("corrupt image: decodes to {}x{} pixels but its header says {}x{}", image.cols,
                    image.rows, header.width, header.height));
  }
  return OkStatus();
}

}  // namespace easel::data
