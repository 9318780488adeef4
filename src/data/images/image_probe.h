#pragma once
// Reading an image's format and size from its header, without decoding a pixel. Every image an
// importer accepts and every thumbnail the API makes is probed first, so a hostile header (a
// 100000x100000 PNG in a few hundred bytes) is refused before any decoder allocates for it.
//
// Refusals are INVALID_ARGUMENT whose message is the reason shown to the user:
//  "not an image", "unsupported image format: tiff", "truncated header", and from
//  CheckPixelLimit "image too large: 100000x100000 pixels exceeds the 90 MP limit".
// Pure byte parsing: no OpenCV, no allocation beyond the bytes read. Thread-safe.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "data/source_files.h"

namespace easel::data {

enum class ImageFormat { kPng, kJpeg, kGif, kBmp, kWebp };
// "png", "jpeg", "gif", "bmp", "webp": the `format` of a sample's meta and of the stats.
std::string_view ToString(ImageFormat format);
// The inverse of ToString; nullopt for any other text.
std::optional<ImageFormat> ParseImageFormat(std::string_view name);

struct ImageHeader {
  ImageFormat format = ImageFormat::kPng;
  int64_t width = 0;   // > 0
  int64_t height = 0;  // > 0
};

// The default for the `max_pixels` import parameter and for thumbnails.
inline constexpr uint64_t kDefaultMaxPixels = 90'000'000;

// Reads bytes [offset, offset + n) of the file being probed, clipped to its end (shorter or
// empty at the end of the file).
using ImageRangeReader = std::function<Result<std::string>(uint64_t offset, uint64_t n)>;

// Probes through `read`. PNG, GIF, BMP and WebP need one read of the first 64 KiB; a JPEG
// whose SOF marker lies beyond it (large APPn segments: EXIF, XMP, ICC profiles) takes about one
// more read per 64 KiB jumped, at most kMaxJpegReads in all (a 4 MiB header; "unsupported
// image format: JPEG header longer than ..." beyond that). Errors of `read` are returned as
// they are.
inline constexpr int kMaxJpegReads = 64;
Result<ImageHeader> ProbeImage(const ImageRangeReader& read);
// The same over bytes in memory (a whole file, or at least its header).
Result<ImageHeader> ProbeImageBytes(std::string_view bytes);
// The same over an imported file (SourceFiles::ReadPrefix / ReadRange).
Result<ImageHeader> ProbeImageFile(const SourceFiles& files, const SourceFile& file);

// INVALID_ARGUMENT "image too large: WxH pixels exceeds the N MP limit" when width * height is
// above `max_pixels`.
Status CheckPixelLimit(const ImageHeader& header, uint64_t max_pixels);

// True when a complete JPEG stream ends with its EOI marker: walks the marker segments and the
// entropy-coded data of every scan (so an EOI inside an EXIF thumbnail does not count) and
// accepts trailing bytes after the EOI. False for a truncated file.
bool JpegHasEndMarker(std::string_view bytes);

}  // namespace easel::data
