#include "jobs/job_store.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <set>
#include <thread>

#include "jobs/job_test_support.h"
#include "store/store_test_support.h"

namespace easel::jobs {
namespace {

class JobStoreTest : public store::EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    testing::AddUserAndProjects(*db_);
    if (HasFatalFailure()) return;
    jobs_.emplace(*db_);
  }
  Job MustSubmit(SubmitOptions options = {}, const std::string& project = "p") {
    auto job = jobs_->Submit(project, "sleep", Json{{"seconds", 1}}, "u", options);
    EXPECT_TRUE(job.ok()) << job.status().ToString();
    return job.ok() ? *job : Job{};
  }
  Job MustClaim(const std::string& runner = "r1") {
    auto job = jobs_->ClaimNext(runner);
    EXPECT_TRUE(job.ok() && job->has_value()) << job.status().ToString();
    return job.ok() && job->has_value() ? **job : Job{};
  }
  std::optional<JobStore> jobs_;
};

TEST_P(JobStoreTest, SubmitGetAndListWithPagination) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(MustSubmit().id);
  MustSubmit({}, "q");
  auto job = jobs_->Get("p", ids[0]);
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->state, JobState::kQueued);
  EXPECT_EQ(job->attempt, 0);
  EXPECT_EQ(job->max_attempts, 3);
  EXPECT_EQ(job->spec, (Json{{"seconds", 1}}));
  EXPECT_FALSE(job->started_at.has_value());

  std::vector<std::string> seen;
  std::string after;
  for (int page = 0; page < 4; ++page) {
    auto list = jobs_->List("p", std::nullopt, after, 2);
    ASSERT_TRUE(list.ok());
    for (const Job& j : *list) seen.push_back(j.id);
    if (list->size() < 2) break;
    after = list->back().id;
  }
  EXPECT_EQ(seen, ids);

  MustClaim();
  auto queued = jobs_->List("p", JobState::kQueued, "", 100);
  auto running = jobs_->List("p", JobState::kRunning, "", 100);
  ASSERT_TRUE(queued.ok() && running.ok());
  EXPECT_EQ(queued->size(), 4u);
  ASSERT_EQ(running->size(), 1u);
  EXPECT_EQ(running->front().id, ids[0]);
}

