// The job commands in-process against a stand-in server that answers the shapes API.md
// "Jobs" promises, so their exit codes, paging and streaming are pinned down independently
// of the real job system.

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <thread>

#include "cli/test_support.h"

namespace easel::cli {
namespace {

class FakeJobServer : public StandInServer {
 public:
  FakeJobServer() {
    const std::string jobs = "/api/v1/projects/p/jobs";
    server_.Post(jobs, [this](const httplib::Request& req, httplib::Response& res) {
      last_submit_ = Json::parse(req.body);
      res.status = 202;
      res.set_content(R"({"id": "j1", "state": "queued"})", "application/json");
    });
    server_.Get(jobs, [](const httplib::Request& req, httplib::Response& res) {
      std::string token = req.get_param_value("page_token");
      Json page = token.empty()
                      ? Json{{"items", {Job("j1", "succeeded")}}, {"next_page_token", "t1"}}
                      : Json{{"items", {Job("j2", "failed")}}, {"next_page_token", ""}};
      res.set_content(page.dump(), "application/json");
    });
    // j1 goes queued → running → succeeded over three polls.
    server_.Get(jobs + "/j1", [this](const httplib::Request&, httplib::Response& res) {
      int poll = polls_++;
      Json job = Job("j1", poll == 0 ? "queued" : poll == 1 ? "running" : "succeeded");
      if (poll >= 2) job["result"] = {{"steps", 2}};
      res.set_content(job.dump(), "application/json");
    });
    server_.Get(jobs + "/j2", [](const httplib::Request&, httplib::Response& res) {
      Json job = Job("j2", "failed");
      job["error"] = {{"code", "INTERNAL"}, {"message", "the worker crashed"}};
      res.set_content(job.dump(), "application/json");
    });
    server_.Get(jobs + "/j3", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(Job("j3", "running").dump(), "application/json");
    });
    // j2's log, from the requested offset.
    server_.Get(jobs + "/j2/logs", [this](const httplib::Request& req, httplib::Response& res) {
      follow_ = req.get_param_value("follow");
      size_t start = std::stoul(req.has_param("offset") ? req.get_param_value("offset") : "0");
      res.set_chunked_content_provider("text/plain", [start](size_t, httplib::DataSink& sink) {
        static const std::string kLog = "step 1 of 2\nstep 2 of 2\n";
        for (size_t at = start; at < kLog.size(); at += 12) {
          sink.write(kLog.data() + at, std::min<size_t>(12, kLog.size() - at));
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        sink.done();
        return true;
      });
    });
    // j4's log stream breaks after the first line; the rest arrives from ?offset=.
    server_.Get(jobs + "/j4", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(Job("j4", "succeeded").dump(), "application/json");
    });
    server_.Get(jobs + "/j4/logs", [this](const httplib::Request& req, httplib::Response& res) {
      std::string offset = req.get_param_value("offset");
      offsets_.push_back(offset);
      res.set_chunked_content_provider("text/plain", [offset](size_t, httplib::DataSink& sink) {
        if (offset == "0") {
          sink.write("first\n", 6);
          return false;  // the connection drops mid-stream
        }
        if (offset == "6") sink.write("second\n", 7);
        sink.done();
        return true;
      });
    });
    Start();
  }
  ~FakeJobServer() { Stop(); }

  const Json& last_submit() const { return last_submit_; }
  const std::string& follow() const { return follow_; }
  const std::vector<std::string>& offsets() const { return offsets_; }

 private:
  static Json Job(const std::string& id, const std::string& state) {
    return {{"id", id},
            {"kind", "sleep"},
            {"state", state},
            {"attempt", 1},
            {"max_attempts", 3},
            {"created_at", "2026-01-01T00:00:00Z"},
            {"started_at", nullptr},
            {"finished_at", nullptr},
            {"progress", {{"fraction", state == "running" ? 0.5 : 1.0}, {"message", "step"}}}};
  }

  std::atomic<int> polls_{0};
  Json last_submit_;
  std::string follow_;
  std::vector<std::string> offsets_;
};

class JobCommandsTest : public ::testing::Test {
 protected:
  CliRun Run(std::vector<std::string> args) {
    args.insert(args.end(), {"--server", server_.url(), "--token", "t", "-p", "p"});
    return RunCli(std::move(args));
  }

