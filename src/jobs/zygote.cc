#include "jobs/zygote.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include "common/files.h"
#include "common/log.h"
#include "jobs/worker.h"
#include "jobs/worker_process.h"

namespace easel::jobs {
namespace {

// Messages are SOCK_SEQPACKET datagrams of NUL-separated fields:
//   executor → zygote  "spawn" job attempt log banner
//   zygote → executor  "ready" | "pid" N | "error" message | "exit" N wait_status
constexpr size_t kMaxMessage = 64 * 1024;
constexpr int kAnswerTimeoutMs = 10000;

bool SendFields(int fd, const std::vector<std::string>& fields) {
  std::string message;
  for (const std::string& f : fields) message.append(f).push_back('\0');
  for (;;) {
    ssize_t n = ::send(fd, message.data(), message.size(), MSG_NOSIGNAL);
    if (n >= 0) return static_cast<size_t>(n) == message.size();
    if (errno != EINTR) return false;
  }
}

std::vector<std::string> SplitFields(const char* data, size_t size) {
  std::vector<std::string> fields;
  size_t start = 0;
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == '\0') {
      fields.emplace_back(data + start, i - start);
      start = i + 1;
    }
  }
  return fields;
}

// Between fork() and running the attempt, in the new worker: the process setup SpawnWorkerProcess
// gives an exec'd worker. False when the worker must not run.
bool BecomeWorker(int log_fd, pid_t zygote) {
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0 || !EnterWorkerProcess(zygote, null_fd, log_fd)) return false;
  close(null_fd);
  close(log_fd);
  ResetWorkerSignals();
  return true;
}

// The argument area the kernel set up at exec (arg_start..arg_end in /proc/self/stat) and the
// arguments in it: the same in the zygote and every fork of it, so read once.
struct ArgumentArea {
  uintptr_t start = 0, end = 0;  // 0: unknown, and then left alone
  std::vector<std::string> args;
};

ArgumentArea ReadArgumentArea() {
  std::ifstream stat_file("/proc/self/stat");
  const std::string stat((std::istreambuf_iterator<char>(stat_file)),
                         std::istreambuf_iterator<char>());
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return {};
  std::istringstream fields(stat.substr(paren + 1));
  std::string field;
  ArgumentArea area;
  for (int i = 3; fields >> field && i <= 49; ++i) {  // fields 48 and 49 (from 1)
    if (i == 48) area.start = std::strtoull(field.c_str(), nullptr, 10);
    if (i == 49) area.end = std::strtoull(field.c_str(), nullptr, 10);
  }
  std::ifstream cmdline_file("/proc/self/cmdline", std::ios::binary);
  const std::string cmdline((std::istreambuf_iterator<char>(cmdline_file)),
                            std::istreambuf_iterator<char>());
  area.args = SplitFields(cmdline.data(), cmdline.size());
  if (area.start == 0 || area.end <= area.start || area.end - area.start < cmdline.size() ||
      area.args.size() < 2) {
    return {};
  }
  return area;
}

// Makes a forked worker's command line (what ps and /proc/PID/cmdline show) read as that of the
// exec'd worker it stands for: "<program> worker --job ID --attempt N" and the rest of the
// zygote's arguments but "--zygote-fd N", overwritten in place and cut to the area's length, so
// the job's id comes first.
void ShowAsWorker(const ArgumentArea& area, const std::string& job, int64_t attempt) {
  if (area.start == 0) return;
  const std::vector<std::string>& args = area.args;
  std::vector<std::string> shown = {args[0], args[1], "--job", job, "--attempt",
                                    std::to_string(attempt)};
  for (size_t i = 2; i < args.size(); ++i) {
    if (args[i] == "--zygote-fd") {
      ++i;
    } else {
      shown.push_back(args[i]);
    }
  }
  std::string text;
  for (const std::string& a : shown) text.append(a).push_back('\0');
  // The area's last byte stays NUL: else the kernel takes the title for a setproctitle(3) one
  // and shows its first string only.
  text.resize(area.end - area.start - 1, '\0');
  text.push_back('\0');
  std::memcpy(reinterpret_cast<char*>(area.start), text.data(), text.size());
}

