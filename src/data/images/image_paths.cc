#include "data/images/image_paths.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "data/archive.h"
#include "data/source_files.h"

namespace easel::data {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

}  // namespace

bool IsHiddenPath(std::string_view path) {
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = std::min(path.find('/', start), path.size());
    std::string_view seg = path.substr(start, end - start);
    if (!seg.empty() && seg.front() == '.') return true;
    if (seg == "__MACOSX") return true;
    start = end + 1;
  }
  std::string_view base = Basename(path);
  return EqualsIgnoreCase(base, "Thumbs.db") || EqualsIgnoreCase(base, "desktop.ini");
}

bool HasImageExtension(std::string_view path) {
  static constexpr std::array<std::string_view, 16> kExtensions = {
      ".png",  ".jpg", ".jpeg", ".jpe",  ".jfif", ".gif",  ".bmp", ".dib",
      ".webp", ".tif", ".tiff", ".heic", ".heif", ".avif", ".jp2", ".jxl"};
  std::string ext = LowerExtension(path);
  return std::find(kExtensions.begin(), kExtensions.end(), ext) != kExtensions.end();
}

std::string_view Dirname(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
}

std::string_view Basename(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string_view WithoutExtension(std::string_view path) {
  size_t dot = path.rfind('.');
  size_t slash = path.rfind('/');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) {
    return path;
  }
  if (dot == 0 || (slash != std::string_view::npos && dot == slash + 1)) return path;  // ".x"
  return path.substr(0, dot);
}

std::string JoinPath(std::string_view dir, std::string_view name) {
  if (dir.empty()) return std::string(name);
  std::string out(dir);
  out += '/';
  out += name;
  return out;
}

Result<std::string> SafeRelativePath(std::string_view name) {
  Result<std::string> normalized = NormalizeEntryPath(name, ArchiveLimits{});
  if (!normalized.ok()) {
    return InvalidArgument("unsafe file name '" + DisplayName(name) +
                           "': " + normalized.status().message());
  }
  return normalized;
}

}  // namespace easel::data
