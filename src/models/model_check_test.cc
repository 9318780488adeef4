#include "models/model_check.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "testing/temp_dir.h"

namespace easel::models {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kOkAnswer =
    R"({"ok":true,"signature":{"inputs":[{"name":"x","datatype":"FP32","shape":[-1]}],)"
    R"("outputs":[]},"info":{"n":1}})";

// A checker that is a shell script: the protocol and the process handling do not care which
// program answers.
Result<ModelCheckReport> RunScript(const std::string& script, ModelCheckLimits limits = {},
                                   std::string_view redact = "/data/blobs/ab/cdef") {
  return RunModelCheck({"/bin/sh", "-c", script}, "torchscript", redact, limits);
}

// Running (a zombie waiting for whoever inherited it to reap it counts as dead).
bool Alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  size_t paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] != 'Z';
}

std::string Echo(const std::string& json) { return "printf '%s\\n' '" + json + "'"; }

TEST(ModelCheckTest, ReadsTheAnswerLine) {
  auto r = RunScript(Echo(kOkAnswer));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->signature["inputs"][0]["name"], "x");
  EXPECT_EQ(r->info["n"], 1);
}

TEST(ModelCheckTest, OnlyTheLastLineIsTheAnswer) {
  auto r = RunScript("echo 'a library wrote this'; echo; " + Echo(kOkAnswer) + "; echo");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->info["n"], 1);
}

TEST(ModelCheckTest, AFailedCheckGivesItsSentenceWithoutOurPath) {
  auto r = RunScript(
      Echo(R"({"ok":false,"error":"cannot open /data/blobs/ab/cdef: bad zip\nat line 3"})") +
      "; exit 1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "the uploaded file is not a valid torchscript model: cannot open the file: bad zip");
}

TEST(ModelCheckTest, ACrashIsAnInvalidFile) {
  auto r = RunScript("kill -SEGV $$");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "the uploaded file is not a valid torchscript model: opening it crashed the checker "
            "(signal 11)");
}

TEST(ModelCheckTest, AnAnswerFollowedByACrashIsRefused) {
  auto r = RunScript(Echo(kOkAnswer) + "; kill -ABRT $$");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("crashed"), std::string::npos) << r.status().message();
}

TEST(ModelCheckTest, AHangIsKilledAtTheTimeout) {
  ModelCheckLimits limits;
  limits.timeout_ms = 300;
  auto start = Clock::now();
  auto r = RunScript("sleep 30", limits);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("took longer than"), std::string::npos);
}

TEST(ModelCheckTest, WhatTheCheckStartedDiesWithIt) {
  // The grandchild keeps stdout open: the check cannot finish, and the group kill ends both.
  testing::TempDir dir;
  const auto pid_file = dir.path() / "pid";
  ModelCheckLimits limits;
  limits.timeout_ms = 500;
  auto r = RunScript("sleep 30 & echo $! > " + pid_file.string() + "; " + Echo(kOkAnswer), limits);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("took longer than"), std::string::npos);
  std::ifstream in(pid_file);
  pid_t grandchild = 0;
  ASSERT_TRUE(in >> grandchild);
  auto until = Clock::now() + std::chrono::seconds(5);
  while (Alive(grandchild) && Clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_FALSE(Alive(grandchild)) << "the sleep the check started is still alive";
}

TEST(ModelCheckTest, UnreadableOrMissingAnswersAreRefused) {
  auto junk = RunScript("echo 'hello'");
  ASSERT_FALSE(junk.ok());
  EXPECT_NE(junk.status().message().find("not readable"), std::string::npos);
  auto none = RunScript("true");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("gave no answer"), std::string::npos);
  auto shape = RunScript(Echo(R"({"ok":true,"signature":[],"info":{}})"));
  ASSERT_FALSE(shape.ok());
  auto exit_code = RunScript(Echo(kOkAnswer) + "; exit 3");
  ASSERT_FALSE(exit_code.ok());
  EXPECT_NE(exit_code.status().message().find("exit code 3"), std::string::npos);
}

