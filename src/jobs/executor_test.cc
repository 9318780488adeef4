// The local executor with real processes: this test binary is also the worker (and, for the
// server-crash test, the server) — see test_worker.h.

#include "jobs/executor.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <sstream>

#include "common/files.h"
#include "jobs/job_files.h"
#include "jobs/job_logs.h"
#include "jobs/job_test_support.h"
#include "jobs/test_worker.h"
#include "testing/postgres.h"
#include "testing/temp_dir.h"

namespace easel::jobs {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class ExecutorTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto url = easel::testing::DatabaseUrlFor(GetParam(), dir_.path().string());
    if (!url.ok()) GTEST_SKIP() << "skipping PostgreSQL run: " << url.status().message();
    url_ = *url;
    db_ = std::move(*store::Database::Open(url_));
    blobs_ = std::move(*store::BlobStore::Open(dir_.path()));
    testing::AddUserAndProjects(*db_);
    testing::RegisterTestJobKinds(registry_);
  }

  ExecutorOptions Options() {
    ExecutorOptions o;
    o.data_dir = dir_.path();
    o.worker_argv = testing::TestWorkerArgv(dir_.path(), url_);
    o.runner_id = "runner-a";
    o.poll_interval_ms = 50;
    o.cancel_grace_s = 5;
    return o;
  }
  std::unique_ptr<LocalExecutor> StartExecutor(ExecutorOptions options) {
    auto executor = std::make_unique<LocalExecutor>(*db_, *blobs_, registry_, options);
    Status st = executor->Start();
    EXPECT_TRUE(st.ok()) << st.ToString();
    return executor;
  }
  std::string Submit(const Json& spec, SubmitOptions options = {},
                     const std::string& kind = "sleep") {
    auto job = JobStore(*db_).Submit("p", kind, spec, "u", options);
    EXPECT_TRUE(job.ok()) << job.status().ToString();
    return job.ok() ? job->id : "";
  }
  Job Get(const std::string& id) { return JobStore(*db_).GetById(id).value(); }
  Job WaitFinal(const std::string& id, seconds timeout = seconds(10)) {
    testing::WaitUntil([&] { return IsFinal(Get(id).state); }, timeout);
    return Get(id);
  }
  int64_t CheckpointStep(const std::string& id) {
    auto bytes = ReadFile(*JobCheckpointPath(dir_.path(), id));
    if (!bytes.ok()) return -1;
    auto json = ParseJson(*bytes);
    return json.ok() ? json->value("next_step", int64_t{-1}) : -1;
  }
  // Waits until `attempt` runs in a worker whose pid is recorded and has checkpointed
  // `min_step` steps; returns that pid (0 on timeout).
  pid_t WaitForWorker(const std::string& id, int64_t attempt, int64_t min_step) {
    pid_t pid = 0;
    testing::WaitUntil(
        [&] {
          Job j = Get(id);
          if (j.state != JobState::kRunning || j.attempt != attempt || !j.worker_pid) return false;
          pid = static_cast<pid_t>(*j.worker_pid);
          return CheckpointStep(id) >= min_step;
        },
        seconds(10));
    return pid;
  }
  // Submits a 2 s sleep job and wakes `executor`; answers the job's id and the pid of its
  // first attempt's worker once that runs (0 on timeout).
  std::pair<std::string, pid_t> StartSleeper(LocalExecutor& executor) {
    std::string id = Submit(Json{{"seconds", 2}, {"steps", 20}});
    executor.Wake();
    return {id, WaitForWorker(id, 1, 1)};
  }
  std::string ArchivedLog(const Job& job) {
    if (!job.log_digest) return "";
    return blobs_->ReadAll(*job.log_digest).value_or("");
  }

  easel::testing::TempDir dir_;
  std::string url_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<store::BlobStore> blobs_;
  JobKindRegistry registry_;
};

