#include "eval/heatmap.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <vector>

namespace easel::eval {

Result<std::string> HeatmapPng(std::string_view image, int height, int width,
                               std::span<const float> values, const HeatmapOptions& options) {
  if (height <= 0 || width <= 0 || values.size() != static_cast<size_t>(height) * width) {
    return InvalidArgument("a heat map needs height × width values");
  }
  if (options.size < 8 || options.size > 4096 || !(options.opacity >= 0 && options.opacity <= 1)) {
    return InvalidArgument("heat map size must be in [8, 4096] and opacity in [0, 1]");
  }
  // imdecode only reads the buffer; the const_cast satisfies its Mat interface.
  cv::Mat bytes(1, static_cast<int>(image.size()), CV_8UC1, const_cast<char*>(image.data()));
  cv::Mat picture = image.empty() ? cv::Mat() : cv::imdecode(bytes, cv::IMREAD_COLOR);
  if (picture.empty()) return InvalidArgument("the image of a heat map does not decode");

  const double scale = static_cast<double>(options.size) / std::max(picture.cols, picture.rows);
  const cv::Size out(std::max(1, static_cast<int>(picture.cols * scale + 0.5)),
                     std::max(1, static_cast<int>(picture.rows * scale + 0.5)));
  // Small images (digits, thumbnails) are enlarged with visible pixels rather than blurred.
  cv::resize(picture, picture, out, 0, 0, scale > 1 ? cv::INTER_NEAREST : cv::INTER_AREA);

  std::vector<float> clamped(values.begin(), values.end());
  for (float& v : clamped) v = std::isfinite(v) ? std::clamp(v, 0.0f, 1.0f) : 0.0f;
  cv::Mat map(height, width, CV_32FC1, clamped.data());
  cv::Mat smooth, map8, colours;
  cv::resize(map, smooth, out, 0, 0, cv::INTER_LINEAR);
  smooth.convertTo(map8, CV_8UC1, 255.0);
  cv::applyColorMap(map8, colours, cv::COLORMAP_JET);
  cv::Mat blended;
  cv::addWeighted(colours, options.opacity, picture, 1.0 - options.opacity, 0.0, blended);

  std::vector<uchar> png;
  if (!cv::imencode(".png", blended, png)) return Internal("cannot encode a heat map as PNG");
  return std::string(png.begin(), png.end());
}

}  // namespace easel::eval
