#include "jobs/job_context.h"

#include <poll.h>
#include <unistd.h>

#include <cstdio>
#include <thread>

#include "common/files.h"
#include "common/log.h"
#include "common/time.h"
#include "jobs/job_files.h"

namespace easel::jobs {

JobContext::JobContext(JobStore store, Job job, std::filesystem::path data_dir,
                       const std::atomic<bool>* cancel_flag)
    : store_(store),
      job_(std::move(job)),
      data_dir_(std::move(data_dir)),
      cancel_flag_(cancel_flag) {}

void JobContext::SetProgress(double fraction, std::string message) {
  std::lock_guard lock(progress_mu_);
  auto now = std::chrono::steady_clock::now();
  if (now - last_progress_write_ < kProgressInterval) {
    pending_progress_.emplace(fraction, std::move(message));
    return;
  }
  pending_progress_.reset();
  last_progress_write_ = now;
  Status st = store_.SetProgress(job_.id, job_.attempt, fraction, message);
  if (!st.ok()) EASEL_LOG_WARN("job {}: progress not recorded: {}", job_.id, st.ToString());
}

Status JobContext::FlushProgress() {
  std::lock_guard lock(progress_mu_);
  if (!pending_progress_) return OkStatus();
  auto [fraction, message] = std::move(*pending_progress_);
  pending_progress_.reset();
  last_progress_write_ = std::chrono::steady_clock::now();
  return store_.SetProgress(job_.id, job_.attempt, fraction, message);
}

Status JobContext::LogMetric(const std::string& name, int64_t step, double value) {
  return store_.AppendMetric(job_.id, name, step, value);
}

void JobContext::Log(std::string_view line) {
  std::string text = FormatRfc3339(NowMillis()) + " " + std::string(line) + "\n";
  // One fwrite per line keeps lines from several threads whole.
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

Status JobContext::SaveCheckpoint(std::string_view bytes) {
  EASEL_RETURN_IF_ERROR(WorkDir());
  EASEL_ASSIGN_OR_RETURN(auto path, JobCheckpointPath(data_dir_, job_.id));
  return WriteFileAtomic(path, bytes);
}

Result<std::optional<std::string>> JobContext::LoadCheckpoint() const {
  EASEL_ASSIGN_OR_RETURN(auto path, JobCheckpointPath(data_dir_, job_.id));
  auto bytes = ReadFile(path);
  if (!bytes.ok() && bytes.status().code() == StatusCode::kNotFound) {
    return std::optional<std::string>();
  }
  EASEL_RETURN_IF_ERROR(bytes.status());
  return std::optional<std::string>(std::move(*bytes));
}

Result<std::filesystem::path> JobContext::WorkDir() const {
  EASEL_ASSIGN_OR_RETURN(auto dir, JobDir(data_dir_, job_.id));
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Internal("cannot create the job's directory: " + ec.message());
  return dir;
}

void JobContext::WakeScheduler() const {
  if (wake_fd_ < 0) return;
  const uint64_t one = 1;
  if (::write(wake_fd_, &one, sizeof one) < 0) {
    // Saturated (the scheduler is due to wake anyway) or gone: its poll finds the jobs.
  }
}

void JobContext::WaitForChildren(std::chrono::milliseconds timeout) const {
  if (child_ended_fd_ < 0) {
    std::this_thread::sleep_for(timeout);
    return;
  }
  pollfd p = {child_ended_fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) > 0) {
    uint64_t drained;
    ssize_t ignored = ::read(child_ended_fd_, &drained, sizeof drained);
    (void)ignored;
  }
}

}  // namespace easel::jobs
