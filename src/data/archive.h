#pragma once
// Reading user-uploaded archives (zip, tar, tar.gz/.bz2/.xz/.zst) safely: the layer dataset
// importers sit on. Entries are streamed one at a time and never turned into filesystem paths:
// their content goes to the content-addressed blob store, so a hostile name cannot write
// anything outside the data dir. libarchive stays behind this header (archive.cc).
//
// Two kinds of refusal:
//  - an entry that is unsafe or not a regular file (absolute path, "..", backslash, control
//    characters, too long or too deep, symlink, hardlink, device, fifo, socket, duplicate path)
//    is skipped and listed in rejected() with its reason; the entries beside it still come;
//  - exceeding a limit (entry count, bytes produced in total or per entry, compression ratio)
//    is a hard stop: RESOURCE_EXHAUSTED naming the limit, and the caller abandons the import.
// Byte limits count bytes actually decompressed and handed to the caller, never header sizes,
// and are checked before a chunk is delivered, so no sink ever sees bytes beyond a limit.
// Nested archives are plain files: nothing is ever recursed into.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "store/blob_store.h"

namespace easel::data {

struct ArchiveLimits {
  uint64_t max_total_bytes = uint64_t{64} << 30;  // all entries' content together
  uint64_t max_entry_bytes = uint64_t{16} << 30;  // one entry's content
  uint64_t max_entries = 1'000'000;               // headers read, accepted or rejected
  // Bytes produced ÷ archive file size. Enforced only once more than ratio_grace_bytes have
  // been produced, so small archives of very compressible text are not refused.
  double max_ratio = 200;
  uint64_t ratio_grace_bytes = uint64_t{1} << 20;
  int max_path_bytes = 1024;  // raw entry name length
  int max_depth = 32;         // path segments
};

struct RejectedEntry {
  std::string name;    // for display: control characters escaped as \xNN, long names cut
  std::string reason;  // "absolute path", "symlink", "duplicate path", ...
};

// One regular file inside the archive.
struct ArchiveEntry {
  std::string path;  // normalized and relative: "a/b/c.jpg", no "./", "//" or trailing '/'
  std::optional<uint64_t> declared_size;  // from the header: a hint, never trusted for limits
};

// Streams one archive file. Not thread-safe; movable, not copyable.
class ArchiveReader {
 public:
  // Opens `path` and reads its first header. INVALID_ARGUMENT "not an archive" for a file in
  // no supported format; INVALID_ARGUMENT with libarchive's message for a corrupt one;
  // NOT_FOUND when the file does not exist.
  static Result<ArchiveReader> Open(const std::filesystem::path& path,
                                    const ArchiveLimits& limits = {});
  ArchiveReader(ArchiveReader&&) noexcept;
  ArchiveReader& operator=(ArchiveReader&&) noexcept;
  ~ArchiveReader();

  // The next accepted regular file, or nullopt at the end. Skips (and records) rejected
  // entries and directories, and the unread content of the previous entry. After an error
  // every later call returns the same error.
  Result<std::optional<ArchiveEntry>> Next();

  // Streams the content of the entry last returned by Next() to `sink` in chunks; an error
  // from `sink` stops reading and is returned. At most once per entry (FAILED_PRECONDITION
  // otherwise). RESOURCE_EXHAUSTED on a limit, INVALID_ARGUMENT on corrupt data.
  Status ReadContent(const std::function<Status(const char*, size_t)>& sink);

  const std::vector<RejectedEntry>& rejected() const;
  uint64_t total_bytes() const;   // content bytes delivered so far
  uint64_t entries_seen() const;  // headers read so far, counted against max_entries
  // Fraction of the archive file consumed so far (0..1), for progress reports.
  double fraction_read() const;

 private:
  struct State;
  explicit ArchiveReader(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

struct ExtractedFile {
  std::string path;    // normalized path inside the archive
  std::string digest;  // blob digest (hex SHA-256)
  uint64_t size = 0;
};

struct ExtractReport {
  std::vector<ExtractedFile> entries;  // in archive order
  std::vector<RejectedEntry> rejected;
};

// Streams every accepted entry of `archive` into `blobs` (NewWriter, Write, CommitDeferred,
// and one BlobStore::Sync at the end, so the reported blobs are durable). On any error, hard
// stops included, the error is returned and nothing is reported as imported; the blobs
// committed so far are unreferenced, and blob garbage collection removes them. The caller must
// hold blobs.gc_mutex() shared until it has referenced the reported digests.
// `after_entry`, when given, is called after each entry (progress, cancellation): an error it
// returns stops the extraction and is returned.
Result<ExtractReport> ExtractToBlobs(
    const std::filesystem::path& archive, store::BlobStore& blobs,
    const ArchiveLimits& limits = {},
    const std::function<Status(const ArchiveReader&)>& after_entry = nullptr);

// "a/./b" -> "a/b"; the reason it is refused otherwise ("absolute path", "'..' segment", ...).
// Exposed for tests and for importers that take paths from other sources.
Result<std::string> NormalizeEntryPath(std::string_view name, const ArchiveLimits& limits);
// Escapes control characters (\xNN) and cuts very long names, for error lists.
std::string DisplayName(std::string_view name);

}  // namespace easel::data
