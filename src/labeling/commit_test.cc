#include "labeling/commit.h"

#include <gtest/gtest.h>

#include "labeling/annotations.h"
#include "labeling/test_support.h"

namespace easel::labeling {
namespace {

using testing::LabelingTest;

class CommitTest : public LabelingTest {
 protected:
  void Put(const Task& task, const std::string& sample_id, const std::string& body) {
    auto json = ParseJson(body);
    ASSERT_TRUE(json.ok());
    auto a = AnnotationFromJson(*json);
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    auto put = AnnotationStore(*db_, *blobs_).Put(task, sample_id, *a, "u");
    ASSERT_TRUE(put.ok()) << put.status().ToString();
  }
};

TEST_P(CommitTest, AppliesLabeledAndReviewedAnnotationsAndKeepsSplits) {
  data::Dataset pets = PetsDataset();
  Task task = CreateTask("t", "pets", TaskKind::kClassification, {"cat", "dog", "bird"});
  auto before = Samples(pets.id);
  ASSERT_EQ(before.size(), 10u);
  ASSERT_EQ(before[0].first.labels, std::vector<std::string>{"cat"});
  Put(task, before[0].first.id, R"({"labels": ["dog"]})");
  Put(task, before[1].first.id, R"({"labels": ["bird"], "status": "reviewed"})");
  Put(task, before[2].first.id, R"({"labels": ["dog"], "status": "rejected"})");
  Put(task, before[3].first.id, R"({"status": "unlabeled"})");

  auto v2 = CommitTask(*db_, *blobs_, task, "u");
  ASSERT_TRUE(v2.ok()) << v2.status().ToString();
  EXPECT_EQ(v2->version, 2);
  EXPECT_EQ(v2->num_samples, 10);
  EXPECT_EQ(v2->source["kind"], "labeling");
  EXPECT_EQ(v2->source["task"], task.id);
  EXPECT_EQ(v2->source["parent_version"], 1);
  EXPECT_EQ(v2->source["annotations"], 2);
  EXPECT_EQ(v2->classes(), (std::vector<std::string>{"bird", "cat", "dog"}));

  auto after = Samples(pets.id, 2);
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].first.id, before[i].first.id) << "ids follow file and content";
    EXPECT_EQ(after[i].second, before[i].second) << "every sample keeps its split";
    EXPECT_EQ(after[i].first.file, before[i].first.file);
  }
  EXPECT_EQ(after[0].first.labels, std::vector<std::string>{"dog"});
  EXPECT_EQ(after[1].first.labels, std::vector<std::string>{"bird"});
  EXPECT_EQ(after[2].first.labels, before[2].first.labels) << "a rejection changes nothing";
  EXPECT_EQ(after[3].first.labels, before[3].first.labels);
  for (size_t i = 4; i < after.size(); ++i) EXPECT_EQ(after[i].first, before[i].first);
  EXPECT_EQ(v2->splits["counts"],
            data::DatasetStore(*db_).GetVersion(pets.id, 1)->splits["counts"]);

  auto reread = TaskStore(*db_, *blobs_).Get("p", "t");
  EXPECT_EQ(reread->committed_version, 2);
  EXPECT_EQ(reread->version, 1) << "the task stays on its version";

  // Again without changes: a new version with the same content.
  auto v3 = CommitTask(*db_, *blobs_, *reread, "u");
  ASSERT_TRUE(v3.ok());
  EXPECT_EQ(v3->version, 3);
  EXPECT_EQ(v3->content_hash, v2->content_hash);
  EXPECT_NE(v2->content_hash, data::DatasetStore(*db_).GetVersion(pets.id, 1)->content_hash);
}

TEST_P(CommitTest, KeepsSplitsTheImportAssigned) {
  // Splits assigned by the builder (stratified by label), then labels change: the samples
  // must not be re-split by their new labels.
  std::vector<testing::TestImage> images;
  for (int i = 0; i < 3; ++i) {
    images.push_back({"cat/" + std::to_string(i) + ".png", "cat"});
    images.push_back({"dog/" + std::to_string(i) + ".png", "dog"});
  }
  data::Dataset pets = MakeImageDataset("pets", data::DatasetType::kImageClassification, images);
  Task task = CreateTask("t", "pets", TaskKind::kClassification, {"cat", "dog"});
  auto before = Samples(pets.id);
  for (const auto& [s, split] : before) {
    if (s.labels[0] == "cat") Put(task, s.id, R"({"labels": ["dog"]})");
  }
  auto v = CommitTask(*db_, *blobs_, task, "u");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  auto after = Samples(pets.id, v->version);
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].second, before[i].second) << after[i].first.file;
  }
}

TEST_P(CommitTest, WithoutAnnotationsTheContentIsTheParentsPlusTheTaskLabels) {
  data::Dataset pets = PetsDataset();
  Task same = CreateTask("same", "pets", TaskKind::kClassification, {"cat", "dog"});
  auto v = CommitTask(*db_, *blobs_, same, "u");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->content_hash, data::DatasetStore(*db_).GetVersion(pets.id, 1)->content_hash);
}

TEST_P(CommitTest, DetectionReplacesBoxes) {
  data::Dataset street = StreetDataset();
  Task task = CreateTask("boxes", "street", TaskKind::kDetection, {"car", "person"});
  auto before = Samples(street.id);
  Put(task, before[0].first.id,
      R"({"boxes": [{"label": "person", "x": 1, "y": 1, "w": 2, "h": 3},
                    {"label": "car", "x": 5.0004, "y": 5, "w": 10, "h": 10}]})");
  Put(task, before[1].first.id, R"({"boxes": [], "status": "reviewed"})");
  auto v = CommitTask(*db_, *blobs_, task, "u");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  auto after = Samples(street.id, v->version);
  ASSERT_EQ(after.size(), 4u);
  EXPECT_EQ(after[0].first.boxes,
            (std::vector<data::Box>{{"person", 1, 1, 2, 3}, {"car", 5, 5, 10, 10}}));
  EXPECT_TRUE(after[1].first.boxes.empty()) << "labeled as holding nothing";
  EXPECT_EQ(after[2].first, before[2].first);
  EXPECT_EQ(after[3].first, before[3].first);
  for (size_t i = 0; i < after.size(); ++i) EXPECT_EQ(after[i].second, before[i].second);
}

TEST_P(CommitTest, TextClassificationRelabelsRows) {
  data::Dataset reviews =
      MakeTextDataset("reviews", {{"great film", "pos"}, {"awful", "neg"}, {"meh", ""}});
  Task task = CreateTask("sentiment", "reviews", TaskKind::kTextClassification, {"pos", "neg"});
  auto before = Samples(reviews.id);
  for (const auto& [s, split] : before) {
    if (*s.values[0] == "meh") Put(task, s.id, R"({"labels": ["neg"]})");
    if (*s.values[0] == "great film") Put(task, s.id, R"({"labels": ["neg"]})");
  }
  auto v = CommitTask(*db_, *blobs_, task, "u");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  auto after = Samples(reviews.id, v->version);
  ASSERT_EQ(after.size(), 3u);
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].first.id, before[i].first.id);
    EXPECT_EQ(after[i].second, before[i].second);
    EXPECT_EQ(after[i].first.labels, std::vector<std::string>{"neg"}) << *after[i].first.values[0];
  }
  EXPECT_EQ(v->columns(), std::vector<std::string>{"text"});
}

EASEL_INSTANTIATE_ENGINE_TEST(CommitTest);

}  // namespace
}  // namespace easel::labeling
