#include "store/blob_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <system_error>
#include <vector>

#include "common/log.h"

namespace easel::store {
namespace fs = std::filesystem;

namespace {
constexpr size_t kChunk = 1 << 20;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// Reads a whole file in chunks, handing each to `consume`.
Status ForEachChunk(const Fd& fd, const std::function<Status(const char*, size_t)>& consume) {
  std::vector<char> buf(kChunk);
  for (;;) {
    ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Internal("read failed: " + ErrnoMessage(errno));
    if (n == 0) return OkStatus();
    EASEL_RETURN_IF_ERROR(consume(buf.data(), static_cast<size_t>(n)));
  }
}
}  // namespace

BlobStore::BlobStore(fs::path data_dir)
    : blobs_dir_(data_dir / "blobs"), tmp_dir_(data_dir / "tmp") {}

Result<std::unique_ptr<BlobStore>> BlobStore::Attach(const fs::path& data_dir) {
  std::unique_ptr<BlobStore> store(new BlobStore(data_dir));
  std::error_code ec;
  fs::create_directories(store->blobs_dir_, ec);
  fs::create_directories(store->tmp_dir_, ec);
  if (ec) return Internal("cannot create the blob directories: " + ec.message());
  return store;
}

Result<std::unique_ptr<BlobStore>> BlobStore::Open(const fs::path& data_dir) {
  std::unique_ptr<BlobStore> store(new BlobStore(data_dir));
  std::error_code ec;
  fs::create_directories(store->blobs_dir_, ec);
  if (ec) return Internal("cannot create the blob directory: " + ec.message());
  // Temporaries are only ever in flight inside a running process: anything here now is the
  // remains of a crash.
  fs::remove_all(store->tmp_dir_, ec);
  fs::create_directories(store->tmp_dir_, ec);
  if (ec) return Internal("cannot create the temporary directory: " + ec.message());
  return store;
}

Result<fs::path> BlobStore::PathOf(const std::string& digest) const {
  if (!IsSha256Hex(digest)) return InvalidArgument("not a SHA-256 digest");
  return blobs_dir_ / digest.substr(0, 2) / digest.substr(2);
}

Result<BlobStore::Writer> BlobStore::NewWriter() {
  EASEL_ASSIGN_OR_RETURN(AtomicFile file, AtomicFile::Create(tmp_dir_ / "pending", tmp_dir_));
  return Writer(this, std::move(file));
}

Status BlobStore::Writer::Write(const void* data, size_t n) {
  EASEL_RETURN_IF_ERROR(file_.Write(data, n));
  hash_.Update(data, n);
  size_ += n;
  return OkStatus();
}

Result<BlobInfo> BlobStore::Writer::Commit() { return CommitImpl(/*sync=*/true); }
Result<BlobInfo> BlobStore::Writer::CommitDeferred() { return CommitImpl(/*sync=*/false); }

Status BlobStore::Sync() { return SyncFilesystem(blobs_dir_); }

Result<BlobInfo> BlobStore::Writer::CommitImpl(bool sync) {
  BlobInfo info{hash_.HexDigest(), size_};
  EASEL_ASSIGN_OR_RETURN(fs::path final_path, store_->PathOf(info.digest));
  std::error_code ec;
  if (fs::exists(final_path, ec)) return info;  // identical content already stored; temp dropped
  fs::create_directories(final_path.parent_path(), ec);
  if (ec) return Internal("cannot create blob shard directory: " + ec.message());
  EASEL_RETURN_IF_ERROR(file_.CommitAs(final_path, sync));
  return info;
}

Result<BlobInfo> BlobStore::Put(std::string_view data) {
  EASEL_ASSIGN_OR_RETURN(Writer w, NewWriter());
  EASEL_RETURN_IF_ERROR(w.Write(data.data(), data.size()));
  return w.Commit();
}

Result<BlobInfo> BlobStore::PutFile(const fs::path& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return NotFound("file to store does not exist");
  EASEL_ASSIGN_OR_RETURN(Writer w, NewWriter());
  EASEL_RETURN_IF_ERROR(ForEachChunk(fd, [&](const char* p, size_t n) { return w.Write(p, n); }));
  return w.Commit();
}

Result<uint64_t> BlobStore::Size(const std::string& digest) const {
  EASEL_ASSIGN_OR_RETURN(fs::path p, PathOf(digest));
  struct stat st;
  if (::stat(p.c_str(), &st) != 0) return NotFound("blob does not exist");
  return static_cast<uint64_t>(st.st_size);
}

bool BlobStore::Exists(const std::string& digest) const { return Size(digest).ok(); }

Status BlobStore::Read(const std::string& digest, uint64_t offset, uint64_t length,
                       const std::function<bool(const char*, size_t)>& sink) {
  EASEL_ASSIGN_OR_RETURN(fs::path p, PathOf(digest));
  Fd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return NotFound("blob does not exist");
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return Internal("stat failed");
  uint64_t size = static_cast<uint64_t>(st.st_size);
  if (offset > size || length > size - offset) return OutOfRange("range outside the blob");

  bool whole = offset == 0 && length == size;
  if (!whole) {
    bool known_good;
    {
      std::lock_guard lock(verified_mu_);
      known_good = verified_.count(digest) > 0;
    }
    if (!known_good) EASEL_RETURN_IF_ERROR(Verify(digest));
  }

  Sha256 hash;
  std::vector<char> buf(kChunk);
  uint64_t pos = offset, end = offset + length;
  while (pos < end) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), end - pos));
    ssize_t n = ::pread(fd.get(), buf.data(), want, static_cast<off_t>(pos));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Internal("read failed: " + ErrnoMessage(errno));
    if (n == 0) return DataLoss("blob is shorter than recorded");
    if (whole) hash.Update(buf.data(), static_cast<size_t>(n));
    pos += static_cast<uint64_t>(n);
    // The hash of a whole read is only known at the end: hold back the last chunk until it
    // has been checked, so a reader never receives the complete content of a corrupt blob.
    if (whole && pos == end) {
      if (hash.HexDigest() != digest) {
        EASEL_LOG_ERROR("blob {} failed its hash check", digest);
        return DataLoss("stored content does not match its hash");
      }
      std::lock_guard lock(verified_mu_);
      verified_.insert(digest);
    }
    if (!sink(buf.data(), static_cast<size_t>(n))) return Cancelled("reader stopped");
  }
  if (whole && length == 0 && Sha256Hex("") != digest) return DataLoss("blob hash mismatch");
  return OkStatus();
}

