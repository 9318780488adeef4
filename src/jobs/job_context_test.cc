#include "jobs/job_context.h"

#include <gtest/gtest.h>

#include "jobs/job_files.h"
#include "jobs/job_test_support.h"
#include "testing/temp_dir.h"

namespace easel::jobs {
namespace {

class JobContextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(*store::Database::Open("sqlite:" + dir_.path().string() + "/easel.db"));
    testing::AddUserAndProjects(*db_);
    JobStore jobs(*db_);
    ASSERT_TRUE(jobs.Submit("p", "sleep", Json{{"seconds", 1}}, "u").ok());
    job_ = **jobs.ClaimNext("r");
  }
  Job Reload() { return *JobStore(*db_).GetById(job_.id); }

  easel::testing::TempDir dir_;
  std::unique_ptr<store::Database> db_;
  Job job_;
  std::atomic<bool> cancel_{false};
};

TEST_F(JobContextTest, ProgressIsRateLimitedButTheLastValueIsKept) {
  JobContext ctx(JobStore(*db_), job_, dir_.path(), &cancel_);
  ctx.SetProgress(0.1, "first");
  for (int i = 2; i <= 9; ++i) ctx.SetProgress(i / 10.0, "step " + std::to_string(i));
  Job now = Reload();
  EXPECT_EQ(now.progress_fraction, 0.1);  // the rest came within 250 ms
  EXPECT_EQ(now.progress_message, "first");
  ASSERT_TRUE(ctx.FlushProgress().ok());
  now = Reload();
  EXPECT_EQ(now.progress_fraction, 0.9);
  EXPECT_EQ(now.progress_message, "step 9");
}

TEST_F(JobContextTest, CheckpointsSurviveANewContext) {
  {
    JobContext ctx(JobStore(*db_), job_, dir_.path(), &cancel_);
    EXPECT_FALSE(ctx.LoadCheckpoint()->has_value());
    ASSERT_TRUE(ctx.SaveCheckpoint("one").ok());
    ASSERT_TRUE(ctx.SaveCheckpoint(std::string("two\0bytes", 9)).ok());
  }
  JobContext again(JobStore(*db_), job_, dir_.path(), &cancel_);
  auto saved = again.LoadCheckpoint();
  ASSERT_TRUE(saved.ok() && saved->has_value());
  EXPECT_EQ(**saved, std::string("two\0bytes", 9));
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "jobs" / job_.id / "checkpoint"));
}

TEST_F(JobContextTest, SeesCancellationAndRecordsMetrics) {
  JobContext ctx(JobStore(*db_), job_, dir_.path(), &cancel_);
  EXPECT_FALSE(ctx.cancelled());
  cancel_ = true;
  EXPECT_TRUE(ctx.cancelled());
  ASSERT_TRUE(ctx.LogMetric("loss", 1, 0.5).ok());
  EXPECT_EQ((*JobStore(*db_).ListMetrics("p", job_.id))["series"]["loss"].size(), 1u);
  EXPECT_EQ(ctx.spec(), (Json{{"seconds", 1}}));
  EXPECT_EQ(ctx.attempt(), 1);
}

TEST(JobFilesTest, PathsOnlyForServerIds) {
  EXPECT_EQ(JobLogPath("/d", "../../etc").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(JobDir("/d", "").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(*JobCheckpointPath("/d", "01hzz0000000000000000000ab"),
            std::filesystem::path("/d/jobs/01hzz0000000000000000000ab/checkpoint"));
}

}  // namespace
}  // namespace easel::jobs
