#include "data/source_files.h"

#include <algorithm>

namespace easel::data {

SourceFiles::SourceFiles(store::BlobStore& blobs, std::vector<SourceFile> files)
    : blobs_(blobs), files_(std::move(files)) {
  std::sort(files_.begin(), files_.end(),
            [](const SourceFile& a, const SourceFile& b) { return a.path < b.path; });
}

const SourceFile* SourceFiles::Find(std::string_view path) const {
  auto it = std::lower_bound(files_.begin(), files_.end(), path,
                             [](const SourceFile& f, std::string_view p) { return f.path < p; });
  return it != files_.end() && it->path == path ? &*it : nullptr;
}

std::vector<const SourceFile*> SourceFiles::WithExtension(
    std::initializer_list<std::string_view> extensions) const {
  std::vector<const SourceFile*> out;
  for (const SourceFile& f : files_) {
    const std::string ext = LowerExtension(f.path);
    if (std::find(extensions.begin(), extensions.end(), ext) != extensions.end()) {
      out.push_back(&f);
    }
  }
  return out;
}

Status SourceFiles::Read(const SourceFile& file,
                         const std::function<bool(const char*, size_t)>& sink) const {
  if (file.size == 0) return OkStatus();
  return blobs_.Read(file.digest, 0, file.size, sink);
}

Result<std::string> SourceFiles::ReadAll(const SourceFile& file, uint64_t max_bytes) const {
  if (file.size > max_bytes) {
    return ResourceExhausted(file.path + " is " + std::to_string(file.size) +
                             " bytes, more than the limit of " + std::to_string(max_bytes));
  }
  return ReadRange(file, 0, file.size);
}

Result<std::string> SourceFiles::ReadPrefix(const SourceFile& file, uint64_t n) const {
  return ReadRange(file, 0, n);
}

Result<std::string> SourceFiles::ReadRange(const SourceFile& file, uint64_t offset,
                                           uint64_t n) const {
  std::string out;
  if (offset >= file.size || n == 0) return out;
  n = std::min(n, file.size - offset);
  out.reserve(n);
  EASEL_RETURN_IF_ERROR(blobs_.Read(file.digest, offset, n, [&](const char* p, size_t len) {
    out.append(p, len);
    return true;
  }));
  return out;
}

std::string LowerExtension(std::string_view path) {
  const size_t slash = path.rfind('/');
  const size_t dot = path.rfind('.');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash) ||
      dot + 1 == path.size()) {
    return "";
  }
  std::string ext(path.substr(dot));
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

}  // namespace easel::data