Result<std::string> BlobStore::ReadAll(const std::string& digest) {
  EASEL_ASSIGN_OR_RETURN(uint64_t size, Size(digest));
  std::string out;
  out.reserve(size);
  EASEL_RETURN_IF_ERROR(Read(digest, 0, size, [&](const char* p, size_t n) {
    out.append(p, n);
    return true;
  }));
  return out;
}

Status BlobStore::Verify(const std::string& digest) {
  EASEL_ASSIGN_OR_RETURN(fs::path p, PathOf(digest));
  Fd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return NotFound("blob does not exist");
  Sha256 hash;
  EASEL_RETURN_IF_ERROR(ForEachChunk(fd, [&](const char* p, size_t n) {
    hash.Update(p, n);
    return OkStatus();
  }));
  if (hash.HexDigest() != digest) {
    EASEL_LOG_ERROR("blob {} failed its hash check", digest);
    return DataLoss("stored content does not match its hash");
  }
  std::lock_guard lock(verified_mu_);
  verified_.insert(digest);
  return OkStatus();
}

Status BlobStore::Remove(const std::string& digest) {
  EASEL_ASSIGN_OR_RETURN(fs::path p, PathOf(digest));
  if (::unlink(p.c_str()) != 0 && errno != ENOENT) {
    return Internal("cannot remove blob: " + ErrnoMessage(errno));
  }
  {
    std::lock_guard lock(verified_mu_);
    verified_.erase(digest);
  }
  return FsyncDir(p.parent_path());
}

Result<std::vector<std::pair<std::string, int64_t>>> BlobStore::List() const {
  std::vector<std::pair<std::string, int64_t>> out;
  std::error_code ec;
  auto now = fs::file_time_type::clock::now();
  for (const auto& shard : fs::directory_iterator(blobs_dir_, ec)) {
    if (!shard.is_directory()) continue;
    for (const auto& f : fs::directory_iterator(shard.path(), ec)) {
      std::string digest = shard.path().filename().string() + f.path().filename().string();
      if (!IsSha256Hex(digest)) continue;
      auto age = std::chrono::duration_cast<std::chrono::milliseconds>(
                     now - fs::last_write_time(f.path(), ec))
                     .count();
      out.emplace_back(digest, age);
    }
  }
  if (ec) return Internal("cannot list blobs: " + ec.message());
  return out;
}

}  // namespace easel::store
