#include "server/options.h"

#include <toml++/toml.h>

namespace easel::server {
namespace {

// Reads --config files with toml++ and hands CLI11 flat key/value items, so flags and
// environment variables still take precedence over the file.
class TomlConfig final : public CLI::Config {
 public:
  std::string to_config(const CLI::App*, bool, bool, std::string) const override { return ""; }

  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override {
    toml::table table;
    try {
      table = toml::parse(input);
    } catch (const toml::parse_error& e) {
      throw CLI::ConversionError(std::string("invalid TOML config: ") +
                                 std::string(e.description()));
    }
    std::vector<CLI::ConfigItem> items;
    for (const auto& [key, node] : table) {
      CLI::ConfigItem item;
      item.name = std::string(key.str());
      std::replace(item.name.begin(), item.name.end(), '_', '-');
      if (auto s = node.value<std::string>()) {
        item.inputs = {*s};
      } else if (auto i = node.value<int64_t>()) {
        item.inputs = {std::to_string(*i)};
      } else if (auto b = node.value<bool>()) {
        item.inputs = {*b ? "true" : "false"};
      } else if (auto d = node.value<double>()) {
        item.inputs = {std::to_string(*d)};
      } else {
        throw CLI::ConversionError("config key '" + item.name +
                                   "' must be a string, number or boolean");
      }
      items.push_back(std::move(item));
    }
    return items;
  }
};

}  // namespace

void AddServeOptions(CLI::App& cmd, ServeOptions& o) {
  cmd.config_formatter(std::make_shared<TomlConfig>());
  cmd.set_config("--config", "", "TOML file with any of these options (keys: long names)");

  cmd.add_option("--data-dir", o.data_dir, "Directory for the database, blobs and job files")
      ->envname("EASEL_DATA_DIR")
      ->capture_default_str();
  cmd.add_option("--listen", o.listen, "HTTP address HOST:PORT (port 0 picks a free port)")
      ->envname("EASEL_LISTEN")
      ->capture_default_str();
  cmd.add_option("--grpc-listen", o.grpc_listen, "gRPC address HOST:PORT (inference protocol)")
      ->envname("EASEL_GRPC_LISTEN")
      ->capture_default_str();
  cmd.add_option("--grpc-threads", o.grpc_threads,
                 "Threads serving gRPC calls (0: half the cores, at least one)")
      ->envname("EASEL_GRPC_THREADS")
      ->capture_default_str()
      ->check(CLI::Range(0, 1024));
  cmd.add_option("--db", o.db,
                 "Metadata database: sqlite:PATH or postgresql://USER@HOST:PORT/DB "
                 "(default: SQLite inside the data dir)")
      ->envname("EASEL_DB");
  cmd.add_option("--log-level", o.log_level, "trace, debug, info, warn or error")
      ->envname("EASEL_LOG_LEVEL")
      ->capture_default_str();

  auto& h = o.http;
  cmd.add_option("--max-body-bytes", h.max_body_bytes, "Largest JSON request body")
      ->envname("EASEL_MAX_BODY_BYTES")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd.add_option("--max-upload-bytes", h.max_upload_bytes, "Largest streamed upload")
      ->envname("EASEL_MAX_UPLOAD_BYTES")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd.add_option("--max-json-depth", h.max_json_depth, "Deepest JSON nesting accepted")
      ->envname("EASEL_MAX_JSON_DEPTH")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  cmd.add_option("--header-timeout-ms", h.header_timeout_ms,
                 "Time a client has to send a request line and headers")
      ->envname("EASEL_HEADER_TIMEOUT_MS")
      ->capture_default_str()
      ->check(CLI::Range(100, 600000));
  cmd.add_option("--body-idle-timeout-ms", h.body_idle_timeout_ms,
                 "Longest pause allowed while a request body arrives")
      ->envname("EASEL_BODY_IDLE_TIMEOUT_MS")
      ->capture_default_str()
      ->check(CLI::Range(100, 3600000));
  cmd.add_option("--min-body-rate", h.min_body_rate_bps,
                 "Slowest average upload rate in bytes/s tolerated after the first idle window")
      ->envname("EASEL_MIN_BODY_RATE")
      ->capture_default_str();
  cmd.add_option("--keep-alive-timeout-ms", h.keep_alive_timeout_ms,
                 "How long an idle keep-alive connection stays open")
      ->envname("EASEL_KEEP_ALIVE_TIMEOUT_MS")
      ->capture_default_str()
      ->check(CLI::Range(0, 3600000));
  cmd.add_option("--http-threads", h.threads, "Connections served at once")
      ->envname("EASEL_HTTP_THREADS")
      ->capture_default_str()
      ->check(CLI::Range(2, 4096));
  cmd.add_option("--drain-timeout-s", o.drain_timeout_s,
                 "On SIGTERM, how long in-flight requests may take to finish")
      ->envname("EASEL_DRAIN_TIMEOUT_S")
      ->capture_default_str()
      ->check(CLI::Range(0, 3600));

  cmd.add_option("--max-concurrent-jobs", o.max_concurrent_jobs, "Jobs run at once on this server")
      ->envname("EASEL_MAX_CONCURRENT_JOBS")
      ->capture_default_str()
      ->check(CLI::Range(0, 1024));
  cmd.add_option("--job-timeout-s", o.job_timeout_s, "Default time limit of a job")
      ->envname("EASEL_JOB_TIMEOUT_S")
      ->capture_default_str()
      ->check(CLI::Range(1, 30 * 86400));
  cmd.add_option("--job-max-attempts", o.job_max_attempts,
                 "Attempts before a job whose worker keeps dying is failed")
      ->envname("EASEL_JOB_MAX_ATTEMPTS")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  cmd.add_option("--cancel-grace-s", o.cancel_grace_s,
                 "Seconds between SIGTERM and SIGKILL when a job is cancelled or times out")
      ->envname("EASEL_CANCEL_GRACE_S")
      ->capture_default_str()
      ->check(CLI::Range(0, 3600));
  cmd.add_flag("--enable-test-jobs", o.enable_test_jobs,
               "Enable the diagnostic 'sleep' job kind (tests and benchmarks)")
      ->envname("EASEL_ENABLE_TEST_JOBS");
}

Result<std::pair<std::string, int>> ParseHostPort(const std::string& s) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == s.size()) {
    return InvalidArgument("address must be HOST:PORT, got '" + s + "'");
  }
  std::string host = s.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  char* end = nullptr;
  long port = std::strtol(s.c_str() + colon + 1, &end, 10);
  if (*end != '\0' || port < 0 || port > 65535) {
    return InvalidArgument("port must be 0 to 65535 in '" + s + "'");
  }
  return std::make_pair(host, static_cast<int>(port));
}

std::string DatabaseUrl(const ServeOptions& opts) {
  if (!opts.db.empty()) return opts.db;
  return "sqlite:" + (std::filesystem::path(opts.data_dir) / "easel.db").string();
}

}  // namespace easel::server
