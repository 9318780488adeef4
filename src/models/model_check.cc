#include "models/model_check.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/files.h"
#include "common/log.h"

extern char** environ;

namespace easel::models {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxSentence = 300;
constexpr size_t kStderrTail = 4096;

Status NotValid(std::string_view format, std::string_view sentence) {
  return InvalidArgument(
      fmt::format("the uploaded file is not a valid {} model: {}", format, sentence));
}

// The child's sentence as a client may see it: one line, no path of ours, not too long.
std::string CleanSentence(std::string s, std::string_view redact) {
  if (!redact.empty()) {
    for (size_t at = s.find(redact); at != std::string::npos; at = s.find(redact, at)) {
      s.replace(at, redact.size(), "the file");
    }
  }
  s.erase(0, std::min(s.size(), s.find_first_not_of(" \t\r\n")));
  if (size_t nl = s.find_first_of("\r\n"); nl != std::string::npos) s.resize(nl);
  for (char& c : s) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  while (!s.empty() && s.back() == ' ') s.pop_back();
  if (s.size() > kMaxSentence) s = s.substr(0, kMaxSentence) + "...";
  return s.empty() ? "the checker gave no reason" : s;
}

std::string LastLine(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  size_t nl = s.rfind('\n');
  return std::string(nl == std::string_view::npos ? s : s.substr(nl + 1));
}

// Everything the child needs, built before fork(): the child may only make async-signal-safe
// calls, so nothing there allocates.
struct ChildSetup {
  std::vector<std::string> argv_strings;
  std::vector<std::string> env_strings;
  std::vector<char*> argv;
  std::vector<char*> envp;
  rlimit address_space{};
  rlimit cpu{};
};

ChildSetup PrepareChild(const std::vector<std::string>& argv, const ModelCheckLimits& limits) {
  ChildSetup s;
  s.argv_strings = argv;
  // One thread is plenty to open a file, and a many-core machine's OpenMP/OpenBLAS pools would
  // spend the address-space limit on stacks. No GPU: opening needs none, and initializing CUDA
  // reserves far more address space than the limit allows.
  static constexpr const char* kOverrides[] = {"OMP_NUM_THREADS=1", "OPENBLAS_NUM_THREADS=1",
                                               "MKL_NUM_THREADS=1", "CUDA_VISIBLE_DEVICES="};
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    bool overridden = false;
    for (std::string_view o : kOverrides) {
      overridden |= entry.substr(0, entry.find('=') + 1) == o.substr(0, o.find('=') + 1);
    }
    if (!overridden) s.env_strings.emplace_back(entry);
  }
  for (const char* o : kOverrides) s.env_strings.emplace_back(o);
  for (std::string& a : s.argv_strings) s.argv.push_back(a.data());
  s.argv.push_back(nullptr);
  for (std::string& e : s.env_strings) s.envp.push_back(e.data());
  s.envp.push_back(nullptr);
  s.address_space.rlim_cur = s.address_space.rlim_max = limits.address_space_bytes;
  s.cpu.rlim_cur = static_cast<rlim_t>(limits.cpu_seconds);
  s.cpu.rlim_max = static_cast<rlim_t>(limits.cpu_seconds) + 5;  // SIGXCPU first, then SIGKILL
  return s;
}