TEST_P(ExecutorTest, RunsAJobToSuccessWithLogsAndMetrics) {
  auto executor = StartExecutor(Options());
  std::string id = Submit(Json{{"seconds", 0.5}, {"steps", 5}});
  executor->Wake();
  Job job = WaitFinal(id);
  ASSERT_EQ(job.state, JobState::kSucceeded) << JobToJson(job).dump();
  EXPECT_EQ(*job.result, (Json{{"steps", 5}, {"resumed_from", 0}}));
  EXPECT_EQ(job.attempt, 1);
  EXPECT_EQ(job.progress_fraction, 1.0);
  EXPECT_EQ(job.progress_message, "step 5 of 5");

  ASSERT_TRUE(testing::WaitUntil([&] { return Get(id).log_digest.has_value(); }, seconds(5)));
  std::string log = ArchivedLog(Get(id));
  EXPECT_NE(log.find("attempt 1 of 3 starting"), std::string::npos) << log;
  EXPECT_NE(log.find("step 5 of 5 done"), std::string::npos) << log;
  // The directory goes right after the digest is recorded.
  EXPECT_TRUE(testing::WaitUntil([&] { return !std::filesystem::exists(*JobDir(dir_.path(), id)); },
                                 seconds(5)));
  auto chunk = ReadJobLog(*db_, *blobs_, dir_.path(), "p", id, 0, 1 << 20);
  ASSERT_TRUE(chunk.ok());
  EXPECT_EQ(chunk->data, log);
  EXPECT_TRUE(chunk->finished);

  auto metrics = JobStore(*db_).ListMetrics("p", id);
  EXPECT_EQ((*metrics)["series"]["remaining_seconds"].size(), 5u);
}

TEST_P(ExecutorTest, RunsNoMoreThanMaxConcurrencyAtOnce) {
  ExecutorOptions options = Options();
  options.max_concurrency = 1;
  auto executor = StartExecutor(options);
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(Submit(Json{{"seconds", 0.3}, {"steps", 3}}));
  executor->Wake();
  int most = 0;
  testing::WaitUntil(
      [&] {
        most =
            std::max(most, static_cast<int>((*JobStore(*db_).CountByState())[JobState::kRunning]));
        return (*JobStore(*db_).CountByState())[JobState::kSucceeded] == 3;
      },
      seconds(10));
  EXPECT_EQ((*JobStore(*db_).CountByState())[JobState::kSucceeded], 3);
  EXPECT_EQ(most, 1);
}

TEST_P(ExecutorTest, CoordinatorsRunInTheirOwnPool) {
  // One slot for ordinary jobs and one for coordinators: a running coordinator must not keep
  // the job it waits for from starting, and a second coordinator waits for the first.
  ExecutorOptions options = Options();
  options.max_concurrency = 1;
  options.max_coordinators = 1;
  auto executor = StartExecutor(options);
  std::string first = Submit(Json{{"seconds", 1.5}}, {}, "coordinating_sleep");
  std::string second = Submit(Json{{"seconds", 0.1}}, {}, "coordinating_sleep");
  executor->Wake();
  testing::WaitUntil([&] { return Get(first).state == JobState::kRunning; }, seconds(10));
  std::string child = Submit(Json{{"seconds", 0.1}}, {.parent_id = first});
  executor->Wake();
  EXPECT_EQ(WaitFinal(child).state, JobState::kSucceeded);
  EXPECT_EQ(Get(first).state, JobState::kRunning) << "the child ran while its parent waited";
  EXPECT_EQ(Get(second).state, JobState::kQueued) << "one coordinator at a time";
  EXPECT_EQ(WaitFinal(second).state, JobState::kSucceeded);
  EXPECT_EQ(Get(child).parent_id, first);
}

TEST_P(ExecutorTest, AKilledWorkerIsRequeuedAndResumesFromItsCheckpoint) {
  auto executor = StartExecutor(Options());
  std::string id = Submit(Json{{"seconds", 2}, {"steps", 20}});
  executor->Wake();
  pid_t pid = WaitForWorker(id, 1, 3);
  ASSERT_GT(pid, 0);
  ASSERT_EQ(::kill(pid, SIGKILL), 0);

  Job job = WaitFinal(id);
  ASSERT_EQ(job.state, JobState::kSucceeded) << JobToJson(job).dump();
  EXPECT_EQ(job.attempt, 2);
  EXPECT_GT((*job.result)["resumed_from"].get<int>(), 0);
  ASSERT_TRUE(testing::WaitUntil([&] { return Get(id).log_digest.has_value(); }, seconds(5)));
  std::string log = ArchivedLog(Get(id));
  EXPECT_NE(log.find("worker killed by signal 9; job queued"), std::string::npos) << log;
  EXPECT_NE(log.find("resuming from step"), std::string::npos) << log;
}

