#include "testing/processes.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <sstream>

#include "testing/server.h"

namespace easel::testing {

namespace fs = std::filesystem;

CliResult RunCli(const fs::path& home, const std::string& server, const std::string& token,
                 std::vector<std::string> args, const std::vector<std::string>& extra_env) {
  const fs::path out = home / "out", err = home / "err";
  args.insert(args.end(), {"--server", server, "--token", token});
  std::vector<std::string> argv_s = {EaselBinary()};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_s = {"HOME=" + home.string(), "XDG_CONFIG_HOME=" + home.string()};
  env_s.insert(env_s.end(), extra_env.begin(), extra_env.end());
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    int fd_out = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int fd_err = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd_out, 1);
    ::dup2(fd_err, 2);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  std::ifstream o(out), e(err);
  std::stringstream so, se;
  so << o.rdbuf();
  se << e.rdbuf();
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, so.str(), se.str()};
}

pid_t FindWorker(const std::string& job_id) {
  for (const auto& e : fs::directory_iterator("/proc")) {
    std::ifstream f(e.path() / "cmdline", std::ios::binary);
    std::string cmd((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (cmd.find(std::string("worker\0", 7)) != std::string::npos &&
        cmd.find(job_id) != std::string::npos) {
      return std::stoi(e.path().filename().string());
    }
  }
  return -1;
}

}  // namespace easel::testing