// Runs between fork() and exec(): async-signal-safe calls only.
[[noreturn]] void ExecChecker(const ChildSetup& s, int null_fd, int out_fd, int err_fd,
                              pid_t parent) {
  setpgid(0, 0);  // its own group, so a kill reaches anything it starts
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(1);
  if (dup2(null_fd, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 ||
      dup2(err_fd, STDERR_FILENO) < 0) {
    _exit(126);
  }
  const rlimit no_core{0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
#ifndef __SANITIZE_ADDRESS__
  // AddressSanitizer reserves terabytes of shadow address space at start: a sanitizer build's
  // checker runs without this limit (and only there).
  setrlimit(RLIMIT_AS, &s.address_space);
#endif
  setrlimit(RLIMIT_CPU, &s.cpu);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  signal(SIGTERM, SIG_DFL);
  signal(SIGINT, SIG_DFL);
  signal(SIGPIPE, SIG_DFL);
  // Descriptors a library opened without O_CLOEXEC (sockets, the database) stay here.
#ifdef SYS_close_range
  syscall(SYS_close_range, 3U, ~0U, 0U);
#endif
  execve(s.argv[0], s.argv.data(), s.envp.data());
  static const char kMessage[] = "easel: cannot start the model checker\n";
  ssize_t ignored = write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
  (void)ignored;
  _exit(127);
}

struct ChildRun {
  std::string out;
  std::string err_tail;
  bool timed_out = false;
  bool overflow = false;
  int wait_status = 0;
};

// Reads the child's stdout and stderr until both close, the deadline passes or stdout grows
// past the limit.
void ReadOutputs(int out_fd, int err_fd, Clock::time_point deadline, size_t max_out,
                 ChildRun& run) {
  pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  char buf[64 << 10];
  while (fds[0].fd >= 0 || fds[1].fd >= 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      run.timed_out = true;
      return;
    }
    int n = ::poll(fds, 2, static_cast<int>(std::min<int64_t>(left.count(), 1000)));
    if (n < 0 && errno != EINTR) {
      EASEL_LOG_WARN("poll on a model check failed: {}", ErrnoMessage(errno));
      run.timed_out = true;  // cannot watch it any more: treat as a hang and kill it
      return;
    }
    for (int i = 0; i < 2 && n > 0; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t r = ::read(fds[i].fd, buf, sizeof buf);
      if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (r <= 0) {
        fds[i].fd = -1;  // poll skips negative descriptors
        continue;
      }
      if (i == 0) {
        run.out.append(buf, static_cast<size_t>(r));
        if (run.out.size() > max_out) {
          run.overflow = true;
          return;
        }
      } else {
        run.err_tail.append(buf, static_cast<size_t>(r));
        if (run.err_tail.size() > 2 * kStderrTail) {
          run.err_tail.erase(0, run.err_tail.size() - kStderrTail);
        }
      }
    }
  }
}

// True once the child has exited, without reaping it: its process group id stays reserved
// until the group kill below. False when the deadline passes first.
bool WaitForExit(pid_t pid, Clock::time_point deadline) {
  for (;;) {
    siginfo_t info{};
    int r = ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT);
    if (r == 0 && info.si_pid == pid) return true;
    if (r < 0 && errno != EINTR) return true;  // ECHILD: nothing left to wait for
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

Result<ChildRun> RunChild(const std::vector<std::string>& argv, const ModelCheckLimits& limits) {
  if (argv.empty()) return InvalidArgument("model check command is empty");
  ChildSetup setup = PrepareChild(argv, limits);
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return Internal("pipe failed: " + ErrnoMessage(errno));
  if (::pipe2(err, O_CLOEXEC) != 0) {
    int e = errno;
    ::close(out[0]);
    ::close(out[1]);
    return Internal("pipe failed: " + ErrnoMessage(e));
  }
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(limits.timeout_ms);
  pid_t parent = ::getpid();
  pid_t pid = null_fd < 0 ? -1 : ::fork();
  if (pid == 0) ExecChecker(setup, null_fd, out[1], err[1], parent);
  int fork_errno = errno;
  ::close(out[1]);
  ::close(err[1]);
  if (null_fd >= 0) ::close(null_fd);
  if (pid < 0) {
    ::close(out[0]);
    ::close(err[0]);
    return Internal("cannot start the model checker: " + ErrnoMessage(fork_errno));
  }
  ::setpgid(pid, pid);  // also here, so the group kill works even before the child runs

  ChildRun run;
  ReadOutputs(out[0], err[0], deadline, limits.max_answer_bytes, run);
  ::close(out[0]);
  ::close(err[0]);
  if (!run.timed_out && !run.overflow && !WaitForExit(pid, deadline)) run.timed_out = true;
  // Whatever the outcome, nothing the check started outlives it.
  ::kill(-pid, SIGKILL);
  ::kill(pid, SIGKILL);
  while (::waitpid(pid, &run.wait_status, 0) < 0 && errno == EINTR) {
  }
  return run;
}

// Bounds the checks running at once: each may take a core and gigabytes for a minute.
class CheckSlots {
 public:
  Status Acquire(size_t limit, std::chrono::milliseconds wait) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, wait, [&] { return running_ < limit; })) {
      return ResourceExhausted("too many uploaded models are being checked at once; retry shortly");
    }
    ++running_;
    return OkStatus();
  }
  void Release() {
    {
      std::lock_guard lock(mu_);
      --running_;
    }
    cv_.notify_one();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  size_t running_ = 0;
};

