#pragma once
// The processes a test starts or looks for: `easel` client commands run as a user would, and
// the worker process of a job.

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace easel::testing {

struct CliResult {
  int code = -1;  // the exit code; -1 when the command died of a signal
  std::string out;
  std::string err;
};

// Runs the easel binary with `args` plus --server/--token, in an environment holding only
// HOME and XDG_CONFIG_HOME (= `home`) and `extra_env` ("NAME=value").
CliResult RunCli(const std::filesystem::path& home, const std::string& server,
                 const std::string& token, std::vector<std::string> args,
                 const std::vector<std::string>& extra_env = {});

// The pid of the `easel worker` process running `job_id`, or -1.
pid_t FindWorker(const std::string& job_id);

}  // namespace easel::testing
