#include "jobs/job_logs.h"

#include <gtest/gtest.h>

#include <fstream>

#include "jobs/job_files.h"
#include "jobs/job_store.h"
#include "jobs/job_test_support.h"
#include "testing/temp_dir.h"

namespace easel::jobs {
namespace {

class JobLogsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(*store::Database::Open("sqlite:" + dir_.path().string() + "/easel.db"));
    blobs_ = std::move(*store::BlobStore::Open(dir_.path()));
    testing::AddUserAndProjects(*db_);
    ASSERT_TRUE(jobs().Submit("p", "sleep", Json{{"seconds", 1}}, "u").ok());
    job_ = **jobs().ClaimNext("r");
    std::filesystem::create_directories(*JobDir(dir_.path(), job_.id));
  }
  JobStore jobs() { return JobStore(*db_); }
  void AppendToLog(const std::string& text) {
    std::ofstream(*JobLogPath(dir_.path(), job_.id), std::ios::app) << text;
  }
  Result<LogChunk> Read(uint64_t offset, size_t max = 64 * 1024) {
    return ReadJobLog(*db_, *blobs_, dir_.path(), "p", job_.id, offset, max);
  }

  easel::testing::TempDir dir_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<store::BlobStore> blobs_;
  Job job_;
};

TEST_F(JobLogsTest, FollowsTheLiveFileThenTheArchivedBlob) {
  auto empty = Read(0);
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_EQ(empty->data, "");
  EXPECT_FALSE(empty->finished);

  AppendToLog("line 1\n");
  auto first = Read(0);
  EXPECT_EQ(first->data, "line 1\n");
  EXPECT_FALSE(first->finished);
  AppendToLog("line 2\n");
  auto second = Read(first->next_offset);
  EXPECT_EQ(second->data, "line 2\n");
  EXPECT_EQ(second->next_offset, 14u);

  EXPECT_EQ(ArchiveJobLog(*db_, *blobs_, dir_.path(), job_.id).code(),
            StatusCode::kFailedPrecondition);  // running: its checkpoint may be needed
  ASSERT_TRUE(*jobs().Finish(job_.id, 1, Json::object()));
  ASSERT_TRUE(ArchiveJobLog(*db_, *blobs_, dir_.path(), job_.id).ok());
  EXPECT_FALSE(std::filesystem::exists(*JobDir(dir_.path(), job_.id)));
  Job archived = *jobs().GetById(job_.id);
  ASSERT_TRUE(archived.log_digest.has_value());
  EXPECT_EQ(*blobs_->ReadAll(*archived.log_digest), "line 1\nline 2\n");
  EXPECT_TRUE(ArchiveJobLog(*db_, *blobs_, dir_.path(), job_.id).ok());  // idempotent

  auto tail = Read(7, 4);
  ASSERT_TRUE(tail.ok()) << tail.status().ToString();
  EXPECT_EQ(tail->data, "line");
  EXPECT_FALSE(tail->finished);
  auto rest = Read(tail->next_offset);
  EXPECT_EQ(rest->data, " 2\n");
  EXPECT_TRUE(rest->finished);
  auto past = Read(1000);
  EXPECT_EQ(past->data, "");
  EXPECT_TRUE(past->finished);
}

TEST_F(JobLogsTest, AJobThatNeverLoggedFinishesEmpty) {
  ASSERT_TRUE(*jobs().Finish(job_.id, 1, Cancelled("cancelled by request")));
  std::filesystem::remove_all(*JobDir(dir_.path(), job_.id));
  auto chunk = Read(0);
  ASSERT_TRUE(chunk.ok());
  EXPECT_EQ(chunk->data, "");
  EXPECT_TRUE(chunk->finished);
  EXPECT_TRUE(ArchiveJobLog(*db_, *blobs_, dir_.path(), job_.id).ok());
  EXPECT_FALSE(jobs().GetById(job_.id)->log_digest.has_value());
}

TEST_F(JobLogsTest, AnotherProjectsLogIsNotFound) {
  EXPECT_EQ(ReadJobLog(*db_, *blobs_, dir_.path(), "q", job_.id, 0).status().code(),
            StatusCode::kNotFound);
}

}  // namespace
}  // namespace easel::jobs
