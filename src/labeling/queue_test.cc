#include "labeling/queue.h"

#include <gtest/gtest.h>

#include <set>

#include "labeling/test_support.h"

namespace easel::labeling {
namespace {

using testing::LabelingTest;

class QueueTest : public LabelingTest {
 protected:
  LabelingQueue Queue() {
    LabelingQueue::Options options;
    options.lease_ms = 60'000;
    options.now = [this] { return now_; };
    return LabelingQueue(*db_, *blobs_, options);
  }
  std::vector<std::string> Ids(const std::vector<QueueItem>& items) {
    std::vector<std::string> ids;
    for (const QueueItem& i : items) ids.push_back(i.sample.sample.id);
    return ids;
  }
  Annotation Label(const std::string& label, AnnotationStatus status = AnnotationStatus::kLabeled) {
    Annotation a;
    a.labels = {label};
    a.status = status;
    return a;
  }
  int64_t now_ = 1'000'000;
};

TEST_P(QueueTest, HandsOutSamplesInTheTasksSeededOrder) {
  PetsDataset();
  Task task = CreateTask("t", "pets", TaskKind::kClassification, {"cat", "dog"}, /*seed=*/3);
  auto q = Queue();
  auto items = q.Next(task, "u", QueueStrategy::kRandom, 10);
  ASSERT_TRUE(items.ok()) << items.status().ToString();
  ASSERT_EQ(items->size(), 10u);
  for (size_t i = 1; i < items->size(); ++i) {
    EXPECT_LT(QueueRank(3, (*items)[i - 1].sample.sample.id),
              QueueRank(3, (*items)[i].sample.sample.id));
  }
  const QueueItem& first = items->front();
  EXPECT_FALSE(first.sample.sample.file.empty()) << "items carry the sample itself";
  EXPECT_EQ(first.lease_expires_at, now_ + 60'000);
  EXPECT_FALSE(first.annotation);

  // A task with another seed orders differently.
  Task other = CreateTask("u", "pets", TaskKind::kClassification, {"cat", "dog"}, /*seed=*/4);
  auto other_items = q.Next(other, "u", QueueStrategy::kRandom, 10);
  EXPECT_NE(Ids(*items), Ids(*other_items));
}

TEST_P(QueueTest, LeasesKeepTwoAnnotatorsApart) {
  PetsDataset();
  Task task = CreateTask("t", "pets", TaskKind::kClassification, {"cat", "dog"});
  auto q = Queue();
  auto ada = q.Next(task, "ada", QueueStrategy::kRandom, 4);
  auto bob = q.Next(task, "bob", QueueStrategy::kRandom, 4);
  ASSERT_TRUE(ada.ok() && bob.ok());
  std::set<std::string> seen;
  for (const auto& id : Ids(*ada)) seen.insert(id);
  for (const auto& id : Ids(*bob)) EXPECT_TRUE(seen.insert(id).second) << id << " handed out twice";

  // Asking again gives ada her own samples back first.
  auto ada_again = q.Next(task, "ada", QueueStrategy::kRandom, 4);
  EXPECT_EQ(Ids(*ada_again), Ids(*ada));

  // Only two samples are left for a third annotator.
  auto cy = q.Next(task, "cy", QueueStrategy::kRandom, 10);
  EXPECT_EQ(cy->size(), 2u);

  // Once the leases expire, everything is open again.
  now_ += 60'001;
  auto later = q.Next(task, "dee", QueueStrategy::kRandom, 10);
  EXPECT_EQ(later->size(), 10u);
}

TEST_P(QueueTest, AnnotatedSamplesLeaveTheQueueAndRejectedOnesComeBack) {
  PetsDataset();
  Task task = CreateTask("t", "pets", TaskKind::kClassification, {"cat", "dog"});
  auto q = Queue();
  auto items = q.Next(task, "u", QueueStrategy::kRandom, 3);
  ASSERT_EQ(items->size(), 3u);
  AnnotationStore store(*db_, *blobs_);
  const std::string a = (*items)[0].sample.sample.id, b = (*items)[1].sample.sample.id,
                    c = (*items)[2].sample.sample.id;
  ASSERT_TRUE(store.Put(task, a, Label("cat"), "u").ok());
  ASSERT_TRUE(store.Put(task, b, Label("dog", AnnotationStatus::kReviewed), "u").ok());
  Annotation rejected;
  rejected.status = AnnotationStatus::kRejected;
  ASSERT_TRUE(store.Put(task, c, rejected, "u").ok());

  auto next = q.Next(task, "u", QueueStrategy::kRandom, 100);
  ASSERT_TRUE(next.ok());
  auto ids = Ids(*next);
  EXPECT_EQ(ids.size(), 8u);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), a), 0);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), b), 0);
  ASSERT_EQ(std::count(ids.begin(), ids.end(), c), 1) << "a rejected sample needs labeling again";
  for (const QueueItem& item : *next) {
    if (item.sample.sample.id == c) {
      ASSERT_TRUE(item.annotation);
      EXPECT_EQ(item.annotation->status, AnnotationStatus::kRejected);
    }
  }
}

TEST_P(QueueTest, RefusesUnknownStrategiesAndLimits) {
  PetsDataset();
  Task task = CreateTask("t", "pets", TaskKind::kClassification, {"cat", "dog"});
  auto q = Queue();
  // The uncertainty strategy exists (uncertainty_queue_test.cc); both check their limit.
  for (QueueStrategy strategy : {QueueStrategy::kRandom, QueueStrategy::kUncertainty}) {
    EXPECT_EQ(q.Next(task, "u", strategy, 0).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(q.Next(task, "u", strategy, 101).status().code(), StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(*ParseQueueStrategy("uncertainty"), QueueStrategy::kUncertainty);
  EXPECT_EQ(ParseQueueStrategy("smart").status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(ParseQueueStrategy("smart").status().message().find("random, uncertainty"),
            std::string::npos);
  EXPECT_EQ((*db_->QueryOne("SELECT COUNT(*) FROM labeling_leases"))->Int(0), 0)
      << "a refused request leases nothing";
}

EASEL_INSTANTIATE_ENGINE_TEST(QueueTest);

}  // namespace
}  // namespace easel::labeling
