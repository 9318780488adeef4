#pragma once
// Reading a version's samples back: the manifest blob streamed line by line, each sample with
// its split. Listing pages resume from a byte offset, so a page costs what it returns, not
// what precedes it.

#include <cstdint>
#include <functional>
#include <string>

#include "common/status.h"
#include "data/datasets.h"
#include "data/sample.h"
#include "data/split.h"
#include "store/blob_store.h"

namespace easel::data {

// Where the next sample starts: a byte offset into the manifest and the sample's index.
struct ManifestPosition {
  uint64_t offset = 0;
  int64_t index = 0;
};

class ManifestReader {
 public:
  // Loads the version's splits (one byte per sample). DATA_LOSS when the blobs are damaged.
  static Result<ManifestReader> Open(store::BlobStore& blobs, const DatasetVersion& version);

  // Calls `fn` for each sample from `from` on, in manifest order, with the position after it;
  // `fn` returns false to stop. INVALID_ARGUMENT when `from` is not a sample boundary (a forged
  // page token), DATA_LOSS when a line does not parse.
  using Visitor = std::function<Result<bool>(const Sample& sample, Split split,
                                             const ManifestPosition& next)>;
  Status ForEach(ManifestPosition from, const Visitor& fn) const;
  // Every sample, for exporters and commits.
  Status ForEachSample(const std::function<Status(const Sample&, Split)>& fn) const;
  // A sample by id (a scan). NOT_FOUND.
  Result<std::pair<Sample, Split>> Find(const std::string& id) const;

  int64_t num_samples() const { return static_cast<int64_t>(splits_.size()); }
  Split split_of(int64_t index) const { return static_cast<Split>(splits_[index]); }

 private:
  ManifestReader(store::BlobStore& blobs, std::string manifest, uint64_t size, std::string splits)
      : blobs_(&blobs), manifest_(std::move(manifest)), size_(size), splits_(std::move(splits)) {}
  store::BlobStore* blobs_;
  std::string manifest_;  // digest
  uint64_t size_ = 0;
  std::string splits_;
};

// Page-token keys for sample listings: "offset:index" (the API base64url-encodes them).
std::string PositionKey(const ManifestPosition& p);
// INVALID_ARGUMENT for anything PositionKey did not make.
Result<ManifestPosition> ParsePositionKey(const std::string& key);

}  // namespace easel::data