TEST_P(ExecutorTest, KillingEveryAttemptFailsTheJobWithAReason) {
  auto executor = StartExecutor(Options());
  std::string id = Submit(Json{{"seconds", 5}, {"steps", 50}}, {.max_attempts = 2});
  executor->Wake();
  for (int attempt = 1; attempt <= 2; ++attempt) {
    pid_t pid = WaitForWorker(id, attempt, 0);
    ASSERT_GT(pid, 0) << "attempt " << attempt;
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
  }
  Job job = WaitFinal(id);
  ASSERT_EQ(job.state, JobState::kFailed) << JobToJson(job).dump();
  EXPECT_EQ(job.error->code(), StatusCode::kInternal);
  EXPECT_EQ(job.error->message(), "worker died (killed by signal 9) on attempt 2 of 2");
}

TEST_P(ExecutorTest, CancelStopsARunningJobWithinTheGracePeriod) {
  auto executor = StartExecutor(Options());
  std::string id = Submit(Json{{"seconds", 30}, {"steps", 300}});
  executor->Wake();
  ASSERT_GT(WaitForWorker(id, 1, 1), 0);
  auto asked = std::chrono::steady_clock::now();
  ASSERT_TRUE(JobStore(*db_).RequestCancel("p", id).ok());
  executor->Wake();
  Job job = WaitFinal(id);
  EXPECT_LT(std::chrono::steady_clock::now() - asked, seconds(3));
  ASSERT_EQ(job.state, JobState::kCancelled) << JobToJson(job).dump();
  EXPECT_EQ(job.error->code(), StatusCode::kCancelled);
  EXPECT_EQ(job.attempt, 1);
}

TEST_P(ExecutorTest, AWorkerIgnoringSigtermIsKilledAfterTheGracePeriod) {
  ExecutorOptions options = Options();
  options.cancel_grace_s = 1;
  auto executor = StartExecutor(options);
  std::string id = Submit(Json{{"seconds", 30}}, {}, "stubborn");
  executor->Wake();
  ASSERT_TRUE(testing::WaitUntil([&] { return Get(id).worker_pid.has_value(); }, seconds(5)));
  std::this_thread::sleep_for(milliseconds(300));  // let the worker start its sleep
  ASSERT_TRUE(JobStore(*db_).RequestCancel("p", id).ok());
  executor->Wake();
  Job job = WaitFinal(id, seconds(5));
  ASSERT_EQ(job.state, JobState::kCancelled) << JobToJson(job).dump();
  ASSERT_TRUE(testing::WaitUntil([&] { return Get(id).log_digest.has_value(); }, seconds(5)));
  EXPECT_NE(ArchivedLog(Get(id)).find("worker killed by signal 9; job cancelled"),
            std::string::npos);
}