class Zygote {
 public:
  Zygote(int fd, const WorkerOptions& options, const JobKindRegistry& registry)
      : fd_(fd), options_(options), registry_(registry), area_(ReadArgumentArea()) {}

  int Run() {
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, nullptr);
    signal_fd_ = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
    if (signal_fd_ < 0) {
      std::fprintf(stderr, "easel zygote: signalfd: %s\n", std::strerror(errno));
      return 1;
    }
    if (!SendFields(fd_, {"ready"})) return 1;
    std::vector<char> buffer(kMaxMessage);
    for (;;) {
      pollfd fds[2] = {{fd_, POLLIN, 0}, {signal_fd_, POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        return 1;
      }
      if (fds[1].revents & POLLIN) ReapWorkers();
      if (fds[0].revents & POLLIN) {
        ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
        if (n == 0) return 0;  // the executor is gone; so are the workers (PDEATHSIG)
        if (n < 0) {
          if (errno == EINTR || errno == EAGAIN) continue;
          return 1;
        }
        Handle(SplitFields(buffer.data(), static_cast<size_t>(n)));
      } else if (fds[0].revents & (POLLHUP | POLLERR)) {
        return 0;
      }
    }
  }

 private:
  void ReapWorkers() {
    signalfd_siginfo info;
    while (::read(signal_fd_, &info, sizeof info) > 0) {
    }
    int status = 0;
    pid_t pid;
    while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) {
      SendFields(fd_, {"exit", std::to_string(pid), std::to_string(status)});
    }
  }

  void Handle(const std::vector<std::string>& f) {
    if (f.size() != 5 || f[0] != "spawn") {
      SendFields(fd_, {"error", "the zygote got a request it does not know"});
      return;
    }
    const std::string& job = f[1];
    const int64_t attempt = std::strtoll(f[2].c_str(), nullptr, 10);
    int log_fd = ::open(f[3].c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (log_fd < 0) {
      SendFields(fd_, {"error", "cannot open the job's log: " + ErrnoMessage(errno)});
      return;
    }
    if (!f[4].empty()) {
      const std::string line = f[4] + "\n";
      ssize_t ignored = ::write(log_fd, line.data(), line.size());
      (void)ignored;
    }
    // Nothing buffered here may reach a worker's log.
    std::fflush(nullptr);
    const pid_t zygote = ::getpid();
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::close(fd_);
      ::close(signal_fd_);
      if (!BecomeWorker(log_fd, zygote)) std::_Exit(126);
      ShowAsWorker(area_, job, attempt);
      WorkerOptions one = options_;
      one.job_id = job;
      one.attempt = attempt;
      const int code = RunWorker(one, registry_);
      spdlog::default_logger()->flush();
      std::fflush(nullptr);
      std::_Exit(code);  // as `easel worker` does: no static destructors
    }
    const int fork_errno = errno;
    ::close(log_fd);
    if (pid < 0) {
      SendFields(fd_, {"error", "fork failed: " + ErrnoMessage(fork_errno)});
      return;
    }
    ::setpgid(pid, pid);  // as SpawnWorkerProcess does, so a signal sent at once reaches it
    SendFields(fd_, {"pid", std::to_string(pid)});
  }

  const int fd_;
  const WorkerOptions& options_;  // the zygote's own, of which each worker runs one job
  const JobKindRegistry& registry_;
  const ArgumentArea area_;
  int signal_fd_ = -1;
};

}  // namespace

