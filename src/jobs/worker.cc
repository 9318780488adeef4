#include "jobs/worker.h"

#include <signal.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <mutex>
#include <thread>

#include "common/log.h"
#include "jobs/job_context.h"
#include "jobs/job_store.h"
#include "store/sql.h"

namespace easel::jobs {
namespace {

constexpr auto kHeartbeatInterval = std::chrono::seconds(1);

// Set from the signal handler; lock-free, so async-signal-safe.
std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free);

void OnStopSignal(int) { g_stop.store(true); }

// An eventfd the nudge handler writes: JobContext::WaitForChildren waits on it.
int g_nudge_fd = -1;

void OnNudgeSignal(int) {
  const uint64_t one = 1;
  ssize_t ignored = ::write(g_nudge_fd, &one, sizeof one);
  (void)ignored;
}

void InstallSignalHandlers() {
  struct sigaction sa = {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  g_nudge_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (g_nudge_fd >= 0) {
    struct sigaction nudge = {};
    nudge.sa_handler = OnNudgeSignal;
    nudge.sa_flags = SA_RESTART;
    sigemptyset(&nudge.sa_mask);
    sigaction(kChildEndedSignal, &nudge, nullptr);
  }
}

// Beats every second and writes held-back progress. When the store says the attempt is no
// longer running (the executor gave up on it), it raises the stop flag so the kind ends.
class HeartbeatThread {
 public:
  HeartbeatThread(JobStore store, JobContext& ctx) : store_(store), ctx_(ctx) {
    thread_ = std::thread([this] { Loop(); });
  }
  ~HeartbeatThread() { Stop(); }
  void Stop() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  bool lost() const { return lost_.load(); }

 private:
  void Loop() {
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, kHeartbeatInterval, [&] { return done_; })) {
      lock.unlock();
      ctx_.FlushProgress().IgnoreError();
      auto mine = store_.Heartbeat(ctx_.job_id(), ctx_.attempt());
      if (mine.ok() && !*mine) {
        EASEL_LOG_WARN("job {} attempt {} is no longer running; stopping", ctx_.job_id(),
                       ctx_.attempt());
        lost_.store(true);
        g_stop.store(true);
      }
      lock.lock();
    }
  }

  JobStore store_;
  JobContext& ctx_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::atomic<bool> lost_{false};
  std::thread thread_;
};

Result<Json> RunKind(const JobKind& kind, JobContext& ctx) {
  try {
    return kind.run(ctx);
  } catch (const std::exception& e) {
    EASEL_LOG_ERROR("job kind '{}' threw: {}", kind.name, e.what());
  } catch (...) {
    EASEL_LOG_ERROR("job kind '{}' threw a non-standard exception", kind.name);
  }
  return Internal("the job failed with an unexpected error (see its log)");
}

int Record(JobStore& store, const Job& job, const Result<Json>& outcome) {
  auto applied = store.Finish(job.id, job.attempt, outcome);
  if (!applied.ok()) {
    EASEL_LOG_ERROR("job {}: final state not recorded: {}", job.id, applied.status().ToString());
    return kWorkerExitError;
  }
  if (!*applied) {
    EASEL_LOG_WARN("job {} attempt {} was taken over; result dropped", job.id, job.attempt);
    return kWorkerExitNotCurrent;
  }
  std::printf("easel worker: job %s %s\n", job.id.c_str(),
              outcome.ok() ? "succeeded" : outcome.status().ToString().c_str());
  return kWorkerExitRecorded;
}

}  // namespace

int RunWorker(const WorkerOptions& options, const JobKindRegistry& registry) {
  InstallSignalHandlers();
  std::setvbuf(stdout, nullptr, _IOLBF, 0);

  // Two connections: the kind's and the heartbeat thread's.
  auto db = store::Database::Open(options.db_url, /*pool_size=*/2);
  if (!db.ok()) {
    EASEL_LOG_ERROR("worker cannot open the metadata store: {}", db.status().ToString());
    return kWorkerExitError;
  }
  JobStore store(**db);
  auto job = store.GetById(options.job_id);
  if (!job.ok()) {
    EASEL_LOG_ERROR("worker cannot load job {}: {}", options.job_id, job.status().ToString());
    return kWorkerExitError;
  }
  if (job->state != JobState::kRunning ||
      (options.attempt != 0 && job->attempt != options.attempt)) {
    EASEL_LOG_WARN("job {} is not running attempt {}; nothing to do", job->id, options.attempt);
    return kWorkerExitNotCurrent;
  }
  std::printf("easel worker: job %s (%s) attempt %lld of %lld\n", job->id.c_str(),
              job->kind.c_str(), static_cast<long long>(job->attempt),
              static_cast<long long>(job->max_attempts));

  auto kind = registry.Find(job->kind);
  if (!kind.ok()) return Record(store, *job, kind.status());
  if (Status st = (*kind)->ValidateSpec(job->spec); !st.ok()) return Record(store, *job, st);

  auto blobs = store::BlobStore::Attach(options.data_dir);
  if (!blobs.ok()) {
    EASEL_LOG_ERROR("worker cannot open the blob store: {}", blobs.status().ToString());
    return kWorkerExitError;
  }
  JobContext ctx(store, *job, options.data_dir, &g_stop);
  ctx.set_blobs(blobs->get());
  ctx.set_scheduler_wake_fd(options.wake_fd);
  ctx.set_child_ended_fd(g_nudge_fd);
  Result<Json> outcome = Internal("not run");
  bool lost = false;
  {
    HeartbeatThread heartbeat(store, ctx);
    outcome = RunKind(**kind, ctx);
    heartbeat.Stop();
    lost = heartbeat.lost();
  }
  {
    // Operators (and the import benchmark) read what an attempt cost in memory here.
    struct rusage usage {};
    if (::getrusage(RUSAGE_SELF, &usage) == 0) {
      std::printf("easel worker: peak RSS %ld KiB\n", static_cast<long>(usage.ru_maxrss));
    }
  }
  if (Status st = ctx.FlushProgress(); !st.ok()) {
    EASEL_LOG_WARN("job {}: last progress not recorded: {}", job->id, st.ToString());
  }

  if (g_stop.load() && !outcome.ok()) {
    if (lost) return kWorkerExitNotCurrent;
    auto cancel_requested = store.IsCancelRequested(job->id);
    if (!cancel_requested.ok()) return kWorkerExitError;
    if (!*cancel_requested) {
      std::printf("easel worker: job %s interrupted\n", job->id.c_str());
      return kWorkerExitInterrupted;
    }
    outcome = Cancelled("cancelled by request");
  }
  return Record(store, *job, outcome);
}

}  // namespace easel::jobs
