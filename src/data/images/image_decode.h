#pragma once
// The decode check of imports: an image is accepted only when the decoder reads all of it and
// finds the size its header promised. OpenCV stays inside image_decode.cc.

#include <string_view>

#include "common/status.h"
#include "data/images/image_probe.h"

namespace easel::data {

// Fully decodes `bytes` (whose header probed as `header`; check the pixel limit before) and
// compares the result with the header. INVALID_ARGUMENT with the reason shown to the user:
// "corrupt image: the decoder could not read it", "corrupt image: decodes to 5x7 pixels but
// its header says 8x8", "corrupt image: JPEG without an end marker (truncated file?)", or
// "unsupported image format: gif (this server's decoder cannot read it)". Thread-safe.
Status CheckImageDecodes(std::string_view bytes, const ImageHeader& header);

// Whether this build's decoder reads `format` at all (OpenCV before 4.11 has no GIF reader).
// Found out once per process by decoding a tiny built-in image.
bool CanDecode(ImageFormat format);

}  // namespace easel::data
