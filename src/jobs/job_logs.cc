#include "jobs/job_logs.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <mutex>
#include <shared_mutex>

#include "common/files.h"
#include "common/time.h"
#include "jobs/job_files.h"
#include "jobs/job_store.h"

namespace easel::jobs {
namespace {

// A final job whose log is still a file after this long will not be archived soon (say, the
// disk is full): followers stop rather than wait forever.
constexpr int64_t kArchiveGraceMs = 60'000;
constexpr size_t kMaxChunkBytes = 1 << 20;

Result<LogChunk> ReadBlob(store::BlobStore& blobs, const std::string& digest, uint64_t offset,
                          size_t max_bytes) {
  EASEL_ASSIGN_OR_RETURN(uint64_t size, blobs.Size(digest));
  LogChunk chunk;
  if (offset >= size) {
    chunk.next_offset = offset;
    chunk.finished = true;
    return chunk;
  }
  uint64_t length = std::min<uint64_t>(max_bytes, size - offset);
  chunk.data.reserve(length);
  EASEL_RETURN_IF_ERROR(blobs.Read(digest, offset, length, [&](const char* p, size_t n) {
    chunk.data.append(p, n);
    return true;
  }));
  chunk.next_offset = offset + chunk.data.size();
  chunk.finished = chunk.next_offset >= size;
  return chunk;
}

// Reads from the live file; NOT_FOUND when there is no file (yet, or any more).
Result<std::string> ReadLiveFile(const std::filesystem::path& path, uint64_t offset,
                                 size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return NotFound("no log yet");
    return Internal("cannot open the job's log: " + ErrnoMessage(errno));
  }
  std::string data(max_bytes, '\0');
  size_t got = 0;
  while (got < max_bytes) {
    ssize_t n = ::pread(fd, data.data() + got, max_bytes - got, static_cast<off_t>(offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  data.resize(got);
  return data;
}

}  // namespace

Result<LogChunk> ReadJobLog(store::Database& db, store::BlobStore& blobs,
                            const std::filesystem::path& data_dir, const std::string& project_id,
                            const std::string& job_id, uint64_t offset, size_t max_bytes) {
  max_bytes = std::min(max_bytes, kMaxChunkBytes);
  JobStore store(db);
  EASEL_ASSIGN_OR_RETURN(Job job, store.Get(project_id, job_id));
  EASEL_ASSIGN_OR_RETURN(auto path, JobLogPath(data_dir, job_id));
  // Two rounds: the log may be archived (and its file removed) between our read of the row and
  // our open of the file.
  for (int round = 0; round < 2; ++round) {
    if (job.log_digest) return ReadBlob(blobs, *job.log_digest, offset, max_bytes);
    auto data = ReadLiveFile(path, offset, max_bytes);
    if (data.ok()) {
      LogChunk chunk;
      chunk.next_offset = offset + data->size();
      chunk.finished = data->empty() && IsFinal(job.state) && job.finished_at &&
                       NowMillis() - *job.finished_at > kArchiveGraceMs;
      chunk.data = std::move(*data);
      return chunk;
    }
    if (data.status().code() != StatusCode::kNotFound) return data.status();
    EASEL_ASSIGN_OR_RETURN(job, store.Get(project_id, job_id));
  }
  // No file and no blob: the job never ran (or its log was lost), so nothing more will come
  // once it is final.
  LogChunk chunk;
  chunk.next_offset = offset;
  chunk.finished = IsFinal(job.state);
  return chunk;
}

Status ArchiveJobLog(store::Database& db, store::BlobStore& blobs,
                     const std::filesystem::path& data_dir, const std::string& job_id) {
  JobStore store(db);
  EASEL_ASSIGN_OR_RETURN(Job job, store.GetById(job_id));
  if (!IsFinal(job.state)) {
    return FailedPrecondition("job '" + job_id + "' is not finished; its files are still needed");
  }
  EASEL_ASSIGN_OR_RETURN(auto dir, JobDir(data_dir, job_id));
  EASEL_ASSIGN_OR_RETURN(auto log, JobLogPath(data_dir, job_id));
  std::error_code ec;
  if (!job.log_digest && std::filesystem::exists(log, ec)) {
    // Held from writing the blob until its reference is committed, so garbage collection cannot
    // take it in between.
    std::shared_lock gc_lock(blobs.gc_mutex());
    EASEL_ASSIGN_OR_RETURN(store::BlobInfo blob, blobs.PutFile(log));
    EASEL_RETURN_IF_ERROR(store.SetLogDigest(job_id, blob.digest, blob.size));
  }
  std::filesystem::remove_all(dir, ec);
  if (ec) return Internal("cannot remove the job's directory: " + ec.message());
  return OkStatus();
}

}  // namespace easel::jobs
