#include "jobs/kinds/sleep.h"

#include <gtest/gtest.h>

#include <thread>

#include "jobs/job_context.h"
#include "jobs/job_test_support.h"
#include "testing/temp_dir.h"

namespace easel::jobs {
namespace {

TEST(SleepSpecTest, AcceptsValidAndRejectsInvalidSpecs) {
  for (const char* good : {R"({"seconds": 0})", R"({"seconds": 1.5, "steps": 3})",
                           R"({"seconds": 3600, "steps": 10000, "fail": false})"}) {
    EXPECT_TRUE(ValidateSleepSpec(Json::parse(good)).ok()) << good;
  }
  for (const char* bad :
       {R"({})", R"({"seconds": -1})", R"({"seconds": 3601})", R"({"seconds": "1"})",
        R"({"seconds": 1, "steps": 0})", R"({"seconds": 1, "steps": 10001})",
        R"({"seconds": 1, "steps": 1.5})", R"({"seconds": 1, "fail": 1})",
        R"({"seconds": 1, "sleep": 2})", R"([1])"}) {
    EXPECT_EQ(ValidateSleepSpec(Json::parse(bad)).code(), StatusCode::kInvalidArgument) << bad;
  }
  JobKind kind = SleepJobKind();
  EXPECT_TRUE(kind.test_only);
  EXPECT_EQ(kind.ValidateSpec(Json::parse(R"({"seconds": -1})")).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(kind.params_schema["required"], Json::array({"seconds"}));
}

class SleepRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(*store::Database::Open("sqlite:" + dir_.path().string() + "/easel.db"));
    testing::AddUserAndProjects(*db_);
  }
  Job Claim(const Json& spec) {
    JobStore jobs(*db_);
    EXPECT_TRUE(jobs.Submit("p", "sleep", spec, "u").ok());
    return **jobs.ClaimNext("r");
  }
  easel::testing::TempDir dir_;
  std::unique_ptr<store::Database> db_;
};

TEST_F(SleepRunTest, ResumesFromItsCheckpoint) {
  Job job = Claim(Json{{"seconds", 1}, {"steps", 10}});
  JobKind kind = SleepJobKind();
  std::atomic<bool> cancel{false};
  Result<Json> first = Internal("not run");
  {
    JobContext ctx(JobStore(*db_), job, dir_.path(), &cancel);
    std::thread run([&] { first = kind.run(ctx); });
    // Stop it part-way, once a few steps are checkpointed.
    bool reached = testing::WaitUntil(
        [&] {
          auto saved = ctx.LoadCheckpoint();
          return saved.ok() && saved->has_value() &&
                 Json::parse(**saved)["next_step"].get<int>() >= 3;
        },
        std::chrono::seconds(5));
    cancel = true;
    run.join();
    ASSERT_TRUE(reached);
  }
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.status().code(), StatusCode::kCancelled);

  cancel = false;
  JobContext again(JobStore(*db_), job, dir_.path(), &cancel);
  auto second = kind.run(again);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ((*second)["steps"], 10);
  EXPECT_GE((*second)["resumed_from"].get<int>(), 3);
  EXPECT_LT((*second)["resumed_from"].get<int>(), 10);
  // Every step logged its metric exactly once across the two runs.
  auto metrics = JobStore(*db_).ListMetrics("p", job.id);
  EXPECT_EQ((*metrics)["series"]["remaining_seconds"].size(), 10u);
}

TEST_F(SleepRunTest, StopsWithinAFractionOfASecondWhenCancelled) {
  Job job = Claim(Json{{"seconds", 60}, {"steps", 1}});
  std::atomic<bool> cancel{false};
  JobContext ctx(JobStore(*db_), job, dir_.path(), &cancel);
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    cancel = true;
  });
  auto start = std::chrono::steady_clock::now();
  auto result = SleepJobKind().run(ctx);
  canceller.join();
  EXPECT_EQ(result.status().code(), StatusCode::kCancelled);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST_F(SleepRunTest, FailsWhenAsked) {
  Job job = Claim(Json{{"seconds", 0}, {"steps", 2}, {"fail", true}});
  std::atomic<bool> cancel{false};
  JobContext ctx(JobStore(*db_), job, dir_.path(), &cancel);
  auto result = SleepJobKind().run(ctx);
  EXPECT_EQ(result.status().code(), StatusCode::kAborted);
  EXPECT_NE(result.status().message().find("spec.fail"), std::string::npos);
}

TEST(JobKindRegistryTest, FindsRegisteredKindsAndListsTheOthers) {
  JobKindRegistry registry;
  RegisterBuiltinJobKinds(registry, /*enable_test_kinds=*/false);
  EXPECT_EQ(registry.Find("sleep").status().code(), StatusCode::kNotFound);
  RegisterBuiltinJobKinds(registry, /*enable_test_kinds=*/true);
  ASSERT_TRUE(registry.Find("sleep").ok());
  EXPECT_EQ(registry.Register(SleepJobKind()).code(), StatusCode::kAlreadyExists);
  JobKind nameless = SleepJobKind();
  nameless.name = "Bad Name";
  EXPECT_EQ(registry.Register(nameless).code(), StatusCode::kInvalidArgument);
  auto missing = registry.Find("train");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("sleep"), std::string::npos);
  ASSERT_EQ(registry.List().size(), 1u);
  EXPECT_EQ(JobKindToJson(*registry.List()[0])["name"], "sleep");
}

}  // namespace
}  // namespace easel::jobs