Result<std::unique_ptr<ZygoteClient>> ZygoteClient::Start(const std::vector<std::string>& argv,
                                                          const std::filesystem::path& log_path,
                                                          int wake_fd) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) {
    return Unavailable("cannot create the zygote's socket: " + ErrnoMessage(errno));
  }
  std::vector<std::string> command = argv;
  command.insert(command.end(), {"--zygote-fd", std::to_string(kPassedFd)});
  std::vector<int> pass = {fds[1]};
  if (wake_fd >= 0) {
    command.insert(command.end(), {"--wake-fd", std::to_string(kPassedFd + 1)});
    pass.push_back(wake_fd);
  }
  Result<pid_t> pid = SpawnWorkerProcess(command, log_path, "", pass);
  ::close(fds[1]);
  if (!pid.ok()) {
    ::close(fds[0]);
    return Unavailable("cannot start the zygote: " + pid.status().message());
  }
  std::unique_ptr<ZygoteClient> client(new ZygoteClient(fds[0], *pid));
  std::optional<std::vector<std::string>> hello = client->Receive(kAnswerTimeoutMs);
  if (!hello || hello->empty() || (*hello)[0] != "ready") {
    return Unavailable("the zygote did not start; see " + log_path.string());
  }
  return client;
}

ZygoteClient::~ZygoteClient() {
  if (fd_ >= 0) ::close(fd_);
  for (;;) {
    int status;
    if (::waitpid(pid_, &status, 0) >= 0 || errno != EINTR) break;
  }
}

void ZygoteClient::Lost() {
  if (fd_ < 0) return;
  ::close(fd_);
  fd_ = -1;
  EASEL_LOG_WARN("the worker zygote (pid {}) is gone; workers start by exec from now on", pid_);
}

std::optional<std::vector<std::string>> ZygoteClient::Receive(int timeout_ms) {
  if (buffer_.empty()) buffer_.resize(kMaxMessage);
  while (fd_ >= 0) {
    pollfd p = {fd_, POLLIN, 0};
    int ready = ::poll(&p, 1, timeout_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) return std::nullopt;
    ssize_t n = ready < 0 ? -1 : ::recv(fd_, buffer_.data(), buffer_.size(), MSG_DONTWAIT);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) {
      Lost();
      return std::nullopt;
    }
    std::vector<std::string> f = SplitFields(buffer_.data(), static_cast<size_t>(n));
    if (f.size() == 3 && f[0] == "exit") {
      exits_[static_cast<pid_t>(std::strtol(f[1].c_str(), nullptr, 10))] =
          static_cast<int>(std::strtol(f[2].c_str(), nullptr, 10));
      continue;
    }
    return f;
  }
  return std::nullopt;
}

Result<pid_t> ZygoteClient::Spawn(const std::string& job_id, int64_t attempt,
                                  const std::filesystem::path& log_path, std::string_view banner) {
  if (fd_ < 0) return Unavailable("the worker zygote is gone");
  if (!SendFields(fd_,
                  {"spawn", job_id, std::to_string(attempt), log_path.string(),
                   std::string(banner)})) {
    Lost();
    return Unavailable("the worker zygote is gone");
  }
  std::optional<std::vector<std::string>> answer = Receive(kAnswerTimeoutMs);
  if (!answer) {
    Lost();  // gone, or stuck: either way it is not used again
    return Unavailable("the worker zygote did not answer");
  }
  if (answer->size() == 2 && (*answer)[0] == "pid") {
    return static_cast<pid_t>(std::strtol((*answer)[1].c_str(), nullptr, 10));
  }
  return Internal(answer->size() == 2 && (*answer)[0] == "error"
                      ? (*answer)[1]
                      : std::string("the worker zygote answered nonsense"));
}

void ZygoteClient::Drain() {
  while (fd_ >= 0 && Receive(0)) {
  }
}

std::optional<int> ZygoteClient::TryReap(pid_t pid) {
  auto it = exits_.find(pid);
  if (it != exits_.end()) {
    int status = it->second;
    exits_.erase(it);
    return status;
  }
  if (fd_ < 0) return SIGKILL;  // a wait status: killed by SIGKILL
  return std::nullopt;
}

int RunZygote(int fd, const WorkerOptions& options, const JobKindRegistry& registry) {
  return Zygote(fd, options, registry).Run();
}

}  // namespace easel::jobs
