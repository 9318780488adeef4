#include "jobs/executor.h"

#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

#include "common/files.h"
#include "common/log.h"
#include "common/random.h"
#include "common/time.h"
#include "jobs/job_files.h"
#include "jobs/job_logs.h"
#include "jobs/worker.h"
#include "jobs/worker_process.h"

namespace easel::jobs {
namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kSweepInterval = std::chrono::seconds(60);
// While stopping, look at the workers more often than the idle poll so Stop() returns soon.
constexpr auto kStoppingPoll = std::chrono::milliseconds(20);

std::string Note(std::string_view text) {
  return FormatRfc3339(NowMillis()) + " easel: " + std::string(text);
}

}  // namespace

LocalExecutor::LocalExecutor(store::Database& db, store::BlobStore& blobs,
                             const JobKindRegistry& registry, ExecutorOptions options)
    : db_(db),
      blobs_(blobs),
      registry_(registry),
      options_(std::move(options)),
      store_(db),
      wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

LocalExecutor::~LocalExecutor() {
  Stop(/*requeue_running=*/true);
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

Status LocalExecutor::Start() {
  if (thread_.joinable()) return FailedPrecondition("the executor is already running");
  if (options_.worker_argv.empty()) return InvalidArgument("executor needs a worker command");
  if (options_.runner_id.empty()) return InvalidArgument("executor needs a runner id");
  if (options_.max_concurrency < 1 || options_.max_coordinators < 1) {
    return InvalidArgument("max_concurrency and max_coordinators must be at least 1");
  }
  if (options_.cancel_grace_s < 0 || options_.poll_interval_ms < 1) {
    return InvalidArgument("cancel_grace_s and poll_interval_ms must be positive");
  }
  EASEL_ASSIGN_OR_RETURN(auto jobs_dir, ResolveUnder(options_.data_dir, "jobs"));
  std::error_code ec;
  std::filesystem::create_directories(jobs_dir, ec);
  if (ec) return Internal("cannot create the jobs directory: " + ec.message());

  // The registry is complete before the executor starts: split its kinds into the two pools.
  coordinators_ = {.kinds = {}, .include = true};
  for (const JobKind* kind : registry_.List()) {
    if (kind->coordinator) coordinators_.kinds.push_back(kind->name);
  }
  others_ = {.kinds = coordinators_.kinds, .include = false};

  EASEL_ASSIGN_OR_RETURN(auto recovered, store_.RecoverRunner(options_.runner_id));
  for (const auto& [id, state] : recovered) {
    EASEL_LOG_INFO("job {} was interrupted by the last shutdown; now {}", id, JobStateName(state));
    if (auto log = LogPathOrEmpty(id); !log.empty() && std::filesystem::exists(log, ec)) {
      AppendLogLine(log, Note(fmt::format("the server restarted; job {}", JobStateName(state))));
    }
  }
  SweepJobDirs();
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { Loop(); });
  return OkStatus();
}

void LocalExecutor::Wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  uint64_t one = 1;
  if (::write(wake_fd_, &one, sizeof one) < 0) {
    // The counter is saturated: the loop is already due to wake.
  }
}

void LocalExecutor::Stop(bool requeue_running) {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    requeue_on_stop_ = requeue_running;
    woken_ = true;
  }
  uint64_t one = 1;
  if (::write(wake_fd_, &one, sizeof one) < 0) {
    // As in Wake().
  }
  thread_.join();
}

void LocalExecutor::Loop() {
  auto last_sweep = Clock::now();
  for (;;) {
    bool stopping, requeue;
    {
      std::lock_guard lock(mu_);
      stopping = stopping_;
      requeue = requeue_on_stop_;
      woken_ = false;
    }
    ReapChildren(stopping);
    if (stopping) {
      for (auto& [id, child] : children_) {
        if (requeue && child.stop == StopReason::kNone && !child.exit_status) {
          BeginStop(child, StopReason::kShutdown);
        }
      }
      // Workers die with this thread (PDEATHSIG): it may only leave once they are all gone.
      if (children_.empty()) break;
    } else {
      ActOnCancelRequests();
      FillSlots();
    }
    EnforceDeadlines();
    if (!stopping && Clock::now() - last_sweep > kSweepInterval) {
      SweepJobDirs();
      last_sweep = Clock::now();
    }
    running_.store(static_cast<int>(children_.size()));
    WaitForWork(stopping);
  }
  zygote_.reset();  // no worker is left; a later Start() begins with a new one
  zygote_tried_ = false;
  running_.store(0);
}

