#pragma once
// The local executor: runs queued jobs as `easel worker` child processes on this machine.
//
// One scheduler thread claims jobs up to `max_concurrency` (coordinator kinds, which mostly wait
// for the jobs they start, up to `max_coordinators` besides), starts a worker per attempt
// (worker_process.h), and watches them: it enforces the per-job timeout (SIGTERM, then
// SIGKILL after the grace period → `failed` with DEADLINE_EXCEEDED, not retried), acts on
// cancel requests (the same signals → `cancelled`), and when a worker exits without recording
// a final state it re-queues the job or fails it once its attempts are spent. When a job is
// final its log is archived as a blob and its directory removed (job_logs.h).
//
// Crash safety: workers die with the scheduler thread (PR_SET_PDEATHSIG), and Start() first
// recovers jobs the previous run of this `runner_id` left `running`, so after a kill -9 of the
// server a restart re-queues them and they resume from their checkpoints.

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "jobs/job.h"
#include "jobs/job_kind.h"
#include "jobs/job_store.h"
#include "jobs/zygote.h"
#include "store/blob_store.h"
#include "store/sql.h"

namespace easel::jobs {

struct ExecutorOptions {
  std::filesystem::path data_dir;
  // Program and leading arguments of the worker, e.g. {"/usr/bin/easel", "worker", "--data-dir",
  // D, "--db", URL}; the executor appends "--job ID --attempt N".
  std::vector<std::string> worker_argv;
  // Names this executor in jobs.runner; stable across restarts of the same server, unique among
  // servers sharing a database.
  std::string runner_id = "local";
  int max_concurrency = 2;
  // Coordinator jobs (JobKind::coordinator) run at once, outside max_concurrency.
  int max_coordinators = 4;
  int64_t default_timeout_s = 0;  // for jobs submitted with timeout_s 0; 0: no timeout
  int64_t cancel_grace_s = 10;    // SIGTERM → SIGKILL
  // How often the queue is read for jobs submitted without a Wake() (by workers, such as a
  // search's trials, or by other servers): a claim waits half of it on average.
  int64_t poll_interval_ms = 50;
  // Fork workers from a pre-started zygote (zygote.h), which starts a job in milliseconds
  // instead of the half second an exec'd worker takes to load its libraries. The worker
  // command must then accept "--zygote-fd N". When the zygote cannot start or dies, workers
  // are exec'd as without it.
  bool zygote = true;
};

class LocalExecutor {
 public:
  // `db`, `blobs` and `registry` must outlive the executor.
  LocalExecutor(store::Database& db, store::BlobStore& blobs, const JobKindRegistry& registry,
                ExecutorOptions options);
  // Stop(/*requeue_running=*/true) if still running.
  ~LocalExecutor();
  LocalExecutor(const LocalExecutor&) = delete;
  LocalExecutor& operator=(const LocalExecutor&) = delete;

  // Recovers this runner's interrupted jobs, archives leftovers of finished ones, then starts
  // the scheduler thread. INVALID_ARGUMENT for bad options; the store's error when recovery
  // fails (the server should not serve jobs then). Call once.
  Status Start();
  // Makes the scheduler look at the queue and cancel requests now rather than at its next
  // poll; call after Submit or RequestCancel. Thread-safe, cheap.
  void Wake();
  // Stops claiming jobs, then either interrupts running workers (requeue_running: SIGTERM,
  // SIGKILL after the grace period; their jobs go back to `queued` without consuming an
  // attempt) or waits for them to finish on their own. Returns when no worker is left.
  // Idempotent; call from one thread.
  void Stop(bool requeue_running);

  // Workers running now (for a gauge).
  int running() const { return running_.load(); }

 private:
  enum class StopReason { kNone, kCancel, kTimeout, kShutdown };
  struct Child {
    Job job;  // as claimed
    pid_t pid = 0;
    int64_t timeout_s = 0;  // effective: the job's, else the executor's default
    std::optional<std::chrono::steady_clock::time_point> deadline;
    StopReason stop = StopReason::kNone;
    std::optional<std::chrono::steady_clock::time_point> kill_at;
    bool killed = false;
    std::optional<int> exit_status;  // set once reaped; kept until its outcome is recorded
    // pidfd (-1 on kernels without them): this worker, even once its pid is reused. An exec'd
    // worker's is polled, readable when it exits, so the loop wakes at once; a forked one's
    // only takes signals (the zygote reaps it and reports its status).
    int pidfd = -1;
    bool forked = false;  // by the zygote, which reaps it and reports its status
  };

  void Loop();
  void FillSlots();
  void FillPool(const KindFilter& filter, int limit);
  bool Spawn(const Job& job);  // false when no worker could be started
  Result<pid_t> StartWorker(const Job& job, bool* forked);
  void ActOnCancelRequests();
  void EnforceDeadlines();
  void BeginStop(Child& child, StopReason reason);
  void ReapChildren(bool stopping);
  Status RecordExit(Child& child);
  void SweepJobDirs();
  void Archive(const std::string& job_id);
  std::filesystem::path LogPathOrEmpty(const std::string& job_id) const;

  store::Database& db_;
  store::BlobStore& blobs_;
  const JobKindRegistry& registry_;
  // What each pool may claim, from the registry at Start().
  KindFilter coordinators_;
  KindFilter others_;
  const ExecutorOptions options_;
  JobStore store_;

  // Sleeps until Wake(), a worker's exit, or the poll interval, whichever comes first.
  void WaitForWork(bool stopping);

  std::mutex mu_;
  // eventfd written by Wake() and Stop(), and by workers that submit jobs (--wake-fd)
  int wake_fd_ = -1;
  bool woken_ = false;
  bool stopping_ = false;
  bool requeue_on_stop_ = false;
  std::thread thread_;
  std::atomic<int> running_{0};

  // Scheduler thread only.
  std::map<std::string, Child> children_;
  std::unique_ptr<ZygoteClient> zygote_;  // started with the first worker
  bool zygote_tried_ = false;
};

}  // namespace easel::jobs
