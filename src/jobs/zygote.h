#pragma once
// A pre-started worker process that forks job workers.
//
// A fresh `easel worker` spends about half a second before its job starts: the dynamic loader
// maps and relocates a few hundred libraries and LibTorch registers thousands of operators. A
// fork of a process that has done that once starts in a few milliseconds, which is what a
// search of many short trials feels. The zygote is that process: the executor starts it as
// `<worker command> --zygote-fd 3` and asks it over a socket for workers; each is a fork that
// runs one job attempt exactly as `easel worker --job ID` would, and never execs.
//
// Workers keep the guarantees of worker_process.h: each is the leader of its own process group
// with stdin from /dev/null and stdout+stderr appended to its job's log, and dies with SIGKILL
// when its parent (the zygote) does; the zygote dies the same way with the executor thread that
// started it. Their parent being the zygote, the zygote reaps them and sends their wait status
// back to the executor.

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "jobs/worker.h"

namespace easel::jobs {

// The executor's side of one zygote. Used from one thread (the executor's loop).
class ZygoteClient {
 public:
  // Starts `argv` (the worker command; "--zygote-fd N" is appended, and "--wake-fd M" with
  // `wake_fd`, which the zygote and its workers inherit) with its output appended to
  // `log_path`, from the calling thread (see worker_process.h on PDEATHSIG), and waits for it
  // to say it is ready. UNAVAILABLE when it cannot start or does not answer in time.
  static Result<std::unique_ptr<ZygoteClient>> Start(const std::vector<std::string>& argv,
                                                     const std::filesystem::path& log_path,
                                                     int wake_fd = -1);
  // Closes the socket (the zygote then exits, and any worker still running dies with it) and
  // reaps the zygote.
  ~ZygoteClient();
  ZygoteClient(const ZygoteClient&) = delete;
  ZygoteClient& operator=(const ZygoteClient&) = delete;

  // Forks a worker for attempt `attempt` of job `job_id`; `banner` (may be empty) is appended to
  // the log first. UNAVAILABLE when the zygote is gone or does not answer; INTERNAL when it
  // could not fork or open the log.
  Result<pid_t> Spawn(const std::string& job_id, int64_t attempt,
                      const std::filesystem::path& log_path, std::string_view banner);

  // Reads what the zygote has sent without waiting (call when fd() is readable).
  void Drain();
  // The wait status of worker `pid` once it has exited (then forgotten), else nullopt. After the
  // zygote died, a worker it did not report reads as killed by SIGKILL, as PDEATHSIG did.
  std::optional<int> TryReap(pid_t pid);

  bool alive() const { return fd_ >= 0; }
  int fd() const { return fd_; }  // readable when the zygote has something to say

 private:
  ZygoteClient(int fd, pid_t pid) : fd_(fd), pid_(pid) {}
  // Handles one message ("exit" records a status, anything else is returned); closes the socket
  // when the zygote is gone. nullopt when nothing (more) can be read.
  std::optional<std::vector<std::string>> Receive(int timeout_ms);
  void Lost();

  int fd_;
  pid_t pid_;
  std::map<pid_t, int> exits_;
  std::vector<char> buffer_;  // for one message, kept: Drain() runs at every scheduler turn
};

// The zygote's side: serves spawn requests on `fd` until the executor closes it. Each forked
// worker runs RunWorker on `options` (the zygote's own: store, data dir, wake fd) with the job
// and attempt asked for. Answers the zygote's own exit code.
int RunZygote(int fd, const WorkerOptions& options, const JobKindRegistry& registry);

}  // namespace easel::jobs