void LocalExecutor::WaitForWork(bool stopping) {
  {
    std::lock_guard lock(mu_);
    if (woken_) return;
  }
  std::vector<pollfd> fds = {{wake_fd_, POLLIN, 0}};
  for (const auto& [id, child] : children_) {
    // An exited child's pidfd stays readable: only those still running are watched.
    if (child.pidfd >= 0 && !child.forked && !child.exit_status) {
      fds.push_back({child.pidfd, POLLIN, 0});
    }
  }
  // The zygote's workers: it says when one exits.
  if (zygote_ && zygote_->alive()) fds.push_back({zygote_->fd(), POLLIN, 0});
  auto timeout = std::chrono::milliseconds(options_.poll_interval_ms);
  if (stopping)
    timeout = std::min<std::chrono::milliseconds>(
        timeout, std::chrono::duration_cast<std::chrono::milliseconds>(kStoppingPoll));
  if (::poll(fds.data(), fds.size(), static_cast<int>(timeout.count())) > 0 &&
      (fds[0].revents & POLLIN)) {
    uint64_t drained;
    if (::read(wake_fd_, &drained, sizeof drained) < 0) {
      // Nothing to drain: another read got there first.
    }
  }
}

void LocalExecutor::FillSlots() {
  FillPool(coordinators_, options_.max_coordinators);
  FillPool(others_, options_.max_concurrency);
}

void LocalExecutor::FillPool(const KindFilter& filter, int limit) {
  auto in_pool = [&](const Job& job) {
    bool listed =
        std::find(filter.kinds.begin(), filter.kinds.end(), job.kind) != filter.kinds.end();
    return listed == filter.include;
  };
  for (;;) {
    int running = 0;
    for (const auto& [id, child] : children_) running += in_pool(child.job) ? 1 : 0;
    if (running >= limit) return;
    auto claimed = store_.ClaimNext(options_.runner_id, filter);
    if (!claimed.ok()) {
      EASEL_LOG_WARN("cannot claim a job: {}", claimed.status().ToString());
      return;
    }
    if (!claimed->has_value()) return;
    // After a failed start, wait a poll before the next claim rather than spin on it.
    if (!Spawn(**claimed)) return;
  }
}

bool LocalExecutor::Spawn(const Job& job) {
  if (auto kind = registry_.Find(job.kind); !kind.ok()) {
    // Not worth a process: the worker would find the same.
    store_.Finish(job.id, job.attempt, kind.status()).status().IgnoreError();
    Archive(job.id);
    return true;
  }
  bool forked = false;
  Result<pid_t> pid = StartWorker(job, &forked);
  if (!pid.ok()) {
    EASEL_LOG_ERROR("cannot start a worker for job {}: {}", job.id, pid.status().ToString());
    auto state = store_.Requeue(job.id, job.attempt, "the worker could not be started");
    if (state.ok() && IsFinal(*state)) Archive(job.id);
    return false;
  }
  if (Status st = store_.SetWorkerPid(job.id, job.attempt, *pid); !st.ok()) {
    EASEL_LOG_WARN("job {}: worker pid not recorded: {}", job.id, st.ToString());
  }
  Child child;
  child.job = job;
  child.pid = *pid;
  child.forked = forked;
  // Without a pidfd (old kernel) the exit is noticed at the next poll instead.
  child.pidfd = static_cast<int>(::syscall(SYS_pidfd_open, *pid, 0));
  child.timeout_s = job.timeout_s > 0 ? job.timeout_s : options_.default_timeout_s;
  if (child.timeout_s > 0) child.deadline = Clock::now() + std::chrono::seconds(child.timeout_s);
  EASEL_LOG_INFO("job {} ({}) attempt {} started as pid {}", job.id, job.kind, job.attempt, *pid);
  children_.emplace(job.id, std::move(child));
  return true;
}

