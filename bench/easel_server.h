#pragma once
// The `easel serve` under measurement: a child process on 127.0.0.1 port 0 with a data dir in
// the benchmark's scratch space, an admin token chosen here, and a keep-alive client to it.
// Any failure (start-up, a transport error, an unexpected status) throws std::runtime_error
// carrying the tail of the server's log.

#include <httplib.h>
#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>

#include "common/json.h"
#include "process.h"

namespace easel::bench {

class EaselServer {
 public:
  // Starts `binary serve` with `extra` flags appended and waits (up to 30 s) until it prints
  // the address it listens on. Its data dir and log live under `work_dir`.
  EaselServer(const std::string& binary, const std::filesystem::path& work_dir,
              const std::vector<std::string>& extra);

  int port() const { return port_; }
  pid_t pid() const { return child_->pid(); }
  const std::string& token() const { return token_; }
  std::string url(const std::string& path) const;

  // One JSON request with the admin token, on `client` (default: the shared one). Throws
  // unless the answer has `expected_status`.
  Json Send(const std::string& method, const std::string& path, const Json& body,
            int expected_status, httplib::Client* client = nullptr);

  // A new keep-alive client, for requests from other threads.
  std::unique_ptr<httplib::Client> NewClient() const;

  // The keep-alive client for streaming calls; headers() carries the admin token.
  httplib::Client& client() { return *client_; }
  httplib::Headers headers() const;

  // Throws (with the log tail) if the server process has exited.
  void CheckAlive();
  std::string LogTail(size_t bytes = 2000) const;
  // Everything the server has written so far (stdout and stderr), e.g. the lines it prints on
  // start-up ("grpc listening on ...").
  std::string Log() const { return ReadFile(log_path_); }

 private:
  std::filesystem::path log_path_;
  std::unique_ptr<Child> child_;
  std::unique_ptr<httplib::Client> client_;
  std::string token_;
  int port_ = 0;
};

}  // namespace easel::bench
