#pragma once
// Small previews of dataset images for the API and the labeling UI.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "data/images/image_probe.h"

namespace easel::data {

// A JPEG (quality 85) of the image scaled down to fit `max_side` x `max_side`, keeping the
// aspect ratio and never scaling up; EXIF orientation applied, transparency composited on
// white. The header is probed and checked against `max_pixels` before anything is decoded.
// INVALID_ARGUMENT for max_side outside 1..4096 and for every refusal of the probe or the
// decoder (the reasons of image_probe.h and image_decode.h). Thread-safe.
Result<std::string> MakeThumbnail(std::string_view image_bytes, int max_side,
                                  uint64_t max_pixels = kDefaultMaxPixels);

}  // namespace easel::data