TEST_P(ExecutorTest, ATimeoutFailsTheJobWithoutRetrying) {
  auto executor = StartExecutor(Options());
  std::string id = Submit(Json{{"seconds", 30}, {"steps", 300}}, {.timeout_s = 1});
  executor->Wake();
  Job job = WaitFinal(id);
  ASSERT_EQ(job.state, JobState::kFailed) << JobToJson(job).dump();
  EXPECT_EQ(job.error->code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(job.attempt, 1);
}

TEST_P(ExecutorTest, StopRequeuesRunningJobsWithoutConsumingAnAttempt) {
  auto executor = StartExecutor(Options());
  std::string id = Submit(Json{{"seconds", 2}, {"steps", 20}}, {.max_attempts = 1});
  executor->Wake();
  ASSERT_GT(WaitForWorker(id, 1, 3), 0);
  executor->Stop(/*requeue_running=*/true);
  Job stopped = Get(id);
  EXPECT_EQ(stopped.state, JobState::kQueued);
  EXPECT_EQ(stopped.attempt, 0);
  EXPECT_EQ(executor->running(), 0);

  // With a single attempt allowed, only an uncounted interruption lets it finish.
  auto restarted = StartExecutor(Options());
  Job job = WaitFinal(id);
  ASSERT_EQ(job.state, JobState::kSucceeded) << JobToJson(job).dump();
  EXPECT_EQ(job.attempt, 1);
  EXPECT_GT((*job.result)["resumed_from"].get<int>(), 0);
}

TEST_P(ExecutorTest, StopWithoutRequeueLetsRunningJobsFinish) {
  auto executor = StartExecutor(Options());
  std::string id = Submit(Json{{"seconds", 0.6}, {"steps", 6}});
  std::string waiting = Submit(Json{{"seconds", 0}}, {}, "sleep");
  executor->Wake();
  ASSERT_GT(WaitForWorker(id, 1, 1), 0);
  executor->Stop(/*requeue_running=*/false);
  EXPECT_EQ(Get(id).state, JobState::kSucceeded);
  // Stopping means no new claims (the second job may or may not have started before).
  JobState other = Get(waiting).state;
  EXPECT_TRUE(other == JobState::kQueued || other == JobState::kSucceeded);
}

TEST_P(ExecutorTest, AnUnknownKindFailsWithoutStartingAWorker) {
  auto executor = StartExecutor(Options());
  std::string id = Submit(Json::object(), {}, "no_such_kind");
  executor->Wake();
  Job job = WaitFinal(id);
  ASSERT_EQ(job.state, JobState::kFailed);
  EXPECT_EQ(job.error->code(), StatusCode::kNotFound);
  EXPECT_FALSE(job.worker_pid.has_value());
}

TEST_P(ExecutorTest, StartArchivesWhatACrashLeftBehind) {
  // A job that became final just before a crash, with its log not yet archived.
  std::string id = Submit(Json{{"seconds", 0}});
  JobStore jobs(*db_);
  Job claimed = **jobs.ClaimNext("runner-a");
  std::filesystem::create_directories(*JobDir(dir_.path(), id));
  ASSERT_TRUE(WriteFileAtomic(*JobLogPath(dir_.path(), id), "last words\n").ok());
  ASSERT_TRUE(*jobs.Finish(id, claimed.attempt, Json::object()));
  auto executor = StartExecutor(Options());
  EXPECT_EQ(ArchivedLog(Get(id)), "last words\n");
  EXPECT_FALSE(std::filesystem::exists(*JobDir(dir_.path(), id)));
}

bool ProcessGone(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;
  auto close = line.rfind(')');
  return close != std::string::npos && line.size() > close + 2 && line[close + 2] == 'Z';
}

TEST_P(ExecutorTest, AfterTheServerIsKilledARestartResumesTheJob) {
  std::string id = Submit(Json{{"seconds", 2}, {"steps", 20}});
  std::vector<std::string> args = {"/proc/self/exe", testing::kServerFlag,
                                   "--data-dir",     dir_.path().string(),
                                   "--db",           url_,
                                   "--runner",       "runner-a"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t server = ::fork();
  if (server == 0) {
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ASSERT_GT(server, 0);
  pid_t worker = WaitForWorker(id, 1, 3);
  ASSERT_GT(worker, 0);
  ::kill(server, SIGKILL);
  ::waitpid(server, nullptr, 0);
  // PR_SET_PDEATHSIG: the worker dies with its server.
  EXPECT_TRUE(testing::WaitUntil([&] { return ProcessGone(worker); }, seconds(5)));
  EXPECT_EQ(Get(id).state, JobState::kRunning);  // nobody is left to say otherwise

  auto executor = StartExecutor(Options());  // same runner id: recovers the job
  Job job = WaitFinal(id);
  ASSERT_EQ(job.state, JobState::kSucceeded) << JobToJson(job).dump();
  EXPECT_EQ(job.attempt, 2);
  EXPECT_GT((*job.result)["resumed_from"].get<int>(), 0);
}

// The parent process of `pid` (0 when it is gone).
pid_t ParentOf(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return 0;
  std::istringstream fields(stat.substr(paren + 1));
  std::string state;
  pid_t parent = 0;
  fields >> state >> parent;
  return parent;
}

// Workers are forked by the zygote, a child of the executor's process; they show the command
// line of an exec'd worker, so ps still finds a job's worker by its id.
TEST_P(ExecutorTest, WorkersAreForkedByTheZygoteAndShowTheirJob) {
  auto executor = StartExecutor(Options());
  auto [id, worker] = StartSleeper(*executor);
  ASSERT_GT(worker, 0);
  const pid_t zygote = ParentOf(worker);
  EXPECT_NE(zygote, ::getpid());
  EXPECT_EQ(ParentOf(zygote), ::getpid());
  auto cmdline = ReadFile("/proc/" + std::to_string(worker) + "/cmdline");
  ASSERT_TRUE(cmdline.ok());
  EXPECT_NE(cmdline->find(std::string("--job\0", 6) + id), std::string::npos) << *cmdline;
  EXPECT_EQ(cmdline->find("--zygote-fd"), std::string::npos) << *cmdline;
  EXPECT_EQ(WaitFinal(id).state, JobState::kSucceeded);
}

TEST_P(ExecutorTest, WithoutTheZygoteWorkersAreExecd) {
  ExecutorOptions options = Options();
  options.zygote = false;
  auto executor = StartExecutor(options);
  auto [id, worker] = StartSleeper(*executor);
  ASSERT_GT(worker, 0);
  EXPECT_EQ(ParentOf(worker), ::getpid());
  EXPECT_EQ(WaitFinal(id).state, JobState::kSucceeded);
}

// A dead zygote takes its workers with it (PDEATHSIG): their jobs are retried, by exec'd
// workers from then on.
TEST_P(ExecutorTest, WhenTheZygoteDiesItsJobsAreRetriedByExecdWorkers) {
  auto executor = StartExecutor(Options());
  auto [id, worker] = StartSleeper(*executor);
  ASSERT_GT(worker, 0);
  const pid_t zygote = ParentOf(worker);
  ASSERT_NE(zygote, ::getpid());
  ASSERT_EQ(::kill(zygote, SIGKILL), 0);
  pid_t second = WaitForWorker(id, 2, 1);
  ASSERT_GT(second, 0);
  EXPECT_EQ(ParentOf(second), ::getpid());
  Job job = WaitFinal(id);
  EXPECT_EQ(job.state, JobState::kSucceeded) << JobToJson(job).dump();
  EXPECT_EQ(job.attempt, 2);
}

// A job a worker submits (a search's trial) starts at once, not at the scheduler's next poll:
// the worker wakes it through the eventfd the executor passed down, forked or exec'd.
TEST_P(ExecutorTest, AJobAWorkerSubmitsStartsWithoutWaitingForThePoll) {
  for (bool zygote : {true, false}) {
    ExecutorOptions options = Options();
    options.poll_interval_ms = 10000;
    options.zygote = zygote;
    auto executor = StartExecutor(options);
    std::string id = Submit(Json::object(), {}, "submitter");
    executor->Wake();
    Job parent = WaitFinal(id);
    ASSERT_EQ(parent.state, JobState::kSucceeded) << JobToJson(parent).dump();
    const std::string child_id = (*parent.result)["child"].get<std::string>();
    Job child = WaitFinal(child_id, seconds(5));
    ASSERT_EQ(child.state, JobState::kSucceeded) << "zygote " << zygote;
    EXPECT_LT(*child.started_at - child.created_at, 2000) << "zygote " << zygote;
    executor->Stop(/*requeue_running=*/false);
  }
}

// A job waiting for its child (a search for its trial) hears when the child has ended, rather
// than at the end of its wait.
TEST_P(ExecutorTest, AParentWaitingForItsChildIsToldWhenItEnds) {
  auto executor = StartExecutor(Options());
  std::string id = Submit(Json::object(), {}, "parent");
  executor->Wake();
  Job parent = WaitFinal(id, seconds(30));
  ASSERT_EQ(parent.state, JobState::kSucceeded) << JobToJson(parent).dump();
  EXPECT_LT((*parent.result)["waited_ms"].get<int64_t>(), 5000) << JobToJson(parent).dump();
}

INSTANTIATE_TEST_SUITE_P(Engines, ExecutorTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace easel::jobs
