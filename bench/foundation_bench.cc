// easel_foundation_bench: the platform-foundation questions of DESIGN.md §5 in one run, each
// against an anchor measured in the same run on the same machine (see bench/README.md).
//
//   easel_foundation_bench [--easel PATH] [--quick]
//
// Exit status: 0 when every measurement produced a result, 1 when one failed or had errors,
// 2 when a prerequisite (the easel binary, wrk, nginx, cp, sha256sum) is missing, 130 when
// interrupted (SIGINT/SIGTERM; every child is stopped and every temporary directory removed).

#include <sched.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "foundation.h"

namespace easel::bench {
namespace {

constexpr const char* kUsage =
    "usage: easel_foundation_bench [--easel PATH] [--quick]\n"
    "  --easel PATH  the easel binary to measure (default: build/easel)\n"
    "  --quick       smaller sizes: 64 MiB file, 5 s wrk runs, fewer jobs\n";

int Cores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return CPU_COUNT(&set);
  return static_cast<int>(std::thread::hardware_concurrency());
}

std::string LoadAverage() {
  std::ifstream f("/proc/loadavg");
  std::string one, five;
  f >> one >> five;
  return one + " " + five;
}

// Fills the tool paths; answers the missing prerequisites (empty when all are there).
std::string FindPrerequisites(Config& config, const std::string& easel) {
  std::string missing;
  auto need = [&](const std::string& name, const std::string& why, std::string& into) {
    if (auto path = FindProgram(name)) {
      into = *path;
    } else {
      missing += "  " + name + ": " + why + "\n";
    }
  };
  need(easel, "the easel binary (build it with `make build`, or pass --easel PATH)",
       config.easel_binary);
  need("wrk", "the HTTP load generator (Debian package wrk)", config.wrk_binary);
  need("nginx", "the static-file anchor (Debian package nginx-light)", config.nginx_binary);
  need("cp", "the artifact anchor (coreutils)", config.cp_binary);
  need("sha256sum", "the artifact anchor (coreutils)", config.sha256sum_binary);
  return missing;
}

std::string Ratio(double easel, double anchor) {
  if (easel <= 0 || anchor <= 0) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", easel / anchor);
  return buf;
}

// `label` padded to `width` columns (printf's %-28s counts bytes, and "→" is three).
std::string Label(const std::string& label, size_t width = 28) {
  size_t columns = 0;
  for (unsigned char c : label) columns += (c & 0xC0) != 0x80;
  return label + std::string(width > columns ? width - columns : 1, ' ');
}

std::string Rps(const std::optional<WrkRun>& run) {
  if (!run) return "ERRORS";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f req/s", run->requests_per_s);
  return buf;
}

int Main(int argc, char** argv) {
  Config config;
  std::string easel = "build/easel";
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--quick") {
      config.quick = true;
    } else if (arg == "--easel" && i + 1 < argc) {
      easel = argv[++i];
    } else if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else {
      std::fprintf(stderr, "unknown argument '%s'\n%s", arg.c_str(), kUsage);
      return 2;
    }
  }
  if (config.quick) {
    config.latency_jobs = 10;
    config.throughput_jobs = 40;
    config.spawn_samples = 100;
    config.artifact_bytes = 64ull << 20;
    config.wrk_seconds = 5;
  }
  if (std::string missing = FindPrerequisites(config, easel); !missing.empty()) {
    std::fprintf(stderr, "easel_foundation_bench: missing prerequisites:\n%s", missing.c_str());
    return 2;
  }
  InstallSignalForwarding();

  ScratchDir scratch("easel-bench");
  config.work_dir = scratch.path();
  std::printf("easel foundation benchmark%s: %s, %d cores, load average %s, scratch %s\n",
              config.quick ? " (quick)" : "", config.easel_binary.c_str(), Cores(),
              LoadAverage().c_str(), config.work_dir.c_str());
  std::fflush(stdout);

  EaselServer server(
      config.easel_binary, config.work_dir,
      {"--enable-test-jobs", "--max-concurrent-jobs", std::to_string(config.max_concurrent_jobs)});
  auto rss_start = ProcStatusMiB(server.pid(), "VmRSS");
  server.Send("POST", "/api/v1/projects", Json{{"name", "demo"}}, 201);
  const std::string project = "demo";

  JobResults jobs = MeasureJobs(config, server, project);
  std::fflush(stdout);
  ArtifactResults artifacts = MeasureArtifacts(config, server, project);
  std::fflush(stdout);
  HttpResults http = MeasureAuthenticatedGet(config, server, project);
  std::fflush(stdout);

  std::this_thread::sleep_for(std::chrono::seconds(2));
  server.CheckAlive();
  auto rss_idle = ProcStatusMiB(server.pid(), "VmRSS");
  auto rss_peak = ProcStatusMiB(server.pid(), "VmHWM");

  std::printf("\nfoundation benchmark (%d cores, same run%s; load average now %s)\n", Cores(),
              config.quick ? ", quick" : "", LoadAverage().c_str());
  std::printf("%sp50 %.0f ms  p90 %.0f ms  max %.0f ms  (%d jobs, empty queue)\n",
              Label("job submit→start latency").c_str(), jobs.latency_p50_ms, jobs.latency_p90_ms,
              jobs.latency_max_ms, config.latency_jobs);
  std::printf(
      "%s%.1f   process spawn floor %.0f/s (%d at once)   ratio %s"
      "  (full queue draining: %.1f jobs/s)\n",
      Label("jobs/s (" + std::to_string(config.max_concurrent_jobs) + " workers)").c_str(),
      jobs.jobs_per_s, jobs.spawn_per_s, config.max_concurrent_jobs,
      Ratio(jobs.jobs_per_s, jobs.spawn_per_s).c_str(), jobs.drain_jobs_per_s);
  std::printf("%s%.0f MB/s   cp+sha256sum %.0f MB/s   ratio %s  (%llu MiB file)\n",
              Label("artifact round trip").c_str(), artifacts.easel_mb_per_s,
              artifacts.anchor_mb_per_s,
              Ratio(artifacts.easel_mb_per_s, artifacts.anchor_mb_per_s).c_str(),
              static_cast<unsigned long long>(config.artifact_bytes >> 20));
  std::printf("%s%s  nginx static %s  ratio %s",
              Label("authenticated GET (c=" + std::to_string(config.wrk_connections) + ")").c_str(),
              Rps(http.easel).c_str(), Rps(http.nginx).c_str(),
              http.easel && http.nginx
                  ? Ratio(http.easel->requests_per_s, http.nginx->requests_per_s).c_str()
                  : "n/a (errors)");
  if (http.easel) {
    std::printf("  (easel p50 %.2f ms, p99 %.2f ms)", http.easel->latency_p50_ms,
                http.easel->latency_p99_ms);
  }
  std::printf("\n%s%.1f MiB (after start %.1f MiB, peak %.1f MiB)\n", Label("idle RSS").c_str(),
              rss_idle.value_or(0), rss_start.value_or(0), rss_peak.value_or(0));
  if (!http.errors.empty()) {
    std::printf("\nruns with errors (not counted as results):\n%s", http.errors.c_str());
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace easel::bench

int main(int argc, char** argv) {
  try {
    return easel::bench::Main(argc, argv);
  } catch (const std::exception& e) {
    std::fflush(stdout);
    if (easel::bench::Interrupted()) {
      std::fprintf(stderr, "easel_foundation_bench: interrupted; children stopped (%s)\n",
                   e.what());
      return 130;
    }
    std::fprintf(stderr, "easel_foundation_bench: FAILED: %s\n", e.what());
    return 1;
  }
}
