#include "data/images/image_probe.h"

#include <fmt/format.h>

#include <cstring>
#include <optional>

namespace easel::data {
namespace {

constexpr uint64_t kWindow = 64 * 1024;

Status NotAnImage() { return InvalidArgument("not an image"); }
Status Truncated() { return InvalidArgument("truncated header"); }
Status Unsupported(std::string_view what) {
  return InvalidArgument(fmt::format("unsupported image format: {}", what));
}
Status Corrupt(std::string_view what) {
  return InvalidArgument(fmt::format("corrupt image: {}", what));
}

uint32_t Be16(const unsigned char* p) { return (uint32_t{p[0]} << 8) | p[1]; }
uint32_t Be32(const unsigned char* p) { return (Be16(p) << 16) | Be16(p + 2); }
uint32_t Le16(const unsigned char* p) { return uint32_t{p[0]} | (uint32_t{p[1]} << 8); }
uint32_t Le24(const unsigned char* p) { return Le16(p) | (uint32_t{p[2]} << 16); }
uint32_t Le32(const unsigned char* p) { return Le24(p) | (uint32_t{p[3]} << 24); }

bool StartsWith(std::string_view bytes, std::string_view magic) {
  return bytes.substr(0, magic.size()) == magic;
}

const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

Result<ImageHeader> Sized(ImageFormat format, int64_t width, int64_t height) {
  if (width <= 0 || height <= 0) {
    return Corrupt(fmt::format("{} header gives a size of {}x{}", ToString(format), width, height));
  }
  return ImageHeader{format, width, height};
}

Result<ImageHeader> ProbePng(std::string_view b) {
  if (b.size() < 24) return Truncated();
  if (b.substr(12, 4) != "IHDR") return Corrupt("PNG does not start with an IHDR chunk");
  uint32_t w = Be32(U(b) + 16), h = Be32(U(b) + 20);
  // The PNG spec caps both at 2^31 - 1.
  if (w > 0x7fffffffu || h > 0x7fffffffu) return Corrupt("PNG size out of range");
  return Sized(ImageFormat::kPng, w, h);
}

Result<ImageHeader> ProbeGif(std::string_view b) {
  if (b.size() < 10) return Truncated();
  return Sized(ImageFormat::kGif, Le16(U(b) + 6), Le16(U(b) + 8));
}

Result<ImageHeader> ProbeBmp(std::string_view b) {
  if (b.size() < 18) return Truncated();
  uint32_t dib = Le32(U(b) + 14);
  if (dib == 12) {  // BITMAPCOREHEADER: unsigned 16-bit sizes
    if (b.size() < 22) return Truncated();
    return Sized(ImageFormat::kBmp, Le16(U(b) + 18), Le16(U(b) + 20));
  }
  if (dib != 16 && dib != 40 && dib != 52 && dib != 56 && dib != 64 && dib != 108 && dib != 124) {
    return Corrupt(fmt::format("unknown BMP header size {}", dib));
  }
  if (b.size() < 26) return Truncated();
  int64_t w = static_cast<int32_t>(Le32(U(b) + 18));
  int64_t h = static_cast<int32_t>(Le32(U(b) + 22));
  return Sized(ImageFormat::kBmp, w, h < 0 ? -h : h);  // negative height: stored top-down
}

Result<ImageHeader> ProbeWebp(std::string_view b) {
  if (b.size() < 20) return Truncated();
  std::string_view chunk = b.substr(12, 4);
  const unsigned char* d = U(b) + 20;
  if (chunk == "VP8 ") {  // lossy: a VP8 key frame header
    if (b.size() < 30) return Truncated();
    if ((d[0] & 1) != 0) return Corrupt("WebP VP8 data does not start with a key frame");
    if (d[3] != 0x9d || d[4] != 0x01 || d[5] != 0x2a) return Corrupt("bad VP8 start code");
    return Sized(ImageFormat::kWebp, Le16(d + 6) & 0x3fff, Le16(d + 8) & 0x3fff);
  }
  if (chunk == "VP8L") {  // lossless: 14-bit width-1 and height-1 after the signature byte
    if (b.size() < 25) return Truncated();
    if (d[0] != 0x2f) return Corrupt("bad VP8L signature");
    uint32_t bits = Le32(d + 1);
    return Sized(ImageFormat::kWebp, (bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1);
  }
  if (chunk == "VP8X") {  // extended: 24-bit canvas width-1 and height-1
    if (b.size() < 30) return Truncated();
    return Sized(ImageFormat::kWebp, int64_t{Le24(d + 4)} + 1, int64_t{Le24(d + 7)} + 1);
  }
  return Corrupt("WebP without a VP8, VP8L or VP8X chunk");
}

// A movable window over the file for the JPEG marker walk: re-reads at the position asked for
// when it lies outside the bytes held, counting reads against kMaxJpegReads.
class JpegWindow {
 public:
  JpegWindow(const ImageRangeReader& read, std::string first)
      : read_(read), bytes_(std::move(first)) {}

  // The byte at `pos`, nullopt past the end of the file; an error when reading failed or the
  // read budget is spent.
  Result<std::optional<unsigned char>> At(uint64_t pos) {
    if (pos < base_ || pos >= base_ + bytes_.size()) {
      if (bytes_.size() < kWindow && pos >= base_ + bytes_.size()) {
        return std::optional<unsigned char>();  // the last read already reached the end
      }
      if (++reads_ > kMaxJpegReads) {
        return InvalidArgument(fmt::format(
            "unsupported image format: JPEG header longer than {} KiB", kMaxJpegReads * 64));
      }
      EASEL_ASSIGN_OR_RETURN(bytes_, read_(pos, kWindow));
      base_ = pos;
      if (bytes_.empty()) return std::optional<unsigned char>();
    }
    return std::optional<unsigned char>(static_cast<unsigned char>(bytes_[pos - base_]));
  }

 private:
  const ImageRangeReader& read_;
  std::string bytes_;
  uint64_t base_ = 0;
  int reads_ = 1;  // the first window
};

bool IsSof(unsigned m) {
  // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
  return m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc;
}
bool IsStandalone(unsigned m) { return (m >= 0xd0 && m <= 0xd7) || m == 0x01; }

Result<ImageHeader> ProbeJpeg(const ImageRangeReader& read, std::string first) {
  JpegWindow w(read, std::move(first));
  // Reads `n` bytes at `pos` big-endian, "truncated header" at the end of the file.
  auto be = [&](uint64_t pos, int n) -> Result<uint32_t> {
    uint32_t v = 0;
    for (int i = 0; i < n; ++i) {
      EASEL_ASSIGN_OR_RETURN(std::optional<unsigned char> c, w.At(pos + i));
      if (!c) return Truncated();
      v = (v << 8) | *c;
    }
    return v;
  };
  uint64_t pos = 2;  // after SOI
  while (true) {
    EASEL_ASSIGN_OR_RETURN(uint32_t ff, be(pos, 1));
    if (ff != 0xff) return Corrupt("JPEG marker expected");
    uint32_t m = 0xff;
    while (m == 0xff) {  // any number of fill bytes may precede a marker
      EASEL_ASSIGN_OR_RETURN(m, be(++pos, 1));
    }
    // `pos` is at the marker code.
    if (IsStandalone(m)) {
      ++pos;
      continue;
    }
    if (m == 0x00 || m == 0xd8 || m == 0xd9 || m == 0xda) {
      return Corrupt("JPEG without a frame header (SOF) before its image data");
    }
    EASEL_ASSIGN_OR_RETURN(uint32_t length, be(pos + 1, 2));
    if (length < 2) return Corrupt("JPEG segment length below 2");
    if (IsSof(m)) {
      if (m == 0xc3 || m == 0xc7 || m == 0xcb || m == 0xcf) {
        // Lossless JPEG: parsed fine, but no common decoder reads it.
        return Unsupported("lossless JPEG");
      }
      if (length < 8) return Corrupt("JPEG frame header too short");
      EASEL_ASSIGN_OR_RETURN(uint32_t height, be(pos + 4, 2));
      EASEL_ASSIGN_OR_RETURN(uint32_t width, be(pos + 6, 2));
      if (height == 0) return Unsupported("JPEG with its height in a DNL marker");
      return Sized(ImageFormat::kJpeg, width, height);
    }
    pos += 1 + length;
  }
}

}  // namespace

std::string_view ToString(ImageFormat format) {
  switch (format) {
    case ImageFormat::kPng:
      return "png";
    case ImageFormat::kJpeg:
      return "jpeg";
    case ImageFormat::kGif:
      return "gif";
    case ImageFormat::kBmp:
      return "bmp";
    case ImageFormat::kWebp:
      return "webp";
  }
  return "unknown";
}

std::optional<ImageFormat> ParseImageFormat(std::string_view name) {
  for (ImageFormat f : {ImageFormat::kPng, ImageFormat::kJpeg, ImageFormat::kGif, ImageFormat::kBmp,
                        ImageFormat::kWebp}) {
    if (ToString(f) == name) return f;
  }
  return std::nullopt;
}

Result<ImageHeader> ProbeImage(const ImageRangeReader& read) {
  EASEL_ASSIGN_OR_RETURN(std::string b, read(0, kWindow));
  if (StartsWith(b, "\x89PNG\r\n\x1a\n")) return ProbePng(b);
  if (StartsWith(b, "\xff\xd8\xff")) return ProbeJpeg(read, std::move(b));
  if (StartsWith(b, "GIF87a") || StartsWith(b, "GIF89a")) return ProbeGif(b);
  if (StartsWith(b, "BM")) return ProbeBmp(b);
  if (StartsWith(b, "RIFF") && b.size() >= 12 && b.substr(8, 4) == "WEBP") return ProbeWebp(b);
  // Recognised, so the user learns what to convert rather than "not an image".
  if (StartsWith(b, std::string_view("II*\0", 4)) || StartsWith(b, std::string_view("MM\0*", 4))) {
    return Unsupported("tiff");
  }
  if (StartsWith(b, "8BPS")) return Unsupported("psd");
  if (StartsWith(b, std::string_view("\0\0\0\x0cjP  ", 8))) return Unsupported("jpeg2000");
  if (StartsWith(b, "\xff\x0a") || StartsWith(b, std::string_view("\0\0\0\x0cJXL ", 8))) {
    return Unsupported("jpegxl");
  }
  if (b.size() >= 12 && b.substr(4, 4) == "ftyp") {
    const std::string_view brand = std::string_view(b).substr(8, 4);
    if (brand == "avif" || brand == "avis") return Unsupported("avif");
    if (brand == "heic" || brand == "heix" || brand == "mif1" || brand == "msf1") {
      return Unsupported("heif");
    }
  }
  return NotAnImage();
}

Result<ImageHeader> ProbeImageBytes(std::string_view bytes) {
  return ProbeImage([bytes](uint64_t offset, uint64_t n) -> Result<std::string> {
    if (offset >= bytes.size()) return std::string();
    return std::string(bytes.substr(offset, n));
  });
}

Result<ImageHeader> ProbeImageFile(const SourceFiles& files, const SourceFile& file) {
  return ProbeImage([&](uint64_t offset, uint64_t n) -> Result<std::string> {
    if (offset == 0) return files.ReadPrefix(file, n);
    if (offset >= file.size) return std::string();
    return files.ReadRange(file, offset, n);
  });
}

Status CheckPixelLimit(const ImageHeader& header, uint64_t max_pixels) {
  // Both sides are below 2^32, so the product cannot overflow 64 bits.
  uint64_t pixels = static_cast<uint64_t>(header.width) * static_cast<uint64_t>(header.height);
  if (pixels <= max_pixels) return OkStatus();
  return InvalidArgument(fmt::format("image too large: {}x{} pixels exceeds the {:g} MP limit",
                                     header.width, header.height,
                                     static_cast<double>(max_pixels) / 1e6));
}

bool JpegHasEndMarker(std::string_view bytes) {
  const auto* b = U(bytes);
  const size_t n = bytes.size();
  if (n < 4 || b[0] != 0xff || b[1] != 0xd8) return false;
  size_t pos = 2;
  while (true) {
    if (pos >= n || b[pos] != 0xff) return false;
    while (pos < n && b[pos] == 0xff) ++pos;  // fill bytes
    if (pos >= n) return false;
    unsigned m = b[pos];
    if (m == 0xd9) return true;
    if (IsStandalone(m)) {
      ++pos;
      continue;
    }
    if (pos + 2 >= n) return false;
    size_t length = Be16(b + pos + 1);
    if (length < 2) return false;
    pos += 1 + length;
    if (m != 0xda) continue;
    // Entropy-coded data of the scan: runs to the next marker that is neither a stuffed 0xFF
    // (FF 00) nor a restart marker (FF D0..D7).
    while (true) {
      if (pos >= n) return false;
      const void* ff = std::memchr(b + pos, 0xff, n - pos);
      if (ff == nullptr) return false;
      size_t at = static_cast<const unsigned char*>(ff) - b;
      size_t next = at + 1;
      while (next < n && b[next] == 0xff) ++next;
      if (next >= n) return false;
      if (b[next] == 0x00 || (b[next] >= 0xd0 && b[next] <= 0xd7)) {
        pos = next + 1;
        continue;
      }
      pos = at;  // a real marker: back to the segment walk
      break;
    }
  }
}

}  // namespace easel::data
