#include "labeling/task_store.h"

#include <gtest/gtest.h>

#include "labeling/test_support.h"

namespace easel::labeling {
namespace {

using testing::LabelingTest;

class TaskStoreTest : public LabelingTest {};

NewTask Request(std::string name, std::string dataset, TaskKind kind,
                std::vector<std::string> labels) {
  NewTask r;
  r.name = std::move(name);
  r.dataset = std::move(dataset);
  r.kind = kind;
  r.labels = std::move(labels);
  return r;
}

TEST_P(TaskStoreTest, CreatesATaskAndIndexesItsSamples) {
  data::Dataset pets = PetsDataset();
  TaskStore tasks(*db_, *blobs_);
  auto task = tasks.Create(
      "p", Request("round-1", "pets", TaskKind::kClassification, {"cat", "dog", "bird"}), "u");
  ASSERT_TRUE(task.ok()) << task.status().ToString();
  EXPECT_EQ(task->num_samples, 10);
  EXPECT_EQ(task->version, 1);
  EXPECT_EQ(task->dataset_name, "pets");
  EXPECT_FALSE(task->committed_version);

  auto again = tasks.Get("p", "round-1");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->labels, (std::vector<std::string>{"cat", "dog", "bird"}));
  EXPECT_EQ(again->seed, task->seed);

  // Each indexed sample reads back from its manifest line, with its split.
  for (const auto& [sample, split] : Samples(pets.id)) {
    auto got = tasks.GetSample(*task, sample.id);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(got->sample, sample);
    EXPECT_EQ(got->split, split);
  }
  EXPECT_EQ(tasks.GetSample(*task, "0123456789abcdef").status().code(), StatusCode::kNotFound);

  auto counts = tasks.Counts(*task);
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->unlabeled, 10);
  EXPECT_EQ(counts->labeled, 0);
}

TEST_P(TaskStoreTest, RefusesBadRequests) {
  PetsDataset();
  MakeTextDataset("reviews", {{"great", "pos"}, {"awful", "neg"}});
  TaskStore tasks(*db_, *blobs_);
  auto code = [&](NewTask r) { return tasks.Create("p", r, "u").status().code(); };
  const auto kInvalid = StatusCode::kInvalidArgument;
  EXPECT_EQ(code(Request("Bad Name", "pets", TaskKind::kClassification, {"cat"})), kInvalid);
  EXPECT_EQ(code(Request("../x", "pets", TaskKind::kClassification, {"cat"})), kInvalid);
  EXPECT_EQ(code(Request("t", "pets", TaskKind::kClassification, {})), kInvalid);
  EXPECT_EQ(code(Request("t", "pets", TaskKind::kClassification, {"cat", "cat"})), kInvalid);
  EXPECT_EQ(code(Request("t", "pets", TaskKind::kClassification, {""})), kInvalid);
  EXPECT_EQ(code(Request("t", "pets", TaskKind::kClassification, {"a\nb"})), kInvalid);
  EXPECT_EQ(code(Request("t", "pets", TaskKind::kClassification, {std::string(257, 'x')})),
            kInvalid);
  std::vector<std::string> many;
  for (int i = 0; i < 1001; ++i) many.push_back("l" + std::to_string(i));
  EXPECT_EQ(code(Request("t", "pets", TaskKind::kClassification, many)), kInvalid);
  // The kind must fit the dataset's type.
  EXPECT_EQ(code(Request("t", "pets", TaskKind::kDetection, {"cat"})), kInvalid);
  EXPECT_EQ(code(Request("t", "pets", TaskKind::kTextClassification, {"cat"})), kInvalid);
  EXPECT_EQ(code(Request("t", "reviews", TaskKind::kClassification, {"pos"})), kInvalid);
  NewTask long_instructions = Request("t", "pets", TaskKind::kClassification, {"cat"});
  long_instructions.instructions = std::string(16385, 'x');
  EXPECT_EQ(code(long_instructions), kInvalid);
  NewTask huge_seed = Request("t", "pets", TaskKind::kClassification, {"cat"});
  huge_seed.seed = UINT64_MAX;
  EXPECT_EQ(code(huge_seed), kInvalid);
  // Missing things.
  EXPECT_EQ(code(Request("t", "nope", TaskKind::kClassification, {"cat"})), StatusCode::kNotFound);
  NewTask missing_version = Request("t", "pets", TaskKind::kClassification, {"cat"});
  missing_version.version = 9;
  EXPECT_EQ(code(missing_version), StatusCode::kNotFound);
  // Another project's dataset is not visible.
  EXPECT_EQ(tasks.Create("q", Request("t", "pets", TaskKind::kClassification, {"cat"}), "u")
                .status()
                .code(),
            StatusCode::kNotFound);
  // Nothing was created by any of these.
  EXPECT_TRUE(tasks.List("p", "", 100)->empty());

  ASSERT_TRUE(
      tasks.Create("p", Request("t", "pets", TaskKind::kClassification, {"cat"}), "u").ok());
  EXPECT_EQ(code(Request("t", "pets", TaskKind::kClassification, {"cat"})),
            StatusCode::kAlreadyExists);
}

TEST_P(TaskStoreTest, ListsPagesAndDeletes) {
  PetsDataset();
  for (const char* name : {"c", "a", "b"})
    CreateTask(name, "pets", TaskKind::kClassification, {"cat"});
  TaskStore tasks(*db_, *blobs_);
  auto first = tasks.List("p", "", 2);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0].name, "a");
  EXPECT_EQ((*first)[1].name, "b");
  auto rest = tasks.List("p", "b", 2);
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ((*rest)[0].name, "c");
  EXPECT_TRUE(tasks.List("q", "", 10)->empty());

  ASSERT_TRUE(tasks.Delete("p", "b").ok());
  EXPECT_EQ(tasks.Delete("p", "b").code(), StatusCode::kNotFound);
  EXPECT_EQ(tasks.Delete("q", "a").code(), StatusCode::kNotFound) << "another project's task";
  EXPECT_EQ(tasks.Get("p", "b").status().code(), StatusCode::kNotFound);
  auto rows = db_->QueryOne("SELECT COUNT(*) FROM labeling_task_samples");
  EXPECT_EQ((*rows)->Int(0), 20) << "the deleted task's samples go with it";
}

TEST_P(TaskStoreTest, DeletingTheDatasetDeletesItsTasks) {
  PetsDataset();
  CreateTask("t", "pets", TaskKind::kClassification, {"cat", "dog"});
  data::DatasetStore datasets(*db_);
  ASSERT_TRUE(datasets.Delete("p", "pets").ok());
  TaskStore tasks(*db_, *blobs_);
  EXPECT_EQ(tasks.Get("p", "t").status().code(), StatusCode::kNotFound);
  EXPECT_EQ((*db_->QueryOne("SELECT COUNT(*) FROM labeling_task_samples"))->Int(0), 0);
}

TEST(QueueRankTest, IsStableAndDependsOnTheSeed) {
  EXPECT_EQ(QueueRank(1, "abc"), QueueRank(1, "abc"));
  EXPECT_NE(QueueRank(1, "abc"), QueueRank(2, "abc"));
  EXPECT_NE(QueueRank(1, "abc"), QueueRank(1, "abd"));
  EXPECT_GE(QueueRank(12345, "x"), 0);
}

EASEL_INSTANTIATE_ENGINE_TEST(TaskStoreTest);

}  // namespace
}  // namespace easel::labeling
