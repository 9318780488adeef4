#pragma once
// Content-addressed blob files under DATA_DIR/blobs/<2 hex>/<62 hex>, named by SHA-256. Writes
// are atomic (temp file in DATA_DIR/tmp, fsync, rename, fsync dir), so a crash never leaves a
// partial blob under its final name; Open() clears leftovers of interrupted writes. Reads
// verify the content hash. Thread-safe.
//
// Which blobs are still wanted is the metadata store's business (blob_refs.h); a blob written
// here but never referenced is an orphan that garbage collection removes.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>

#include "common/files.h"
#include "common/sha256.h"
#include "common/status.h"

namespace easel::store {

struct BlobInfo {
  std::string digest;  // lower-case hex SHA-256
  uint64_t size = 0;
};

class BlobStore {
 public:
  // Creates the directories and removes temporaries left by a crash.
  static Result<std::unique_ptr<BlobStore>> Open(const std::filesystem::path& data_dir);
  // For a process working beside the server (an `easel worker`): uses the directories as they
  // are and removes nothing, since the server's writes may be in flight.
  static Result<std::unique_ptr<BlobStore>> Attach(const std::filesystem::path& data_dir);

  // Streams one new blob. Commit() publishes it under its digest (deduplicated: identical
  // content is stored once); destroying an uncommitted writer leaves nothing behind.
  class Writer {
   public:
    Status Write(const void* data, size_t n);
    Result<BlobInfo> Commit();
    // Publishes the blob without fsync: for writing thousands of small blobs (an image
    // import). The caller must call BlobStore::Sync() before referencing any of them.
    Result<BlobInfo> CommitDeferred();
    uint64_t size() const { return size_; }

   private:
    friend class BlobStore;
    Result<BlobInfo> CommitImpl(bool sync);
    Writer(BlobStore* store, AtomicFile file) : store_(store), file_(std::move(file)) {}
    BlobStore* store_;
    AtomicFile file_;
    Sha256 hash_;
    uint64_t size_ = 0;
  };
  Result<Writer> NewWriter();
  Result<BlobInfo> Put(std::string_view data);
  // Copies a file's content in as a blob.
  Result<BlobInfo> PutFile(const std::filesystem::path& path);
  // Makes every blob committed with CommitDeferred() so far durable (one syncfs).
  Status Sync();

  // Sends bytes [offset, offset + length) to `sink` in chunks; `sink` returns false to stop
  // early. The hash is checked: a whole-blob read as it streams, a partial read beforehand
  // (once per blob per process). A mismatch answers DATA_LOSS and the blob must be considered
  // corrupt. NOT_FOUND when absent, OUT_OF_RANGE when the range lies outside the blob.
  Status Read(const std::string& digest, uint64_t offset, uint64_t length,
              const std::function<bool(const char*, size_t)>& sink);
  Result<std::string> ReadAll(const std::string& digest);
  Result<uint64_t> Size(const std::string& digest) const;
  // The file holding a blob, for libraries that must open a path themselves (libarchive).
  // Reading it this way skips the hash check.
  Result<std::filesystem::path> FilePath(const std::string& digest) const { return PathOf(digest); }
  bool Exists(const std::string& digest) const;
  // Re-reads the whole blob and compares its hash.
  Status Verify(const std::string& digest);
  Status Remove(const std::string& digest);
  // Every digest on disk, with the file's age in milliseconds.
  Result<std::vector<std::pair<std::string, int64_t>>> List() const;

  // Writers hold this shared from NewWriter() until their reference is committed in the
  // metadata store; garbage collection holds it exclusively, so it never removes a blob that a
  // writer is about to reference.
  std::shared_mutex& gc_mutex() { return gc_mutex_; }

 private:
  explicit BlobStore(std::filesystem::path data_dir);
  Result<std::filesystem::path> PathOf(const std::string& digest) const;

  std::filesystem::path blobs_dir_;
  std::filesystem::path tmp_dir_;
  std::shared_mutex gc_mutex_;
  std::mutex verified_mu_;
  std::set<std::string> verified_;
};

}  // namespace easel::store
