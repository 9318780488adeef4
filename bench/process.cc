#include "process.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace easel::bench {
namespace {

// Live children, readable from the signal handler (lock-free atomics only).
std::array<std::atomic<pid_t>, 64> live_children{};
std::atomic<bool> interrupted{false};

void Register(pid_t pid) {
  for (auto& slot : live_children) {
    pid_t empty = 0;
    if (slot.compare_exchange_strong(empty, pid)) return;
  }
}

void Unregister(pid_t pid) {
  for (auto& slot : live_children) {
    pid_t expected = pid;
    if (slot.compare_exchange_strong(expected, 0)) return;
  }
}

void ForwardSignal(int) {
  interrupted.store(true);
  for (auto& slot : live_children) {
    if (pid_t pid = slot.load(); pid > 0) ::kill(pid, SIGTERM);
  }
}

int DecodeStatus(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// The environment a child gets: ours, with the keys in `extra` replaced.
std::vector<std::string> ChildEnvironment(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string entry = *e;
    std::string key = entry.substr(0, entry.find('=') + 1);
    bool replaced = false;
    for (const auto& x : extra) replaced = replaced || x.rfind(key, 0) == 0;
    if (!replaced) env.push_back(entry);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

}  // namespace

ScratchDir::ScratchDir(const std::string& prefix) {
  std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    throw std::runtime_error("cannot create a temporary directory: " +
                             std::string(std::strerror(errno)));
  }
  path_ = tmpl;
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

Child::Child(const SpawnOptions& options) {
  if (options.argv.empty()) throw std::runtime_error("spawn: empty command");
  std::vector<std::string> args = options.argv;
  std::vector<std::string> env = ChildEnvironment(options.env);
  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  std::string out = options.output.empty() ? "/dev/null" : options.output.string();
  int out_fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int in_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (out_fd < 0 || in_fd < 0) throw std::runtime_error("spawn: cannot open " + out);
  pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ == 0) {
    // Between fork and exec: async-signal-safe calls only.
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(in_fd, 0);
    ::dup2(out_fd, 1);
    ::dup2(out_fd, 2);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  int fork_errno = errno;
  ::close(out_fd);
  ::close(in_fd);
  if (pid_ < 0) throw std::runtime_error("fork failed: " + std::string(std::strerror(fork_errno)));
  ::setpgid(pid_, pid_);
  Register(pid_);
  if (Interrupted()) {  // the signal came before Register: the handler did not see this child
    Stop(SIGTERM, 5000);
    throw std::runtime_error("interrupted");
  }
}

Child::~Child() { Stop(SIGTERM, 5000); }

bool Child::Running() {
  if (pid_ <= 0) return false;
  int status;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    Unregister(pid_);
    pid_ = -1;
    return false;
  }
  return true;
}

int Child::Wait() {
  if (pid_ <= 0) return -1;
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, 0);
  } while (r < 0 && errno == EINTR);
  Unregister(pid_);
  pid_ = -1;
  return r < 0 ? -1 : DecodeStatus(status);
}

int Child::Stop(int signal, int timeout_ms) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, signal);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    int status;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      Unregister(pid_);
      pid_ = -1;
      return DecodeStatus(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // The leader is not reaped yet, so its process group id cannot have been reused.
  ::kill(-pid_, SIGKILL);
  return Wait();
}

int Run(const SpawnOptions& options) {
  if (Interrupted()) throw std::runtime_error("interrupted");
  Child child(options);
  int code = child.Wait();
  if (Interrupted()) throw std::runtime_error("interrupted");
  return code;
}

void InstallSignalForwarding() {
  struct sigaction sa {};
  sa.sa_handler = ForwardSignal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
}

bool Interrupted() { return interrupted.load(); }

std::optional<std::string> FindProgram(const std::string& name) {
  auto executable = [](const std::filesystem::path& p) {
    return std::filesystem::is_regular_file(p) && ::access(p.c_str(), X_OK) == 0;
  };
  if (name.find('/') != std::string::npos) {
    if (!executable(name)) return std::nullopt;
    return std::filesystem::absolute(name).string();
  }
  const char* env_path = std::getenv("PATH");
  std::string dirs = std::string(env_path ? env_path : "/usr/bin:/bin") + ":/usr/sbin:/sbin";
  std::stringstream ss(dirs);
  for (std::string dir; std::getline(ss, dir, ':');) {
    if (!dir.empty() && executable(std::filesystem::path(dir) / name)) {
      return (std::filesystem::path(dir) / name).string();
    }
  }
  return std::nullopt;
}

std::optional<double> ProcStatusMiB(pid_t pid, const std::string& field) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(f, line);) {
    if (line.rfind(field + ":", 0) == 0) {
      return std::strtod(line.c_str() + field.size() + 1, nullptr) / 1024.0;  // kB → MiB
    }
  }
  return std::nullopt;
}

double ProcessCpuSeconds(pid_t pid) {
  std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
  std::stringstream ss(stat.substr(stat.rfind(')') + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && ss >> field; ++i) {
    if (i >= 14) ticks += std::strtod(field.c_str(), nullptr);
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double SelfCpuSeconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(u.ru_utime) + seconds(u.ru_stime);
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void WriteFile(const std::filesystem::path& path, const std::string& content) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << content;
  if (!f.flush()) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace easel::bench
