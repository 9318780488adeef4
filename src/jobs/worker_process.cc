#include "jobs/worker_process.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/files.h"
#include "common/log.h"

namespace easel::jobs {
namespace {

// Runs between fork() and exec(): async-signal-safe calls only (no allocation, no locks).
[[noreturn]] void ExecChild(char* const* argv, int log_fd, int null_fd, const int* pass_fds,
                            int pass_count, pid_t parent) {
  // Passed descriptors become kPassedFd, kPassedFd + 1, ...: first copied out of the way, so
  // that neither stdio nor placing one can overwrite another still to be placed; dup2 clears
  // FD_CLOEXEC.
  int aside[kMaxPassedFds];
  for (int i = 0; i < pass_count; ++i) {
    aside[i] = fcntl(pass_fds[i], F_DUPFD_CLOEXEC, kPassedFd + kMaxPassedFds);
    if (aside[i] < 0) _exit(126);
  }
  // The parent may have died before PDEATHSIG took effect: then no signal will ever come.
  if (!EnterWorkerProcess(parent, null_fd, log_fd)) _exit(getppid() != parent ? 1 : 126);
  for (int i = 0; i < pass_count; ++i) {
    if (dup2(aside[i], kPassedFd + i) < 0) _exit(126);
  }
  ResetWorkerSignals();
  // Descriptors a library opened without O_CLOEXEC (sockets, databases) must not leak into
  // the worker.
#ifdef SYS_close_range
  syscall(SYS_close_range, static_cast<unsigned>(kPassedFd + pass_count), ~0U, 0U);
#endif
  execv(argv[0], argv);
  static const char kMessage[] = "easel: cannot start the worker program\n";
  ssize_t ignored = write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
  (void)ignored;
  _exit(127);
}

// A server started with a closed stdin/stdout could get descriptor 0..2 for the log, which the
// child's dup2 calls would then clobber: move such a descriptor above them.
int AboveStdio(int fd) {
  if (fd < 0 || fd > STDERR_FILENO) return fd;
  int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
  ::close(fd);
  return moved;
}

}  // namespace

bool EnterWorkerProcess(pid_t parent, int null_fd, int log_fd) {
  setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) return false;
  return dup2(null_fd, STDIN_FILENO) >= 0 && dup2(log_fd, STDOUT_FILENO) >= 0 &&
         dup2(log_fd, STDERR_FILENO) >= 0;
}

void ResetWorkerSignals() {
  // The server may block or ignore signals in its threads, the zygote blocks SIGCHLD; the
  // worker starts clean.
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int signal_number : {SIGTERM, SIGINT, SIGPIPE, SIGCHLD}) signal(signal_number, SIG_DFL);
}

Result<pid_t> SpawnWorkerProcess(const std::vector<std::string>& argv,
                                 const std::filesystem::path& log_path, std::string_view banner,
                                 const std::vector<int>& pass_fds) {
  if (pass_fds.size() > static_cast<size_t>(kMaxPassedFds)) {
    return InvalidArgument("too many descriptors to pass to a worker");
  }
  for (int fd : pass_fds) {
    if (fd < 0) return InvalidArgument("a descriptor to pass is not open");
  }
  if (argv.empty()) return InvalidArgument("worker command is empty");
  std::vector<char*> c_argv;
  c_argv.reserve(argv.size() + 1);
  for (const std::string& a : argv) c_argv.push_back(const_cast<char*>(a.c_str()));
  c_argv.push_back(nullptr);

  int log_fd =
      AboveStdio(::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
  if (log_fd < 0) return Internal("cannot open the job's log: " + ErrnoMessage(errno));
  if (!banner.empty()) {
    std::string line = std::string(banner) + "\n";
    ssize_t ignored = ::write(log_fd, line.data(), line.size());
    (void)ignored;
  }
  int null_fd = AboveStdio(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (null_fd < 0) {
    int err = errno;
    ::close(log_fd);
    return Internal("cannot open /dev/null: " + ErrnoMessage(err));
  }
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) {
    ExecChild(c_argv.data(), log_fd, null_fd, pass_fds.data(), static_cast<int>(pass_fds.size()),
              parent);
  }
  int fork_errno = errno;
  ::close(log_fd);
  ::close(null_fd);
  if (pid < 0) return Internal("fork failed: " + ErrnoMessage(fork_errno));
  // Also from the parent, so a signal sent right after this returns reaches the group even if
  // the child has not run yet (EACCES once it has exec'd: it did it itself).
  ::setpgid(pid, pid);
  return pid;
}

void SignalWorkerGroup(pid_t pid, int signal) {
  if (pid <= 0) return;
  if (::kill(-pid, signal) != 0 && errno != ESRCH) {
    EASEL_LOG_WARN("cannot signal worker group {}: {}", pid, ErrnoMessage(errno));
  }
}

std::optional<int> TryReapWorker(pid_t pid) {
  int status = 0;
  for (;;) {
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r == 0) return std::nullopt;
    if (errno == EINTR) continue;
    // ECHILD: someone else reaped it (a waitpid(-1) elsewhere). It is gone all the same.
    EASEL_LOG_WARN("waitpid({}) failed: {}", pid, ErrnoMessage(errno));
    return 0xff00;  // reads as "exited with code 255"
  }
}

std::string DescribeWaitStatus(int wait_status) {
  if (WIFEXITED(wait_status)) return fmt::format("exited with code {}", WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) return fmt::format("killed by signal {}", WTERMSIG(wait_status));
  return "ended for an unknown reason";
}

void AppendLogLine(const std::filesystem::path& log_path, std::string_view line) {
  int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) {
    EASEL_LOG_WARN("cannot append to a job log: {}", ErrnoMessage(errno));
    return;
  }
  std::string text = std::string(line) + "\n";
  ssize_t ignored = ::write(fd, text.data(), text.size());
  (void)ignored;
  ::close(fd);
}

}  // namespace easel::jobs
