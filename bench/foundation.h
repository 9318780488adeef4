#pragma once
// The platform-foundation benchmark: jobs, artifacts, authenticated GETs and idle memory, each
// measured against an anchor in the same run (README.md says which anchor and why). Each
// Measure* function prints its raw runs as it goes and answers what the summary needs; any
// failure throws std::runtime_error.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "easel_server.h"

namespace easel::bench {

struct Config {
  bool quick = false;
  std::string easel_binary;
  std::string wrk_binary;
  std::string nginx_binary;
  std::string cp_binary;
  std::string sha256sum_binary;
  std::filesystem::path work_dir;  // scratch space for files, the data dir and logs

  int max_concurrent_jobs = 2;
  int latency_jobs = 30;      // submitted one at a time, each awaited
  int throughput_jobs = 100;  // submitted at once
  int spawn_samples = 200;    // `easel --version` runs per anchor measurement
  int rounds = 2;             // easel and anchor alternate this many times
  uint64_t artifact_bytes = 256ull << 20;
  int artifact_rounds = 3;
  int wrk_seconds = 10;
  int wrk_connections = 16;
  int wrk_threads = 2;
};

struct JobResults {
  double latency_p50_ms = 0, latency_p90_ms = 0, latency_max_ms = 0;
  double jobs_per_s = 0;        // best round, first created to last finished
  double drain_jobs_per_s = 0;  // same round, jobs started after the last submission
  double spawn_per_s = 0;       // best anchor round, at max_concurrent_jobs children at once
  double spawn_serial_per_s = 0;
};

struct ArtifactResults {
  double easel_mb_per_s = 0;   // median round trip (upload + download), file MB per second
  double anchor_mb_per_s = 0;  // median cp + sha256sum
};

struct WrkRun {
  double requests_per_s = 0;
  double latency_avg_ms = 0, latency_p50_ms = 0, latency_p99_ms = 0;
  int64_t requests = 0;
  int64_t non_2xx = 0;
  int64_t socket_errors = 0;
  bool ok() const { return requests > 0 && non_2xx == 0 && socket_errors == 0; }
};

struct HttpResults {
  size_t body_bytes = 0;
  std::optional<WrkRun> easel;  // best error-free run; nullopt when every run had errors
  std::optional<WrkRun> nginx;
  std::string errors;  // a line per run that had errors
};

JobResults MeasureJobs(const Config& config, EaselServer& server, const std::string& project);
ArtifactResults MeasureArtifacts(const Config& config, EaselServer& server,
                                 const std::string& project);
HttpResults MeasureAuthenticatedGet(const Config& config, EaselServer& server,
                                    const std::string& project);

// Small statistics over a copy of the samples (empty input answers 0).
inline double Quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}
inline double Median(std::vector<double> v) { return Quantile(std::move(v), 0.5); }

double SecondsSince(std::chrono::steady_clock::time_point start);

}  // namespace easel::bench
