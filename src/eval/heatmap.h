#pragma once
// Grad-CAM pictures for the evaluation report: a class-activation map laid over the image it
// explains, as a PNG. The map comes from the model (ImagePredictor::GradCam); this file only
// draws it, so eval/ stays free of LibTorch.

#include <span>
#include <string>
#include <string_view>

#include "common/status.h"

namespace easel::eval {

struct HeatmapOptions {
  // The longer side of the picture, in pixels (the shorter keeps the image's aspect ratio).
  int size = 160;
  // Weight of the colour-mapped activation over the image, in [0, 1].
  double opacity = 0.45;
};

// Decodes `image` (any format OpenCV reads), scales it and the map (`height` × `width` values in
// [0, 1], row-major; values outside are clamped) to the picture size, colours the map from blue
// (0) to red (1) and blends it over the image. Returns PNG bytes.
// INVALID_ARGUMENT when the image does not decode, the map is empty or its size is not
// height × width, or the options are out of range. Thread-safe.
Result<std::string> HeatmapPng(std::string_view image, int height, int width,
                               std::span<const float> values, const HeatmapOptions& options = {});

}  // namespace easel::eval
