#include "common/files.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/random.h"

namespace easel {
namespace fs = std::filesystem;

std::string ErrnoMessage(int err) { return std::strerror(err); }

Result<fs::path> ResolveUnder(const fs::path& root, std::string_view relative) {
  if (relative.empty()) return InvalidArgument("empty path");
  if (relative.front() == '/') return InvalidArgument("absolute paths are not allowed");
  fs::path out = root;
  size_t start = 0;
  while (start <= relative.size()) {
    size_t end = relative.find('/', start);
    if (end == std::string_view::npos) end = relative.size();
    std::string_view seg = relative.substr(start, end - start);
    if (seg.empty() || seg == "." || seg == "..") {
      return InvalidArgument("path segments may not be empty, '.' or '..'");
    }
    for (char c : seg) {
      if (c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        return InvalidArgument("path contains a backslash or control character");
      }
    }
    out /= std::string(seg);
    start = end + 1;
  }
  return out;
}

Status FsyncDir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Internal("cannot open directory for fsync: " + ErrnoMessage(errno));
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return Internal("fsync of directory failed: " + ErrnoMessage(err));
  return OkStatus();
}

Status WriteFileAtomic(const fs::path& path, std::string_view data) {
  EASEL_ASSIGN_OR_RETURN(AtomicFile file, AtomicFile::Create(path));
  EASEL_RETURN_IF_ERROR(file.Write(data.data(), data.size()));
  return file.Commit();
}

Result<std::string> ReadFile(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return NotFound("file does not exist");
    return Internal("cannot open file: " + ErrnoMessage(errno));
  }
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return Internal("read failed: " + ErrnoMessage(err));
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

Result<AtomicFile> AtomicFile::Create(fs::path final_path, const fs::path& temp_dir) {
  fs::path dir = temp_dir.empty() ? final_path.parent_path() : temp_dir;
  fs::path temp = dir / (".tmp-" + NewId());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) return Internal("cannot create temporary file: " + ErrnoMessage(errno));
  return AtomicFile(fd, std::move(temp), std::move(final_path));
}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : fd_(other.fd_),
      temp_path_(std::move(other.temp_path_)),
      final_path_(std::move(other.final_path_)) {
  other.fd_ = -1;
  other.temp_path_.clear();
}

AtomicFile::~AtomicFile() { Abandon(); }

void AtomicFile::Abandon() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!temp_path_.empty()) ::unlink(temp_path_.c_str());
  temp_path_.clear();
}

Status AtomicFile::Write(const void* data, size_t n) {
  if (fd_ < 0) return FailedPrecondition("file already committed or abandoned");
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t w = ::write(fd_, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) {
      int err = errno;
      if (err == ENOSPC) return ResourceExhausted("no space left on the data disk");
      return Internal("write failed: " + ErrnoMessage(err));
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return OkStatus();
}

Status AtomicFile::Commit() { return CommitAs(final_path_); }

Status AtomicFile::CommitAs(const fs::path& final_path, bool sync) {
  if (fd_ < 0) return FailedPrecondition("file already committed or abandoned");
  if (sync && ::fsync(fd_) != 0) {
    int err = errno;
    Abandon();
    return Internal("fsync failed: " + ErrnoMessage(err));
  }
  ::close(fd_);
  fd_ = -1;
  if (::rename(temp_path_.c_str(), final_path.c_str()) != 0) {
    int err = errno;
    Abandon();
    return Internal("rename failed: " + ErrnoMessage(err));
  }
  temp_path_.clear();
  return sync ? FsyncDir(final_path.parent_path()) : OkStatus();
}

Status SyncFilesystem(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Internal("cannot open for syncfs: " + ErrnoMessage(errno));
  const int rc = ::syncfs(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return Internal("syncfs failed: " + ErrnoMessage(err));
  return OkStatus();
}

}  // namespace easel
