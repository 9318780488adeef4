#pragma once
// Child processes and scratch space for benchmarks. Everything a benchmark starts or creates is
// owned by an object here, so an exception anywhere still stops every child and removes every
// temporary directory. Errors throw std::runtime_error with a sentence saying what failed.

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace easel::bench {

// A fresh directory under $TMPDIR (or /tmp), removed with its contents on destruction.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& prefix);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct SpawnOptions {
  std::vector<std::string> argv = {};  // argv[0] is a path, not looked up in PATH
  std::vector<std::string> env = {};   // "KEY=value" added to this process's environment
  std::filesystem::path output = {};   // stdout and stderr go here; empty: /dev/null
};

// A running child in its own process group. It gets SIGKILL if this process dies
// (PR_SET_PDEATHSIG), and is stopped and reaped when the object is destroyed. While it runs,
// SIGINT/SIGTERM to the benchmark are forwarded to it as SIGTERM (see InstallSignalForwarding).
class Child {
 public:
  explicit Child(const SpawnOptions& options);
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  bool Running();
  // Waits for the child to exit; answers its exit code, or 128 + signal number.
  int Wait();
  // Sends `signal`, waits up to `timeout_ms`, then SIGKILLs the whole process group. Answers
  // the exit code as Wait() does; no-op (-1) when already reaped.
  int Stop(int signal, int timeout_ms);

 private:
  pid_t pid_ = -1;
};

// Runs a command to completion; answers its exit code (or 128 + signal). Throws when the
// benchmark was interrupted, so loops of short commands stop promptly.
int Run(const SpawnOptions& options);

// Forwards SIGINT/SIGTERM to live children and marks the run interrupted.
void InstallSignalForwarding();
bool Interrupted();

// The absolute path of `name` found in $PATH, /usr/sbin or /sbin, if executable there.
std::optional<std::string> FindProgram(const std::string& name);

// A field in kB from /proc/PID/status ("VmRSS", "VmHWM"), in MiB; nullopt when unreadable.
std::optional<double> ProcStatusMiB(pid_t pid, const std::string& field);

// CPU seconds (user + system) used so far by process `pid`, and by this process.
double ProcessCpuSeconds(pid_t pid);
double SelfCpuSeconds();

std::string ReadFile(const std::filesystem::path& path);
void WriteFile(const std::filesystem::path& path, const std::string& content);

}  // namespace easel::bench
