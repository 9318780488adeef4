#pragma once
// What a running job kind sees, inside its `easel worker` process: its spec and attempt, and
// the ways it reports back (progress, metrics, log lines), saves its work (checkpoints), and
// learns it should stop (cancelled()).
//
// Logs: the executor has pointed the worker's stdout and stderr at the job's log file, so
// anything a kind prints is captured; Log() adds a timestamp and flushes at once so followers
// see the line while the job runs.
//
// Thread-safety: a kind may call every method from several threads.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/json.h"
#include "common/status.h"
#include "jobs/job.h"
#include "jobs/job_store.h"
#include "store/blob_store.h"

namespace easel::jobs {

class JobContext {
 public:
  // `job` is the running attempt (as ClaimNext returned it). `cancel_flag` is owned by the
  // caller (the worker sets it on SIGTERM) and must outlive the context.
  JobContext(JobStore store, Job job, std::filesystem::path data_dir,
             const std::atomic<bool>* cancel_flag);
  JobContext(const JobContext&) = delete;
  JobContext& operator=(const JobContext&) = delete;

  const std::string& job_id() const { return job_.id; }
  const std::string& project_id() const { return job_.project_id; }
  int64_t attempt() const { return job_.attempt; }
  const Json& spec() const { return job_.spec; }
  const std::string& created_by() const { return job_.created_by; }

  // The server's metadata store and blob store, for kinds that read and write data (imports,
  // exports, training). The blob store is set by the worker (set_blobs).
  store::Database& db() const { return store_.db(); }
  Result<store::BlobStore*> blobs() const {
    if (blobs_ == nullptr) return FailedPrecondition("this job has no blob store");
    return blobs_;
  }
  void set_blobs(store::BlobStore* blobs) { blobs_ = blobs; }

  // Tells the scheduler that started this worker to look at the queue now: call after
  // submitting jobs (a search's trials), which it would otherwise find at its next poll. Does
  // nothing for a worker started without a way to reach it (set_scheduler_wake_fd, an eventfd
  // the executor passes down).
  void WakeScheduler() const;
  void set_scheduler_wake_fd(int fd) { wake_fd_ = fd; }

  // Sleeps for `timeout`, or less: until the scheduler says one of this job's child jobs has
  // ended (kChildEndedSignal), or a stop signal comes. A search waits for its trials with it.
  void WaitForChildren(std::chrono::milliseconds timeout) const;
  void set_child_ended_fd(int fd) { child_ended_fd_ = fd; }

  // True once the job should stop: cancelled by a user, timed out, or the server is shutting
  // down. A kind checks it often (at least every 100 ms while it waits) and then returns
  // Cancelled(...) after saving a checkpoint if it can.
  bool cancelled() const { return cancel_flag_->load(std::memory_order_relaxed); }

  // Reports progress (fraction clamped to 0..1). Writes to the store at most every 250 ms;
  // a value that arrives sooner is kept and written by the next call or FlushProgress(), so the
  // last value is never lost. Progress is advisory: store errors are logged, not returned.
  void SetProgress(double fraction, std::string message);
  // Writes a held-back progress value now. The worker calls it every second and at the end.
  Status FlushProgress();

  // One point of a metric series (loss per epoch...). See JobStore::AppendMetric for limits.
  Status LogMetric(const std::string& name, int64_t step, double value);

  // Prints "<RFC 3339 time> <line>" to stdout and flushes.
  void Log(std::string_view line);

  // Replaces the job's checkpoint atomically: after a crash the next attempt sees either the
  // previous checkpoint or this one, never a torn file. Kept across attempts.
  Status SaveCheckpoint(std::string_view bytes);
  // The last saved checkpoint, or nullopt when there is none (first attempt).
  Result<std::optional<std::string>> LoadCheckpoint() const;

  // DATA_DIR/jobs/<id>/, created on demand: scratch space kept across attempts and removed
  // when the job is final.
  Result<std::filesystem::path> WorkDir() const;

 private:
  static constexpr std::chrono::milliseconds kProgressInterval{250};

  JobStore store_;
  const Job job_;
  const std::filesystem::path data_dir_;
  const std::atomic<bool>* cancel_flag_;
  store::BlobStore* blobs_ = nullptr;
  int wake_fd_ = -1;
  int child_ended_fd_ = -1;

  std::mutex progress_mu_;
  std::chrono::steady_clock::time_point last_progress_write_{};
  std::optional<std::pair<double, std::string>> pending_progress_;
};

}  // namespace easel::jobs
