#pragma once
// The files of one import: the uploaded file itself, or every regular file of an uploaded
// archive, already stored as blobs (archive.h extracted them safely). Importers read them from
// here and never touch the filesystem.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "store/blob_store.h"

namespace easel::data {

struct SourceFile {
  std::string path;    // normalized relative path ("images/a.jpg"); the upload's name for a single file
  std::string digest;  // blob digest
  uint64_t size = 0;
};

class SourceFiles {
 public:
  // `files` need not be sorted; paths must be unique.
  SourceFiles(store::BlobStore& blobs, std::vector<SourceFile> files);

  // Sorted by path.
  const std::vector<SourceFile>& files() const { return files_; }
  // Exact path match, or nullptr.
  const SourceFile* Find(std::string_view path) const;
  // Files whose path ends in one of `extensions` (lower-case, with the dot: ".jpg"), compared
  // case-insensitively.
  std::vector<const SourceFile*> WithExtension(std::initializer_list<std::string_view> extensions) const;

  // Streams a file's bytes in chunks; `sink` returns false to stop early.
  Status Read(const SourceFile& file, const std::function<bool(const char*, size_t)>& sink) const;
  // A whole small file (a JSON, XML or text file). RESOURCE_EXHAUSTED naming the file when it
  // is larger than `max_bytes`.
  Result<std::string> ReadAll(const SourceFile& file, uint64_t max_bytes) const;
  // At most the first `n` bytes (fewer for a shorter file).
  Result<std::string> ReadPrefix(const SourceFile& file, uint64_t n) const;
  // Bytes [offset, offset + n) clipped to the file.
  Result<std::string> ReadRange(const SourceFile& file, uint64_t offset, uint64_t n) const;

  store::BlobStore& blobs() const { return blobs_; }

 private:
  store::BlobStore& blobs_;
  std::vector<SourceFile> files_;
};

// Lower-case extension of a path including the dot ("a/B.JPG" -> ".jpg"), "" when none.
std::string LowerExtension(std::string_view path);

}  // namespace easel::data