TEST(ModelCheckTest, TooMuchOutputIsRefused) {
  ModelCheckLimits limits;
  limits.max_answer_bytes = 1 << 20;
  auto r = RunScript("yes | head -c 5000000", limits);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("too long"), std::string::npos);
}

TEST(ModelCheckTest, TheChildRunsUnderLimitsWithOneThreadAndNoGpu) {
  ModelCheckLimits limits;
  limits.address_space_bytes = 3ull << 30;
  limits.cpu_seconds = 7;
  auto r = RunScript(
      R"sh(printf '{"ok":true,"signature":{},"info":{"as":"%s","cpu":%s,"core":%s,"omp":"%s",)sh"
      R"sh("cuda":"%s","stdin":"%s"}}\n' "$(ulimit -v)" "$(ulimit -t)" "$(ulimit -c)" )sh"
      R"sh("$OMP_NUM_THREADS" "${CUDA_VISIBLE_DEVICES-unset}" "$(cat)")sh",
      limits);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
#ifdef __SANITIZE_ADDRESS__
  EXPECT_EQ(r->info["as"], "unlimited");  // model_check.cc: no limit under ASan's shadow memory
#else
  EXPECT_EQ(r->info["as"], std::to_string(3 << 20));  // KiB
#endif
  EXPECT_EQ(r->info["cpu"], 7);
  EXPECT_EQ(r->info["core"], 0);
  EXPECT_EQ(r->info["omp"], "1");
  EXPECT_EQ(r->info["cuda"], "");
  EXPECT_EQ(r->info["stdin"], "");
}

TEST(ModelCheckTest, AProgramThatCannotStartIsAServerError) {
  auto r = RunModelCheck({"/nonexistent/easel", "model-check"}, "onnx", "", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
}

TEST(ModelCheckTest, AnswerLinesRoundTrip) {
  Json report = {{"signature", {{"inputs", Json::array()}, {"outputs", Json::array()}}},
                 {"info", {{"methods", {"forward"}}}}};
  std::string line = ModelCheckAnswerLine(report);
  EXPECT_EQ(line.back(), '\n');
  auto ok = ParseModelCheckAnswer(line, "onnx", "");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->info, report["info"]);

  std::string bad = ModelCheckAnswerLine(InvalidArgument("it is not a zip archive"));
  auto refused = ParseModelCheckAnswer(bad, "onnx", "");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().message(),
            "the uploaded file is not a valid onnx model: it is not a zip archive");
}

TEST(ModelCheckTest, LongSentencesAreCut) {
  std::string error(2000, 'x');
  auto r = ParseModelCheckAnswer(ModelCheckAnswerLine(InvalidArgument(error)), "onnx", "");
  ASSERT_FALSE(r.ok());
  EXPECT_LT(r.status().message().size(), 400u);
}

TEST(ModelCheckTest, ChecksBeyondTheConcurrencyLimitWaitForASlotOrAreRefused) {
  testing::TempDir dir;
  const std::string checker = (dir.path() / "checker").string();
  {
    std::ofstream f(checker);
    f << "#!/bin/sh\nsleep 2\n" << Echo(kOkAnswer) << "\n";
  }
  ::chmod(checker.c_str(), 0755);
  ModelCheckLimits limits;
  limits.max_concurrent = 1;
  limits.timeout_ms = 3000;
  std::vector<Status> results(3);
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&, i] {
      results[i] = CheckModelInChild(checker, "onnx", "/tmp/model.onnx", limits).status();
    });
  }
  for (auto& t : threads) t.join();
  // One at a time: the first runs, the next waits its turn, the last waits too long.
  int ok = 0, refused = 0;
  for (const Status& s : results) {
    if (s.ok()) ++ok;
    if (s.code() == StatusCode::kResourceExhausted) ++refused;
  }
  EXPECT_GE(ok, 1);
  EXPECT_GE(refused, 1);
  EXPECT_EQ(ok + refused, 3);
}

}  // namespace
}  // namespace easel::models