CheckSlots& Slots() {
  static CheckSlots slots;
  return slots;
}

}  // namespace

Result<ModelCheckReport> CheckModelInChild(const std::string& easel, std::string_view format,
                                           const std::filesystem::path& file,
                                           const ModelCheckLimits& limits) {
  EASEL_RETURN_IF_ERROR(Slots().Acquire(std::max<size_t>(limits.max_concurrent, 1),
                                        std::chrono::milliseconds(limits.timeout_ms)));
  struct Release {
    ~Release() { Slots().Release(); }
  } release;
  return RunModelCheck(
      {easel, "model-check", "--format", std::string(format), "--file", file.string()}, format,
      file.string(), limits);
}

Result<ModelCheckReport> RunModelCheck(const std::vector<std::string>& argv,
                                       std::string_view format, std::string_view redact,
                                       const ModelCheckLimits& limits) {
  EASEL_ASSIGN_OR_RETURN(ChildRun run, RunChild(argv, limits));
  const int st = run.wait_status;
  auto failed = [&](std::string_view why) {
    std::string tail = LastLine(run.err_tail);
    EASEL_LOG_INFO("model check of a {} file: {}{}", format, why,
                   tail.empty() ? "" : "; its stderr ended with: " + CleanSentence(tail, ""));
    return NotValid(format, why);
  };
  if (run.timed_out) {
    return failed(fmt::format("opening it took longer than {} s", limits.timeout_ms / 1000));
  }
  if (run.overflow) return failed("the checker's answer was too long");
  if (WIFSIGNALED(st)) {
    const int sig = WTERMSIG(st);
    if (sig == SIGXCPU) {
      return failed(fmt::format("opening it took more than {} s of CPU time", limits.cpu_seconds));
    }
    if (sig == SIGKILL) return failed("opening it was killed (out of memory?)");
    return failed(fmt::format("opening it crashed the checker (signal {})", sig));
  }
  if (WIFEXITED(st) && WEXITSTATUS(st) == 127 && run.out.empty()) {
    return Internal("cannot start the model checker");
  }
  EASEL_ASSIGN_OR_RETURN(ModelCheckReport report, ParseModelCheckAnswer(run.out, format, redact));
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
    return failed(fmt::format("the checker failed after answering (exit code {})",
                              WIFEXITED(st) ? WEXITSTATUS(st) : -1));
  }
  return report;
}

std::string ModelCheckAnswerLine(const Result<Json>& report) {
  Json answer;
  if (report.ok()) {
    answer = {{"ok", true},
              {"signature", report->value("signature", Json::object())},
              {"info", report->value("info", Json::object())}};
  } else {
    answer = {{"ok", false}, {"error", report.status().message()}};
  }
  return DumpJson(answer) + "\n";
}

Result<ModelCheckReport> ParseModelCheckAnswer(std::string_view out, std::string_view format,
                                               std::string_view redact) {
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r' || out.back() == ' ')) {
    out.remove_suffix(1);
  }
  std::string line = LastLine(out);
  auto answer = ParseJson(line, 64);
  if (!answer.ok() || !answer->is_object() || !answer->contains("ok") ||
      !(*answer)["ok"].is_boolean()) {
    return NotValid(format, line.empty() ? "the checker gave no answer"
                                         : "the checker's answer was not readable");
  }
  const Json& a = *answer;
  if (!a["ok"].get<bool>()) {
    auto error = a.find("error");
    return NotValid(format,
                    CleanSentence(error != a.end() && error->is_string() ? error->get<std::string>()
                                                                         : std::string(),
                                  redact));
  }
  ModelCheckReport report;
  auto signature = a.find("signature");
  auto info = a.find("info");
  if (signature == a.end() || !signature->is_object() || info == a.end() || !info->is_object()) {
    return NotValid(format, "the checker's answer was not readable");
  }
  report.signature = *signature;
  report.info = *info;
  return report;
}

}  // namespace easel::models
