// Jobs: submit→start latency on an empty queue, and throughput of sleep-0 jobs against the rate
// at which this machine can fork, exec and reap `easel --version` (the floor of running every
// job as its own process).

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <thread>

#include "common/time.h"
#include "foundation.h"

namespace easel::bench {
namespace {

using Clock = std::chrono::steady_clock;

const Json kSleepJob = {{"kind", "sleep"}, {"spec", {{"seconds", 0}, {"steps", 1}}}};

bool Terminal(const std::string& state) {
  return state == "succeeded" || state == "failed" || state == "cancelled";
}

std::string JobsPath(const std::string& project) { return "/api/v1/projects/" + project + "/jobs"; }

// Polls one job until it reaches a terminal state; throws unless it succeeded.
Json AwaitJob(EaselServer& server, const std::string& project, const std::string& id) {
  auto deadline = Clock::now() + std::chrono::seconds(120);
  for (;;) {
    Json job = server.Send("GET", JobsPath(project) + "/" + id, nullptr, 200);
    std::string state = job.value("state", "");
    if (Terminal(state)) {
      if (state != "succeeded") {
        throw std::runtime_error("job " + id + " ended " + state + ": " + job.dump());
      }
      return job;
    }
    if (Clock::now() > deadline) throw std::runtime_error("job " + id + " still " + state);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

double MillisBetween(const Json& job, const char* from, const char* to) {
  auto a = ParseRfc3339(job.value(from, ""));
  auto b = ParseRfc3339(job.value(to, ""));
  if (!a || !b) throw std::runtime_error(std::string("job lacks ") + from + "/" + to);
  return static_cast<double>(*b - *a);
}

// Runs `easel --version` `count` times with `parallel` children at once; answers runs per second.
double SpawnRate(const Config& config, int count, int parallel) {
  SpawnOptions version{.argv = {config.easel_binary, "--version"}};
  std::vector<std::thread> threads;
  std::vector<std::string> failures(static_cast<size_t>(parallel));
  auto start = Clock::now();
  for (int t = 0; t < parallel; ++t) {
    threads.emplace_back([&, t] {
      try {
        for (int i = t; i < count; i += parallel) {
          if (int code = Run(version); code != 0) {
            throw std::runtime_error("easel --version exited " + std::to_string(code));
          }
        }
      } catch (const std::exception& e) {
        failures[static_cast<size_t>(t)] = e.what();
      }
    });
  }
  for (auto& th : threads) th.join();
  double seconds = SecondsSince(start);
  for (const auto& f : failures) {
    if (!f.empty()) throw std::runtime_error("spawn anchor: " + f);
  }
  return count / seconds;
}

struct Throughput {
  double overall = 0;  // jobs per second, first created to last finished
  double drain = 0;    // jobs per second among those started after the last submission
};

// Submits `count` jobs from kSubmitters clients at once, then waits for all. Rates use the
// server's clock (the client's polling is paced by its own round trips). Each submission wakes
// the scheduler, so the rate while jobs still arrive can differ from the rate at which a full
// queue drains: both are answered.
Throughput JobThroughput(EaselServer& server, const std::string& project, int count) {
  constexpr int kSubmitters = 4;
  std::vector<std::vector<std::string>> ids(kSubmitters);
  std::vector<std::string> failures(kSubmitters);
  std::vector<std::thread> threads;
  auto start = Clock::now();
  for (int t = 0; t < kSubmitters; ++t) {
    threads.emplace_back([&, t] {
      try {
        auto client = server.NewClient();
        for (int i = t; i < count; i += kSubmitters) {
          ids[t].push_back(
              server.Send("POST", JobsPath(project), kSleepJob, 202, client.get()).value("id", ""));
        }
      } catch (const std::exception& e) {
        failures[t] = e.what();
      }
    });
  }
  for (auto& th : threads) th.join();
  double submit_s = SecondsSince(start);
  for (const auto& f : failures) {
    if (!f.empty()) throw std::runtime_error("submitting jobs: " + f);
  }
  std::vector<Json> done;
  for (const auto& list : ids) {
    for (const auto& id : list) done.push_back(AwaitJob(server, project, id));
  }
  double seconds = SecondsSince(start);
  auto at = [](const Json& job, const char* field) {
    return ParseRfc3339(job.value(field, "")).value_or(0);
  };
  int64_t first_created = INT64_MAX, last_created = 0, last_finished = 0;
  for (const auto& job : done) {
    first_created = std::min(first_created, at(job, "created_at"));
    last_created = std::max(last_created, at(job, "created_at"));
    last_finished = std::max(last_finished, at(job, "finished_at"));
  }
  int drained = 0;
  for (const auto& job : done) drained += at(job, "started_at") > last_created;
  Throughput r;
  double overall_s = static_cast<double>(last_finished - first_created) / 1e3;
  double drain_s = static_cast<double>(last_finished - last_created) / 1e3;
  r.overall = count / overall_s;
  r.drain = drained > 0 && drain_s > 0 ? drained / drain_s : 0;
  std::printf(
      "    %d jobs: submitted in %.2f s (%d clients); first created to last finished %.2f s"
      " = %.1f jobs/s; after the last submission %d jobs in %.2f s = %.1f jobs/s"
      " (client saw all succeeded after %.2f s)\n",
      count, submit_s, kSubmitters, overall_s, r.overall, drained, drain_s, r.drain, seconds);
  return r;
}

}  // namespace

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

JobResults MeasureJobs(const Config& config, EaselServer& server, const std::string& project) {
  JobResults r;
  std::printf("jobs: submit→start latency, %d jobs one at a time (after one warm-up job)\n",
              config.latency_jobs);
  AwaitJob(server, project, server.Send("POST", JobsPath(project), kSleepJob, 202).value("id", ""));
  std::vector<double> latencies;
  for (int i = 0; i < config.latency_jobs; ++i) {
    std::string id = server.Send("POST", JobsPath(project), kSleepJob, 202).value("id", "");
    Json job = AwaitJob(server, project, id);
    latencies.push_back(MillisBetween(job, "created_at", "started_at"));
  }
  r.latency_p50_ms = Quantile(latencies, 0.5);
  r.latency_p90_ms = Quantile(latencies, 0.9);
  r.latency_max_ms = Quantile(latencies, 1.0);
  std::printf("    started_at - created_at: p50 %.0f ms, p90 %.0f ms, max %.0f ms\n",
              r.latency_p50_ms, r.latency_p90_ms, r.latency_max_ms);

  std::printf(
      "jobs: throughput of %d sleep-0 jobs (%d workers) vs. spawning `easel --version`"
      " %d at a time, alternated %d times\n",
      config.throughput_jobs, config.max_concurrent_jobs, config.max_concurrent_jobs,
      config.rounds);
  r.spawn_serial_per_s = SpawnRate(config, config.spawn_samples / 2, 1);
  for (int round = 0; round < config.rounds; ++round) {
    double spawn = SpawnRate(config, config.spawn_samples, config.max_concurrent_jobs);
    std::printf("    spawn floor: %.0f processes/s\n", spawn);
    r.spawn_per_s = std::max(r.spawn_per_s, spawn);
    Throughput t = JobThroughput(server, project, config.throughput_jobs);
    if (t.overall > r.jobs_per_s) {
      r.jobs_per_s = t.overall;
      r.drain_jobs_per_s = t.drain;
    }
  }
  std::printf("    spawn floor one at a time: %.0f processes/s\n", r.spawn_serial_per_s);
  return r;
}

}  // namespace easel::bench
