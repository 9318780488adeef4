#pragma once
// Path handling shared by the image formats: which uploaded files to ignore, which look like
// images, and how names taken from annotation files are made safe. Internal to src/data/images.

#include <string>
#include <string_view>

#include "common/status.h"

namespace easel::data {

// Files nobody meant to upload, skipped silently by every image importer: any segment starting
// with '.' (.DS_Store, ._x.jpg resource forks, .git/), __MACOSX/, Thumbs.db, desktop.ini.
bool IsHiddenPath(std::string_view path);
// Extensions of image files, the ones easel decodes and the ones it recognises only to name them
// in a rejection (.tif, .heic...). Case-insensitive.
bool HasImageExtension(std::string_view path);
// "a/b/c.jpg" -> "a/b", "c.jpg" -> "".
std::string_view Dirname(std::string_view path);
// "a/b/c.jpg" -> "c.jpg".
std::string_view Basename(std::string_view path);
// "a/b/c.jpg" -> "a/b/c" (the extension of the last segment removed).
std::string_view WithoutExtension(std::string_view path);
// "a" + "b/c" -> "a/b/c"; an empty dir gives `name`.
std::string JoinPath(std::string_view dir, std::string_view name);
// A path taken from an annotation (COCO file_name, VOC filename, a CSV cell), normalized.
// INVALID_ARGUMENT "unsafe file name 'x': '..' segment" (absolute, backslash, control
// characters...): such names are refused, never looked up.
Result<std::string> SafeRelativePath(std::string_view name);

}  // namespace easel::data
