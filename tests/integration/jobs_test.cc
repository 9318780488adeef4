// Jobs through the real server: workers are child processes that can die, the server itself
// can die, and a job that checkpoints resumes where it left off.

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "testing/postgres.h"
#include "testing/processes.h"
#include "testing/server.h"

namespace easel::testing {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

// The pid of the `easel worker` process running `job_id`, or -1.
class JobsTest : public ::testing::Test {
 protected:
  void StartServer(ServerOptions opts = {}) {
    server_ = std::make_unique<ServerProcess>(std::move(opts));
    server_->Start();
    client_ = server_->Client();
    token_ = server_->admin_token();
  }
  void Restart() {
    fs::path dir = server_->data_dir();
    auto old = std::move(server_);  // keeps the temporary data dir alive
    ServerOptions opts{.data_dir = dir};
    server_ = std::make_unique<ServerProcess>(opts);
    server_->Start();
    client_ = server_->Client();
    keep_.push_back(std::move(old));
  }
  std::string Submit(const std::string& spec) {
    auto r = Send(*client_, "POST", "/api/v1/projects/demo/jobs", token_,
                  R"({"kind":"sleep","spec":)" + spec + "}");
    EXPECT_EQ(r.status, 202) << r.raw;
    return r.body.value("id", "");
  }
  Json Job(const std::string& id) {
    return Send(*client_, "GET", "/api/v1/projects/demo/jobs/" + id, token_).body;
  }
  // Polls until the job reaches a final state or `limit` passes.
  Json WaitFinal(const std::string& id, std::chrono::seconds limit = 60s) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    Json j;
    while (std::chrono::steady_clock::now() < deadline) {
      j = Job(id);
      std::string s = j.value("state", "");
      if (s == "succeeded" || s == "failed" || s == "cancelled") return j;
      std::this_thread::sleep_for(50ms);
    }
    ADD_FAILURE() << "job did not finish: " << j.dump();
    return j;
  }
  // Waits until the job has checkpointed at least `steps` steps.
  void WaitProgress(const std::string& id, double fraction) {
    for (int i = 0; i < 400; ++i) {
      if (Job(id)["progress"].value("fraction", 0.0) >= fraction) return;
      std::this_thread::sleep_for(25ms);
    }
    FAIL() << "no progress: " << Job(id).dump();
  }
  void CreateProject() {
    ASSERT_EQ(Send(*client_, "POST", "/api/v1/projects", token_, R"({"name":"demo"})").status, 201);
  }

  std::unique_ptr<ServerProcess> server_;
  std::vector<std::unique_ptr<ServerProcess>> keep_;
  std::unique_ptr<httplib::Client> client_;
  std::string token_;
};

TEST_F(JobsTest, RunsToSuccessWithLogsProgressAndMetrics) {
  StartServer();
  CreateProject();
  std::string id = Submit(R"({"seconds":0.6,"steps":3})");
  auto follow =
      Send(*client_, "GET", "/api/v1/projects/demo/jobs/" + id + "/logs?follow=true", token_);
  EXPECT_EQ(follow.status, 200);
  EXPECT_NE(follow.raw.find("step 3 of 3"), std::string::npos) << follow.raw;
  Json j = WaitFinal(id);
  EXPECT_EQ(j["state"], "succeeded");
  EXPECT_EQ(j["attempt"], 1);
  EXPECT_EQ(j["result"]["steps"], 3);
  EXPECT_EQ(j["progress"]["fraction"], 1.0);
  auto metrics = Send(*client_, "GET", "/api/v1/projects/demo/jobs/" + id + "/metrics", token_);
  EXPECT_EQ(metrics.body["series"]["remaining_seconds"].size(), 3u);
  auto logs = Send(*client_, "GET", "/api/v1/projects/demo/jobs/" + id + "/logs", token_);
  EXPECT_EQ(logs.raw, follow.raw) << "the archived log is the one that was followed";
  auto list = Send(*client_, "GET", "/api/v1/projects/demo/jobs?state=succeeded", token_);
  EXPECT_EQ(list.body["items"].size(), 1u);
}

TEST_F(JobsTest, KilledWorkerIsRetriedAndResumesFromItsCheckpoint) {
  StartServer();
  CreateProject();
  std::string id = Submit(R"({"seconds":3,"steps":10})");
  WaitProgress(id, 0.3);
  pid_t worker = FindWorker(id);
  ASSERT_GT(worker, 0);
  ASSERT_EQ(::kill(worker, SIGKILL), 0);
  Json j = WaitFinal(id);
  EXPECT_EQ(j["state"], "succeeded") << j.dump();
  EXPECT_EQ(j["attempt"], 2);
  EXPECT_GE(j["result"]["resumed_from"].get<int>(), 3) << "must resume, not restart";
  auto logs = Send(*client_, "GET", "/api/v1/projects/demo/jobs/" + id + "/logs", token_);
  EXPECT_NE(logs.raw.find("attempt 2 of 3"), std::string::npos) << logs.raw;
}