Result<pid_t> LocalExecutor::StartWorker(const Job& job, bool* forked) {
  EASEL_ASSIGN_OR_RETURN(auto dir, JobDir(options_.data_dir, job.id));
  EASEL_ASSIGN_OR_RETURN(auto log, JobLogPath(options_.data_dir, job.id));
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Internal("cannot create the job's directory: " + ec.message());
  const std::string banner =
      Note(fmt::format("attempt {} of {} starting", job.attempt, job.max_attempts));
  // Started here, on the scheduler thread, which outlives every worker (PDEATHSIG).
  if (options_.zygote && !zygote_tried_) {
    zygote_tried_ = true;
    auto started = ZygoteClient::Start(
        options_.worker_argv, std::filesystem::path(options_.data_dir) / "jobs" / "zygote.log",
        wake_fd_);
    if (started.ok()) {
      zygote_ = std::move(*started);
    } else {
      EASEL_LOG_WARN("workers start by exec: {}", started.status().ToString());
    }
  }
  if (zygote_ && zygote_->alive()) {
    Result<pid_t> pid = zygote_->Spawn(job.id, job.attempt, log, banner);
    if (pid.ok() || pid.status().code() != StatusCode::kUnavailable) {
      *forked = pid.ok();
      return pid;
    }
  }
  std::vector<std::string> argv = options_.worker_argv;
  argv.insert(argv.end(), {"--job", job.id, "--attempt", std::to_string(job.attempt)});
  if (wake_fd_ < 0) return SpawnWorkerProcess(argv, log, banner);
  argv.insert(argv.end(), {"--wake-fd", std::to_string(kPassedFd)});
  return SpawnWorkerProcess(argv, log, banner, {wake_fd_});
}

void LocalExecutor::ActOnCancelRequests() {
  if (children_.empty()) return;
  auto ids = store_.CancelRequested(options_.runner_id);
  if (!ids.ok()) {
    EASEL_LOG_WARN("cannot read cancel requests: {}", ids.status().ToString());
    return;
  }
  for (const std::string& id : *ids) {
    auto it = children_.find(id);
    if (it == children_.end() || it->second.stop != StopReason::kNone) continue;
    if (!it->second.exit_status) BeginStop(it->second, StopReason::kCancel);
  }
}

void LocalExecutor::BeginStop(Child& child, StopReason reason) {
  child.stop = reason;
  child.kill_at = Clock::now() + std::chrono::seconds(options_.cancel_grace_s);
  SignalWorkerGroup(child.pid, SIGTERM);
}

void LocalExecutor::EnforceDeadlines() {
  auto now = Clock::now();
  for (auto& [id, child] : children_) {
    if (child.exit_status) continue;
    if (child.stop == StopReason::kNone && child.deadline && now >= *child.deadline) {
      EASEL_LOG_INFO("job {} exceeded its timeout of {} s", id, child.timeout_s);
      BeginStop(child, StopReason::kTimeout);
    }
    if (child.kill_at && !child.killed && now >= *child.kill_at) {
      EASEL_LOG_WARN("job {}: worker ignored SIGTERM for {} s; killing it", id,
                     options_.cancel_grace_s);
      SignalWorkerGroup(child.pid, SIGKILL);
      child.killed = true;
    }
  }
}

