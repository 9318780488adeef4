// main() of the jobs test binary: gtest, unless started as a worker or a stand-in server by an
// executor test (see test_worker.h).

#include <gmock/gmock.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <map>
#include <thread>

#include "jobs/executor.h"
#include "jobs/job_context.h"
#include "jobs/kinds/sleep.h"
#include "jobs/test_worker.h"
#include "jobs/worker.h"
#include "jobs/zygote.h"
#include "store/blob_store.h"

namespace easel::jobs::testing {
namespace {

Result<Json> RunStubborn(JobContext& ctx) {
  double seconds = ctx.spec().value("seconds", 1.0);
  ctx.Log("stubborn: ignoring cancellation");
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  return Json{{"slept", seconds}};
}

// Submits a 0 s sleep job as the child of ctx's job and wakes the scheduler, as a search does
// its trials.
Result<Job> SubmitSleepingChild(JobContext& ctx, JobStore& store) {
  EASEL_ASSIGN_OR_RETURN(Job child, store.Submit(ctx.project_id(), "sleep",
                                                 Json{{"seconds", 0}, {"steps", 1}},
                                                 ctx.created_by(), {.parent_id = ctx.job_id()}));
  ctx.WakeScheduler();
  return child;
}

// Submits a child, then waits, as a search does, for it to start (at most 5 s).
Result<Json> RunSubmitter(JobContext& ctx) {
  JobStore store(ctx.db());
  EASEL_ASSIGN_OR_RETURN(Job child, SubmitSleepingChild(ctx, store));
  for (int i = 0; i < 500 && !ctx.cancelled(); ++i) {
    EASEL_ASSIGN_OR_RETURN(Job now, store.GetById(child.id));
    if (now.state != JobState::kQueued) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return Json{{"child", child.id}};
}

// Submits a child and waits for it to end, waking on the scheduler's word (at most 20 s);
// answers how long it waited.
Result<Json> RunParent(JobContext& ctx) {
  JobStore store(ctx.db());
  EASEL_ASSIGN_OR_RETURN(Job child, SubmitSleepingChild(ctx, store));
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 2 && !ctx.cancelled(); ++i) {
    EASEL_ASSIGN_OR_RETURN(Job now, store.GetById(child.id));
    if (IsFinal(now.state)) break;
    ctx.WaitForChildren(std::chrono::seconds(10));
  }
  return Json{{"waited_ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::steady_clock::now() - start)
                                .count()}};
}

// "--flag value" pairs after the mode flag.
std::map<std::string, std::string> ParseFlags(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  for (int i = 2; i + 1 < argc; i += 2) flags[argv[i]] = argv[i + 1];
  return flags;
}

int WorkerMain(int argc, char** argv) {
  auto flags = ParseFlags(argc, argv);
  JobKindRegistry registry;
  RegisterTestJobKinds(registry);
  WorkerOptions options;
  options.job_id = flags["--job"];
  options.attempt = std::stoll(flags.count("--attempt") ? flags["--attempt"] : "0");
  options.data_dir = flags["--data-dir"];
  options.db_url = flags["--db"];
  if (flags.count("--wake-fd")) options.wake_fd = std::stoi(flags["--wake-fd"]);
  if (flags.count("--zygote-fd")) {
    return RunZygote(std::stoi(flags["--zygote-fd"]), options, registry);
  }
  return RunWorker(options, registry);
}

int ServerMain(int argc, char** argv) {
  auto flags = ParseFlags(argc, argv);
  auto db = store::Database::Open(flags["--db"]);
  auto blobs = store::BlobStore::Open(flags["--data-dir"]);
  if (!db.ok() || !blobs.ok()) return 1;
  JobKindRegistry registry;
  RegisterTestJobKinds(registry);
  ExecutorOptions options;
  options.data_dir = flags["--data-dir"];
  options.worker_argv = TestWorkerArgv(options.data_dir, flags["--db"]);
  options.runner_id = flags["--runner"];
  options.poll_interval_ms = 50;
  LocalExecutor executor(**db, **blobs, registry, options);
  if (!executor.Start().ok()) return 1;
  for (;;) pause();  // until the test kills us
}

}  // namespace

void RegisterTestJobKinds(JobKindRegistry& registry) {
  RegisterBuiltinJobKinds(registry, /*enable_test_kinds=*/true);
  JobKind stubborn;
  stubborn.name = "stubborn";
  stubborn.description = "Test-only: sleeps and ignores cancellation.";
  stubborn.test_only = true;
  stubborn.run = RunStubborn;
  registry.Register(std::move(stubborn)).IgnoreError();
  JobKind submitter;
  submitter.name = "submitter";
  submitter.description = "Test-only: submits a child job.";
  submitter.test_only = true;
  submitter.run = RunSubmitter;
  registry.Register(std::move(submitter)).IgnoreError();
  JobKind parent;
  parent.name = "parent";
  parent.description = "Test-only: waits for a child job.";
  parent.test_only = true;
  parent.coordinator = true;
  parent.run = RunParent;
  registry.Register(std::move(parent)).IgnoreError();
  // A coordinator that only sleeps: shows the executor's separate coordinator pool.
  JobKind coordinator = SleepJobKind();
  coordinator.name = "coordinating_sleep";
  coordinator.coordinator = true;
  registry.Register(std::move(coordinator)).IgnoreError();
}

std::vector<std::string> TestWorkerArgv(const std::filesystem::path& data_dir,
                                        const std::string& db_url) {
  return {"/proc/self/exe", kWorkerFlag, "--data-dir", data_dir.string(), "--db", db_url};
}

}  // namespace easel::jobs::testing

int main(int argc, char** argv) {
  using namespace easel::jobs::testing;
  if (argc > 1 && std::strcmp(argv[1], kWorkerFlag) == 0) return WorkerMain(argc, argv);
  if (argc > 1 && std::strcmp(argv[1], kServerFlag) == 0) return ServerMain(argc, argv);
  ::testing::InitGoogleMock(&argc, argv);
  return RUN_ALL_TESTS();
}