TEST_F(JobsTest, KilledServerRequeuesAndTheJobResumesAfterRestart) {
  StartServer();
  CreateProject();
  std::string id = Submit(R"({"seconds":3,"steps":10})");
  WaitProgress(id, 0.3);
  pid_t worker = FindWorker(id);
  ASSERT_GT(worker, 0);
  server_->Kill();
  // The worker dies with its server (it must not keep writing as a ghost).
  for (int i = 0; i < 100 && ::kill(worker, 0) == 0; ++i) std::this_thread::sleep_for(20ms);
  EXPECT_NE(::kill(worker, 0), 0) << "worker outlived its server";
  Restart();
  Json j = WaitFinal(id);
  EXPECT_EQ(j["state"], "succeeded") << j.dump();
  EXPECT_EQ(j["attempt"], 2);
  EXPECT_GE(j["result"]["resumed_from"].get<int>(), 3);
}

TEST_F(JobsTest, CancelStopsARunningJob) {
  StartServer();
  CreateProject();
  std::string id = Submit(R"({"seconds":60,"steps":600})");
  WaitProgress(id, 0.001);
  auto start = std::chrono::steady_clock::now();
  auto r = Send(*client_, "POST", "/api/v1/projects/demo/jobs/" + id + "/cancel", token_);
  EXPECT_EQ(r.status, 202);
  Json j = WaitFinal(id, 20s);
  EXPECT_EQ(j["state"], "cancelled");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  // The worker records "cancelled" itself and then exits: give the exit a moment.
  for (int i = 0; i < 100 && FindWorker(id) != -1; ++i) std::this_thread::sleep_for(20ms);
  EXPECT_EQ(FindWorker(id), -1) << "the worker must be gone";
  auto again = Send(*client_, "POST", "/api/v1/projects/demo/jobs/" + id + "/cancel", token_);
  EXPECT_EQ(again.status, 412) << "a finished job cannot be cancelled";
}

TEST_F(JobsTest, DrainPutsRunningJobsBackAndTheyResume) {
  StartServer();
  CreateProject();
  std::string id = Submit(R"({"seconds":3,"steps":10})");
  WaitProgress(id, 0.3);
  EXPECT_EQ(server_->Terminate(), 0);
  Restart();
  Json j = WaitFinal(id);
  EXPECT_EQ(j["state"], "succeeded") << j.dump();
  EXPECT_GE(j["result"]["resumed_from"].get<int>(), 3);
  EXPECT_LE(j["attempt"].get<int>(), 2) << "a shutdown does not use up an attempt";
}

TEST_F(JobsTest, ProjectWithActiveJobsCannotBeDeleted) {
  StartServer();
  CreateProject();
  std::string id = Submit(R"({"seconds":30,"steps":30})");
  auto del = Send(*client_, "DELETE", "/api/v1/projects/demo", token_);
  EXPECT_EQ(del.status, 412);
  EXPECT_NE(del.body["error"]["message"].get<std::string>().find("active jobs"), std::string::npos);
  Send(*client_, "POST", "/api/v1/projects/demo/jobs/" + id + "/cancel", token_);
  WaitFinal(id);
  EXPECT_EQ(Send(*client_, "DELETE", "/api/v1/projects/demo", token_).status, 204);
}

TEST_F(JobsTest, TestKindsAreOffUnlessEnabled) {
  StartServer(ServerOptions{.enable_test_jobs = false});
  CreateProject();
  auto r = Send(*client_, "POST", "/api/v1/projects/demo/jobs", token_,
                R"({"kind":"sleep","spec":{"seconds":0}})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.raw.find("unknown job kind"), std::string::npos) << r.raw;
}

TEST_F(JobsTest, WholeServerRunsOnPostgres) {
  auto url = FreshPostgresUrl();
  if (!url.ok()) GTEST_SKIP() << "skipping PostgreSQL run: " << url.status().message();
  StartServer(ServerOptions{.db_url = *url});
  CreateProject();
  auto up = Send(*client_, "POST", "/api/v1/projects/demo/artifacts?name=a", token_, "bytes",
                 "application/octet-stream");
  EXPECT_EQ(up.status, 201);
  std::string id = Submit(R"({"seconds":1,"steps":4})");
  WaitProgress(id, 0.25);
  pid_t worker = FindWorker(id);
  ASSERT_GT(worker, 0);
  ::kill(worker, SIGKILL);
  Json j = WaitFinal(id);
  EXPECT_EQ(j["state"], "succeeded") << j.dump();
  EXPECT_EQ(j["attempt"], 2);
}

}  // namespace
}  // namespace easel::testing