TEST_P(JobStoreTest, SubmitRejectsBadInput) {
  EXPECT_EQ(jobs_->Submit("p", "sleep", Json::array(), "u").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(jobs_->Submit("p", "../x", Json::object(), "u").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(jobs_->Submit("p", "sleep", Json::object(), "u", {.max_attempts = 0}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(jobs_->Submit("p", "sleep", Json::object(), "u", {.timeout_s = -1}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(
      jobs_->Submit("p", "sleep", Json{{"x", std::string(2 << 20, 'a')}}, "u").status().code(),
      StatusCode::kInvalidArgument);
  EXPECT_EQ(jobs_->Submit("nope", "sleep", Json::object(), "u").status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ((*jobs_->CountByState())[JobState::kQueued], 0);
}

TEST_P(JobStoreTest, AnotherProjectsJobIsNotFound) {
  Job job = MustSubmit();
  EXPECT_EQ(jobs_->Get("q", job.id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(jobs_->RequestCancel("q", job.id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(jobs_->ListMetrics("q", job.id).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(jobs_->List("q", std::nullopt, "", 10)->empty());
  EXPECT_EQ(jobs_->Get("p", job.id)->id, job.id);
}

TEST_P(JobStoreTest, ClaimTakesTheOldestAndStartsAnAttempt) {
  Job first = MustSubmit();
  Job second = MustSubmit();
  Job claimed = MustClaim("r1");
  EXPECT_EQ(claimed.id, first.id);
  EXPECT_EQ(claimed.state, JobState::kRunning);
  EXPECT_EQ(claimed.attempt, 1);
  EXPECT_EQ(claimed.runner, "r1");
  EXPECT_TRUE(claimed.started_at.has_value());
  EXPECT_EQ(MustClaim("r2").id, second.id);
  auto none = jobs_->ClaimNext("r1");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  auto counts = jobs_->CountByState();
  EXPECT_EQ((*counts)[JobState::kRunning], 2);
  EXPECT_EQ((*counts)[JobState::kQueued], 0);
  EXPECT_EQ(counts->size(), 5u);
}

TEST_P(JobStoreTest, ClaimFiltersByKind) {
  Job sleep = MustSubmit();
  auto other = jobs_->Submit("p", "search", Json::object(), "u");
  ASSERT_TRUE(other.ok());
  auto none = jobs_->ClaimNext("r1", {.kinds = {}, .include = true});
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value()) << "an empty include list matches nothing";
  auto search = jobs_->ClaimNext("r1", {.kinds = {"search"}, .include = true});
  ASSERT_TRUE(search.ok() && search->has_value());
  EXPECT_EQ((*search)->id, other->id);
  auto rest = jobs_->ClaimNext("r1", {.kinds = {"search"}, .include = false});
  ASSERT_TRUE(rest.ok() && rest->has_value());
  EXPECT_EQ((*rest)->id, sleep.id);
}

TEST_P(JobStoreTest, ChildJobsAreListedAndCancelledWithTheirParent) {
  Job parent = MustSubmit();
  EXPECT_EQ(MustClaim().id, parent.id);
  Job running_child = MustSubmit({.parent_id = parent.id});
  Job queued_child = MustSubmit({.parent_id = parent.id});
  Job grandchild = MustSubmit({.parent_id = running_child.id});
  Job unrelated = MustSubmit();
  EXPECT_EQ(MustClaim().id, running_child.id);
  EXPECT_EQ(running_child.parent_id, parent.id);

  auto children = jobs_->Children(parent.id);
  ASSERT_TRUE(children.ok());
  ASSERT_EQ(children->size(), 2u);
  EXPECT_EQ((*children)[0].id, running_child.id);
  EXPECT_EQ((*children)[1].id, queued_child.id);
  EXPECT_EQ(JobToJson((*children)[1])["parent_id"], parent.id);
  EXPECT_FALSE(JobToJson(unrelated).contains("parent_id"));

  ASSERT_TRUE(jobs_->RequestCancel("p", parent.id).ok());
  EXPECT_TRUE(jobs_->Get("p", parent.id)->cancel_requested);
  EXPECT_TRUE(jobs_->Get("p", running_child.id)->cancel_requested);
  Job cancelled = *jobs_->Get("p", queued_child.id);
  EXPECT_EQ(cancelled.state, JobState::kCancelled);
  EXPECT_NE(cancelled.error->message().find("parent"), std::string::npos);
  EXPECT_EQ(jobs_->Get("p", grandchild.id)->state, JobState::kCancelled);
  EXPECT_EQ(jobs_->Get("p", unrelated.id)->state, JobState::kQueued);

  // A parent being cancelled starts no more children: one submitted now would outlive it.
  Result<Job> late = jobs_->Submit("p", "sleep", Json::object(), "u", {.parent_id = parent.id});
  EXPECT_EQ(late.status().code(), StatusCode::kCancelled);
  EXPECT_NE(late.status().message().find("starts no more jobs"), std::string::npos);
  ASSERT_EQ(jobs_->Children(parent.id)->size(), 2u);

  // A parent must be a job of the same project.
  EXPECT_EQ(jobs_->Submit("p", "sleep", Json::object(), "u", {.parent_id = "nope"}).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(
      jobs_->Submit("q", "sleep", Json::object(), "u", {.parent_id = parent.id}).status().code(),
      StatusCode::kFailedPrecondition);
}

TEST_P(JobStoreTest, ConcurrentClaimersNeverShareAJob) {
  constexpr int kJobs = 40;
  for (int i = 0; i < kJobs; ++i) MustSubmit();
  std::mutex mu;
  std::vector<std::string> claimed;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (;;) {
        auto job = jobs_->ClaimNext("r" + std::to_string(t));
        ASSERT_TRUE(job.ok()) << job.status().ToString();
        if (!job->has_value()) return;
        std::lock_guard lock(mu);
        claimed.push_back((*job)->id);
      }
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> unique(claimed.begin(), claimed.end());
  EXPECT_EQ(claimed.size(), static_cast<size_t>(kJobs));
  EXPECT_EQ(unique.size(), static_cast<size_t>(kJobs));
}

TEST_P(JobStoreTest, CancelQueuedRunningAndFinished) {
  Job running = MustSubmit();
  Job queued = MustSubmit();
  MustClaim();

  auto cancelled = jobs_->RequestCancel("p", queued.id);
  ASSERT_TRUE(cancelled.ok()) << cancelled.status().ToString();
  EXPECT_EQ(cancelled->state, JobState::kCancelled);
  EXPECT_TRUE(cancelled->finished_at.has_value());
  EXPECT_EQ(cancelled->error->code(), StatusCode::kCancelled);

  auto requested = jobs_->RequestCancel("p", running.id);
  ASSERT_TRUE(requested.ok());
  EXPECT_EQ(requested->state, JobState::kRunning);
  EXPECT_TRUE(requested->cancel_requested);
  EXPECT_TRUE(jobs_->RequestCancel("p", running.id).ok());  // asking twice is harmless
  EXPECT_EQ(*jobs_->CancelRequested("r1"), std::vector<std::string>{running.id});
  EXPECT_TRUE(jobs_->CancelRequested("r2")->empty());
  EXPECT_TRUE(*jobs_->IsCancelRequested(running.id));

  // A worker that dies after the request leaves a cancelled job, not a re-queued one.
  EXPECT_EQ(*jobs_->Requeue(running.id, 1, "worker died"), JobState::kCancelled);
  for (const Job& j : {running, queued}) {
    EXPECT_EQ(jobs_->RequestCancel("p", j.id).status().code(), StatusCode::kFailedPrecondition);
  }
  EXPECT_EQ(jobs_->RequestCancel("p", "01hzz0000000000000000000zz").status().code(),
            StatusCode::kNotFound);
}

TEST_P(JobStoreTest, StaleAttemptCannotOverwriteANewerOne) {
  Job job = MustSubmit();
  MustClaim();
  ASSERT_EQ(*jobs_->Requeue(job.id, 1, "worker died (killed by signal 9)"), JobState::kQueued);
  Job second = MustClaim();
  EXPECT_EQ(second.attempt, 2);

  EXPECT_FALSE(*jobs_->Finish(job.id, 1, Json{{"stale", true}}));
  EXPECT_FALSE(*jobs_->Heartbeat(job.id, 1));
  ASSERT_TRUE(jobs_->SetProgress(job.id, 1, 0.9, "stale").ok());
  EXPECT_EQ(jobs_->Requeue(job.id, 1, "x").status().code(), StatusCode::kFailedPrecondition);
  Job now = *jobs_->GetById(job.id);
  EXPECT_EQ(now.state, JobState::kRunning);
  EXPECT_EQ(now.progress_fraction, 0);

  EXPECT_TRUE(*jobs_->Heartbeat(job.id, 2));
  EXPECT_TRUE(*jobs_->Finish(job.id, 2, Json{{"fresh", true}}));
  now = *jobs_->GetById(job.id);
  EXPECT_EQ(now.state, JobState::kSucceeded);
  EXPECT_EQ(*now.result, (Json{{"fresh", true}}));
  EXPECT_EQ(now.progress_fraction, 1);
  EXPECT_TRUE(now.finished_at.has_value());
  EXPECT_FALSE(*jobs_->Finish(job.id, 2, Json{{"again", true}}));
}

TEST_P(JobStoreTest, FinishRecordsFailuresAndCancellations) {
  Job failed = MustSubmit();
  Job cancelled = MustSubmit();
  MustClaim();
  MustClaim();
  EXPECT_TRUE(*jobs_->Finish(failed.id, 1, Aborted("asked to fail")));
  EXPECT_TRUE(*jobs_->Finish(cancelled.id, 1, Cancelled("cancelled by request")));
  Job f = *jobs_->GetById(failed.id);
  EXPECT_EQ(f.state, JobState::kFailed);
  EXPECT_EQ(f.error->code(), StatusCode::kAborted);
  EXPECT_EQ(f.error->message(), "asked to fail");
  EXPECT_FALSE(f.result.has_value());
  EXPECT_EQ(jobs_->GetById(cancelled.id)->state, JobState::kCancelled);
}

TEST_P(JobStoreTest, RequeueUntilAttemptsRunOut) {
  Job job = MustSubmit({.max_attempts = 2});
  MustClaim();
  EXPECT_EQ(*jobs_->Requeue(job.id, 1, "worker died (killed by signal 9)"), JobState::kQueued);
  Job requeued = *jobs_->GetById(job.id);
  EXPECT_EQ(requeued.attempt, 1);
  EXPECT_TRUE(requeued.runner.empty());
  EXPECT_EQ(MustClaim().attempt, 2);
  EXPECT_EQ(*jobs_->Requeue(job.id, 2, "worker died (killed by signal 9)"), JobState::kFailed);
  Job failed = *jobs_->GetById(job.id);
  EXPECT_EQ(failed.state, JobState::kFailed);
  EXPECT_EQ(failed.error->code(), StatusCode::kInternal);
  EXPECT_EQ(failed.error->message(), "worker died (killed by signal 9) on attempt 2 of 2");
}

TEST_P(JobStoreTest, ShutdownRequeueDoesNotConsumeAnAttempt) {
  Job job = MustSubmit({.max_attempts = 1});
  MustClaim();
  EXPECT_EQ(*jobs_->Requeue(job.id, 1, "shutdown", /*consume_attempt=*/false), JobState::kQueued);
  EXPECT_EQ(jobs_->GetById(job.id)->attempt, 0);
  EXPECT_EQ(MustClaim().attempt, 1);
}

TEST_P(JobStoreTest, RecoverRunnerRequeuesOnlyItsOwnJobs) {
  Job mine = MustSubmit();
  Job last_try = MustSubmit({.max_attempts = 1});
  Job theirs = MustSubmit();
  MustClaim("r1");
  MustClaim("r1");
  MustClaim("r2");
  auto recovered = jobs_->RecoverRunner("r1");
  ASSERT_TRUE(recovered.ok()) << recovered.status().ToString();
  std::vector<std::pair<std::string, JobState>> expected{{mine.id, JobState::kQueued},
                                                         {last_try.id, JobState::kFailed}};
  EXPECT_EQ(*recovered, expected);
  EXPECT_EQ(jobs_->GetById(theirs.id)->state, JobState::kRunning);
  EXPECT_NE(jobs_->GetById(last_try.id)->error->message().find("attempt 1 of 1"),
            std::string::npos);
  EXPECT_TRUE(jobs_->RecoverRunner("r1")->empty());
}

TEST_P(JobStoreTest, ProgressHeartbeatsAndMetrics) {
  Job job = MustSubmit();
  MustClaim();
  ASSERT_TRUE(jobs_->SetProgress(job.id, 1, 1.7, std::string(5000, 'm')).ok());
  Job now = *jobs_->GetById(job.id);
  EXPECT_EQ(now.progress_fraction, 1.0);
  EXPECT_EQ(now.progress_message.size(), 1000u);
  EXPECT_TRUE(*jobs_->Heartbeat(job.id, 1));
  EXPECT_TRUE(jobs_->GetById(job.id)->heartbeat_at.has_value());

  ASSERT_TRUE(jobs_->AppendMetric(job.id, "loss", 1, 0.9).ok());
  ASSERT_TRUE(jobs_->AppendMetric(job.id, "loss", 2, 0.5).ok());
  ASSERT_TRUE(jobs_->AppendMetric(job.id, "val/acc", 1, 0.7).ok());
  ASSERT_TRUE(jobs_->AppendMetric(job.id, "loss", 2, 0.4).ok());  // a resumed attempt again
  EXPECT_EQ(jobs_->AppendMetric(job.id, "bad name", 1, 1).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(jobs_->AppendMetric(job.id, "loss", 3, std::nan("")).code(),
            StatusCode::kInvalidArgument);
  auto metrics = jobs_->ListMetrics("p", job.id);
  ASSERT_TRUE(metrics.ok()) << metrics.status().ToString();
  const Json& loss = (*metrics)["series"]["loss"];
  ASSERT_EQ(loss.size(), 2u);
  EXPECT_EQ(loss[0]["step"], 1);
  EXPECT_EQ(loss[1]["value"], 0.4);
  EXPECT_TRUE(loss[1]["time"].is_string());
  EXPECT_EQ((*metrics)["series"]["val/acc"].size(), 1u);
  EXPECT_EQ(jobs_->ListMetrics("p", MustSubmit().id)->dump(), R"({"series":{}})");
}

TEST_P(JobStoreTest, LogDigestCountsOneBlobReference) {
  Job job = MustSubmit();
  ASSERT_TRUE(jobs_->SetLogDigest(job.id, std::string(64, 'a'), 12).ok());
  ASSERT_TRUE(jobs_->SetLogDigest(job.id, std::string(64, 'a'), 12).ok());
  EXPECT_EQ(*jobs_->GetById(job.id)->log_digest, std::string(64, 'a'));
  auto refs = db_->QueryOne("SELECT refcount FROM blobs");
  ASSERT_TRUE(refs.ok() && refs->has_value());
  EXPECT_EQ((*refs)->Int(0), 1);
}

EASEL_INSTANTIATE_ENGINE_TEST(JobStoreTest);

}  // namespace
}  // namespace easel::jobs