void LocalExecutor::ReapChildren(bool stopping) {
  if (zygote_) zygote_->Drain();
  for (auto it = children_.begin(); it != children_.end();) {
    Child& child = it->second;
    if (!child.exit_status) {
      child.exit_status = child.forked ? zygote_->TryReap(child.pid) : TryReapWorker(child.pid);
    }
    if (!child.exit_status) {
      ++it;
      continue;
    }
    if (Status st = RecordExit(child); !st.ok()) {
      EASEL_LOG_ERROR("job {}: outcome of attempt {} not recorded: {}", it->first,
                      child.job.attempt, st.ToString());
      // Retried at the next poll; when stopping, the next Start() recovers the job instead.
      if (!stopping) {
        ++it;
        continue;
      }
    }
    if (child.pidfd >= 0) ::close(child.pidfd);
    // A search waiting for its trials hears at once that one ended. Through the parent's pidfd:
    // a forked parent that has just exited may have been reaped by the zygote, and its pid
    // reused, before its report comes.
    if (child.job.parent_id) {
      auto parent = children_.find(*child.job.parent_id);
      if (parent != children_.end() && !parent->second.exit_status) {
        const Child& p = parent->second;
        if (p.pidfd >= 0) {
          ::syscall(SYS_pidfd_send_signal, p.pidfd, kChildEndedSignal, nullptr, 0);
        } else {
          ::kill(p.pid, kChildEndedSignal);
        }
      }
    }
    it = children_.erase(it);
  }
}

Status LocalExecutor::RecordExit(Child& child) {
  const Job& claimed = child.job;
  std::string how = DescribeWaitStatus(*child.exit_status);
  EASEL_ASSIGN_OR_RETURN(Job job, store_.GetById(claimed.id));
  if (job.state == JobState::kRunning && job.attempt == claimed.attempt) {
    // The worker ended without recording a final state: what it means depends on why it ended.
    Status st;
    switch (child.stop) {
      case StopReason::kCancel:
        st = store_.Finish(claimed.id, claimed.attempt, Cancelled("cancelled by request")).status();
        break;
      case StopReason::kTimeout:
        st = store_
                 .Finish(claimed.id, claimed.attempt,
                         DeadlineExceeded(
                             fmt::format("the job exceeded its timeout of {} s", child.timeout_s)))
                 .status();
        break;
      case StopReason::kShutdown:
        st = store_
                 .Requeue(claimed.id, claimed.attempt, "interrupted by server shutdown",
                          /*consume_attempt=*/false)
                 .status();
        break;
      case StopReason::kNone:
        st = store_.Requeue(claimed.id, claimed.attempt, "worker died (" + how + ")").status();
        break;
    }
    // FAILED_PRECONDITION: the worker recorded its state after all; the re-read shows which.
    if (!st.ok() && st.code() != StatusCode::kFailedPrecondition) return st;
    EASEL_ASSIGN_OR_RETURN(job, store_.GetById(claimed.id));
    if (auto log = LogPathOrEmpty(claimed.id); !log.empty()) {
      AppendLogLine(log, Note(fmt::format("worker {}; job {}", how, JobStateName(job.state))));
    }
  }
  EASEL_LOG_INFO("job {} attempt {}: worker {}; job {}", claimed.id, claimed.attempt, how,
                 JobStateName(job.state));
  if (IsFinal(job.state)) Archive(claimed.id);
  return OkStatus();
}

void LocalExecutor::SweepJobDirs() {
  auto root = ResolveUnder(options_.data_dir, "jobs");
  if (!root.ok()) return;
  std::error_code ec;
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(*root, ec)) {
    names.push_back(entry.path().filename().string());
  }
  for (const std::string& name : names) {
    if (!LooksLikeId(name) || children_.count(name)) continue;
    auto job = store_.GetById(name);
    if (!job.ok() && job.status().code() == StatusCode::kNotFound) {
      // The job is gone (its project was deleted): so are the reasons to keep its files.
      if (auto dir = JobDir(options_.data_dir, name); dir.ok()) {
        std::filesystem::remove_all(*dir, ec);
      }
    } else if (job.ok() && IsFinal(job->state)) {
      Archive(name);
    }
  }
}

void LocalExecutor::Archive(const std::string& job_id) {
  Status st = ArchiveJobLog(db_, blobs_, options_.data_dir, job_id);
  // The directory stays; the next sweep tries again.
  if (!st.ok()) EASEL_LOG_WARN("job {}: log not archived: {}", job_id, st.ToString());
}

std::filesystem::path LocalExecutor::LogPathOrEmpty(const std::string& job_id) const {
  auto path = JobLogPath(options_.data_dir, job_id);
  return path.ok() ? *path : std::filesystem::path();
}

}  // namespace easel::jobs
