#pragma once
// Settings of `easel serve`, from (highest precedence first) command-line flags, EASEL_*
// environment variables, an optional TOML file (--config), and defaults.

#include <CLI/CLI.hpp>
#include <string>

#include "api/call.h"

namespace easel::server {

struct ServeOptions {
  std::string data_dir = "./easel-data";
  std::string listen = "127.0.0.1:8080";
  std::string grpc_listen = "127.0.0.1:8081";
  int grpc_threads = 0;  // 0: half the cores, at least one (GrpcServer::Start)
  std::string db;  // default: sqlite:DATA_DIR/easel.db
  std::string log_level = "info";
  api::HttpLimits http;
  int drain_timeout_s = 30;
  int max_concurrent_jobs = 2;
  int job_timeout_s = 24 * 3600;
  int job_max_attempts = 3;
  int cancel_grace_s = 10;
  bool enable_test_jobs = false;
};

// Declares every option of `serve` on `cmd`, bound to `opts`, with --help text, environment
// names and a TOML --config file whose keys are the long option names ("data-dir" or
// "data_dir").
void AddServeOptions(CLI::App& cmd, ServeOptions& opts);

// Splits "HOST:PORT" ("[::1]:80" for IPv6). INVALID_ARGUMENT when malformed.
Result<std::pair<std::string, int>> ParseHostPort(const std::string& s);

// The database URL to use: --db, else SQLite inside the data dir.
std::string DatabaseUrl(const ServeOptions& opts);

}  // namespace easel::server
