#pragma once
// The only place easel turns names into filesystem paths, and the atomic-write discipline every
// persistent file follows (temp file in the same directory, fsync, rename, fsync directory).

#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/status.h"

namespace easel {

// Joins `relative` under `root` and checks the result stays inside it. Rejects absolute paths,
// "..", empty or "." segments, backslashes, NUL and other control characters with
// INVALID_ARGUMENT. The check is lexical; callers only pass server-generated names.
Result<std::filesystem::path> ResolveUnder(const std::filesystem::path& root,
                                           std::string_view relative);

// fsync()s a directory so a rename or unlink inside it survives power loss.
Status FsyncDir(const std::filesystem::path& dir);

// Writes `data` to `path` atomically: readers see the old content or the new, never a part.
Status WriteFileAtomic(const std::filesystem::path& path, std::string_view data);

// Reads a whole (small) file. NOT_FOUND when it does not exist.
Result<std::string> ReadFile(const std::filesystem::path& path);

// A file being written that appears at its final path only on Commit(). Destroying it without
// Commit() removes the temporary. Not thread-safe.
class AtomicFile {
 public:
  // Creates a temporary next to `final_path` (or inside `temp_dir` when given, which must be on
  // the same filesystem).
  static Result<AtomicFile> Create(std::filesystem::path final_path,
                                   const std::filesystem::path& temp_dir = {});
  AtomicFile(AtomicFile&& other) noexcept;
  AtomicFile& operator=(AtomicFile&&) = delete;
  ~AtomicFile();

  Status Write(const void* data, size_t n);
  // fsync, rename over the final path, fsync the directory.
  Status Commit();
  // Like Commit, but renames to `final_path` given now (for content-addressed names known only
  // after writing). With `sync` false the fsyncs are skipped: the caller makes the file durable
  // later (SyncFilesystem) before anything depends on it. The rename is still atomic.
  Status CommitAs(const std::filesystem::path& final_path, bool sync = true);
  const std::filesystem::path& temp_path() const { return temp_path_; }

 private:
  AtomicFile(int fd, std::filesystem::path temp, std::filesystem::path final_path)
      : fd_(fd), temp_path_(std::move(temp)), final_path_(std::move(final_path)) {}
  void Abandon();
  int fd_ = -1;
  std::filesystem::path temp_path_;
  std::filesystem::path final_path_;
};

// syncfs(2) on the filesystem holding `path`: makes every earlier write and rename there
// durable at once (far cheaper than an fsync per file when thousands were written).
Status SyncFilesystem(const std::filesystem::path& path);

// A human-safe description of an OS error for logs (never sent to clients).
std::string ErrnoMessage(int err);

}  // namespace easel