  FakeJobServer server_;
};

TEST_F(JobCommandsTest, SubmitSendsKindAndSpec) {
  CliRun r = Run({"job", "submit", "--kind", "sleep", "--spec", R"({"seconds": 1})", "-q"});
  EXPECT_EQ(r.exit_code, kExitOk) << r.err;
  EXPECT_EQ(r.out, "j1\n");
  EXPECT_EQ(server_.last_submit(), (Json{{"kind", "sleep"}, {"spec", {{"seconds", 1}}}}));

  CliRun bad = Run({"job", "submit", "--kind", "sleep", "--spec", "[1]"});
  EXPECT_EQ(bad.exit_code, kExitUsage) << bad.err;
}

TEST_F(JobCommandsTest, WaitPollsUntilSucceeded) {
  CliRun r = Run({"job", "wait", "j1", "--json"});
  EXPECT_EQ(r.exit_code, kExitOk) << r.err;
  EXPECT_EQ(Json::parse(r.out)["state"], "succeeded");
}

TEST_F(JobCommandsTest, WaitOnAFailedJobExits1WithItsError) {
  CliRun r = Run({"job", "wait", "j2"});
  EXPECT_EQ(r.exit_code, kExitFailed);
  EXPECT_EQ(r.out, "job j2 failed\n");
  EXPECT_NE(r.err.find("error: job j2 failed: the worker crashed (INTERNAL)"), std::string::npos)
      << r.err;
}

TEST_F(JobCommandsTest, WaitGivesUpAtTheTimeout) {
  auto start = std::chrono::steady_clock::now();
  CliRun r = Run({"job", "wait", "j3", "--timeout", "1s"});
  EXPECT_EQ(r.exit_code, kExitFailed);
  EXPECT_NE(r.err.find("timed out"), std::string::npos) << r.err;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST_F(JobCommandsTest, ListFollowsPagesAndRendersATable) {
  CliRun r = Run({"job", "list"});
  ASSERT_EQ(r.exit_code, kExitOk) << r.err;
  EXPECT_EQ(r.out.rfind("ID ", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("j1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("j2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("100%"), std::string::npos) << r.out;
}

TEST_F(JobCommandsTest, LogsFollowStreamsEveryChunk) {
  CliRun r = Run({"job", "logs", "j2", "-f"});
  EXPECT_EQ(r.exit_code, kExitOk) << r.err;
  EXPECT_EQ(r.out, "step 1 of 2\nstep 2 of 2\n");
  EXPECT_EQ(server_.follow(), "");  // the last request only fetches what came after the stream

  CliRun plain = Run({"job", "logs", "j2"});
  EXPECT_EQ(plain.exit_code, kExitOk) << plain.err;
  EXPECT_EQ(plain.out, "step 1 of 2\nstep 2 of 2\n");
}

TEST_F(JobCommandsTest, LogsFollowResumesABrokenStreamFromItsOffset) {
  CliRun r = Run({"job", "logs", "j4", "-f"});
  EXPECT_EQ(r.exit_code, kExitOk) << r.err;
  EXPECT_EQ(r.out, "first\nsecond\n");
  ASSERT_GE(server_.offsets().size(), 2u);
  EXPECT_EQ(server_.offsets()[0], "0");
  EXPECT_EQ(server_.offsets()[1], "6");
}

TEST_F(JobCommandsTest, ShowPrintsFields) {
  CliRun r = Run({"job", "show", "j2"});
  EXPECT_EQ(r.exit_code, kExitOk) << r.err;
  EXPECT_NE(r.out.find("State:     failed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Error:     INTERNAL: the worker crashed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Attempt:   1 of 3"), std::string::npos) << r.out;
}

TEST_F(JobCommandsTest, UnknownJobIsTheServersNotFound) {
  CliRun r = Run({"job", "show", "nope"});
  EXPECT_EQ(r.exit_code, kExitFailed);
}

}  // namespace
}  // namespace easel::cli
