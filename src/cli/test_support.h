#pragma once
// For the client commands' unit tests: running a command line in-process with its output
// captured, and a stand-in API server on a loopback port that answers what each test sets up.

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "cli/command.h"
#include "cli/commands.h"

namespace easel::cli {

struct CliRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `easel <args>` as main.cc does: --help exits 0, any other command-line mistake 2.
inline CliRun RunCli(std::vector<std::string> args) {
  args.insert(args.begin(), "easel");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  CLI::App app;
  app.require_subcommand(1);
  CliRun run;
  run.exit_code = 0;
  AddClientCommands(app, run.exit_code);
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    run.exit_code = app.exit(e) == 0 ? 0 : kExitUsage;
  }
  run.out = ::testing::internal::GetCapturedStdout();
  run.err = ::testing::internal::GetCapturedStderr();
  return run;
}

// A stand-in server: add routes to server_, then call Start(). A subclass whose handlers use its
// own members calls Stop() in its destructor, before those members go.
class StandInServer {
 public:
  StandInServer() = default;
  StandInServer(const StandInServer&) = delete;
  StandInServer& operator=(const StandInServer&) = delete;
  ~StandInServer() { Stop(); }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 protected:
  void Start() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  void Stop() {
    if (!thread_.joinable()) return;
    server_.stop();
    thread_.join();
  }

  httplib::Server server_;

 private:
  std::thread thread_;
  int port_ = 0;
};

}  // namespace easel::cli
