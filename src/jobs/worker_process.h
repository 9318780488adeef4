#pragma once
// Starting, signalling and reaping `easel worker` child processes: the POSIX process work of
// the local executor, kept apart from its scheduling.
//
// A worker runs in its own process group (so a signal reaches anything it started), with stdin
// from /dev/null and stdout+stderr appended to its job's log, and dies with SIGKILL when the
// thread that started it dies (PR_SET_PDEATHSIG), so a killed server takes its workers with it.
// Note the "thread": call SpawnWorkerProcess from a thread that outlives the worker.

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace easel::jobs {

// Forks and execs argv[0] (a path) with `argv`. `banner` (a line, may be empty) is appended to
// the log before the child starts. Safe to call while other threads run: everything that
// allocates happens before fork(); the child only makes async-signal-safe calls. Errors:
// INTERNAL when the log cannot be opened or fork() fails; a failing exec shows up as the child
// exiting with code 127 and a line in the log.
// The child also keeps `pass_fds` (at most kMaxPassedFds), as kPassedFd, kPassedFd + 1, ...
inline constexpr int kPassedFd = 3;
inline constexpr int kMaxPassedFds = 4;
Result<pid_t> SpawnWorkerProcess(const std::vector<std::string>& argv,
                                 const std::filesystem::path& log_path, std::string_view banner,
                                 const std::vector<int>& pass_fds = {});

// The process setup every worker gets, exec'd or forked by the zygote; async-signal-safe, for the
// child between fork() and exec() (or the attempt). EnterWorkerProcess: its own process group,
// SIGKILL when `parent` dies, stdin from `null_fd`, stdout and stderr to `log_fd`; false when
// the worker must not run (`parent` is already gone, or a dup2 failed).
// ResetWorkerSignals: an empty signal mask and the default action for the signals a server or
// a zygote changes.
bool EnterWorkerProcess(pid_t parent, int null_fd, int log_fd);
void ResetWorkerSignals();

// Sends `signal` to the worker's process group. A group that is already gone is not an error.
void SignalWorkerGroup(pid_t pid, int signal);

// The wait status of a worker that has exited (reaping it), or nullopt while it runs. Waits
// only for `pid`, never for other children of the process.
std::optional<int> TryReapWorker(pid_t pid);

// "exited with code 1", "killed by signal 9".
std::string DescribeWaitStatus(int wait_status);

// Appends one line to a log file (executor notes such as "worker killed by signal 9"). Best
// effort: failures are logged, not returned.
void AppendLogLine(const std::filesystem::path& log_path, std::string_view line);

}  // namespace easel::jobs
