#include "jobs/job.h"

#include <gtest/gtest.h>

namespace easel::jobs {
namespace {

TEST(JobStateTest, NamesRoundTrip) {
  for (JobState s : kAllJobStates) EXPECT_EQ(*ParseJobState(JobStateName(s)), s);
  auto bad = ParseJobState("done");
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("succeeded"), std::string::npos);
  EXPECT_FALSE(IsFinal(JobState::kQueued));
  EXPECT_FALSE(IsFinal(JobState::kRunning));
  EXPECT_TRUE(IsFinal(JobState::kCancelled));
}

TEST(JobToJsonTest, HasTheApiShape) {
  Job job;
  job.id = "01hzz0000000000000000000ab";
  job.kind = "sleep";
  job.spec = Json{{"seconds", 1}};
  job.state = JobState::kFailed;
  job.attempt = 2;
  job.max_attempts = 3;
  job.created_at = 1795399380123;
  job.started_at = 1795399381000;
  job.progress_fraction = 0.5;
  job.progress_message = "half";
  job.error = DeadlineExceeded("too slow");
  Json j = JobToJson(job);
  EXPECT_EQ(j["id"], job.id);
  EXPECT_EQ(j["state"], "failed");
  EXPECT_EQ(j["attempt"], 2);
  EXPECT_EQ(j["max_attempts"], 3);
  EXPECT_EQ(j["created_at"], "2026-11-23T02:03:00.123Z");
  EXPECT_TRUE(j["started_at"].is_string());
  EXPECT_TRUE(j["finished_at"].is_null());
  EXPECT_EQ(j["progress"], (Json{{"fraction", 0.5}, {"message", "half"}}));
  EXPECT_EQ(j["error"], (Json{{"code", "DEADLINE_EXCEEDED"}, {"message", "too slow"}}));
  EXPECT_FALSE(j.contains("result"));
  EXPECT_EQ(j["spec"], job.spec);
  EXPECT_EQ(j.size(),
            11u);  // no result yet, and nothing internal (runner, pid, log digest) leaks out
}

TEST(JobToJsonTest, ErrorsRoundTripAndStayErrors) {
  Status back = ErrorFromJson(ErrorToJson(NotFound("gone")));
  EXPECT_EQ(back.code(), StatusCode::kNotFound);
  EXPECT_EQ(back.message(), "gone");
  EXPECT_EQ(ErrorFromJson(Json{{"code", "OK"}}).code(), StatusCode::kUnknown);
  EXPECT_EQ(ErrorFromJson(Json("junk")).code(), StatusCode::kUnknown);
}

}  // namespace
}  // namespace easel::jobs
