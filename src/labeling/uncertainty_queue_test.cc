// The uncertainty strategy of the labeling queue: ordering by each measure, the samples
// without a pre-label after the others, leases, and pre-labels on queue items.

#include <gtest/gtest.h>

#include <algorithm>

#include "labeling/annotations.h"
#include "labeling/queue.h"
#include "labeling/test_support.h"

namespace easel::labeling {
namespace {

using testing::LabelingTest;

class UncertaintyQueueTest : public LabelingTest {
 protected:
  void SetUp() override {
    LabelingTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    MakeTextDataset("notes", {{"a", ""},
                              {"b", ""},
                              {"c", ""},
                              {"d", ""},
                              {"e", ""},
                              {"f", ""},
                              {"g", ""},
                              {"h", ""},
                              {"i", ""}});
    task_ = CreateTask("t", "notes", TaskKind::kTextClassification, {"pos", "neg", "neutral"});
    for (const auto& [sample, split] : Samples(task_.dataset_id)) {
      id_[*sample.values.at(0)] = sample.id;
    }
    // Hand-computed measures (entropy = -sum p ln p / ln 3):
    //      probabilities        confidence  margin  entropy
    //   a  0.50 0.49 0.01       0.50        0.01    0.6755
    //   b  0.40 0.30 0.30       0.40        0.10    0.9912
    //   c  0.60 0.20 0.20       0.60        0.40    0.8650
    //   d  0.45 0.45 0.10       0.45        0.00    0.8637
    //   e  0.90 0.05 0.05       0.90        0.85    0.3590
    // f..i have no pre-label.
    PutPrelabel(task_, id_["a"], {0.50f, 0.49f, 0.01f});
    PutPrelabel(task_, id_["b"], {0.40f, 0.30f, 0.30f});
    PutPrelabel(task_, id_["c"], {0.60f, 0.20f, 0.20f});
    PutPrelabel(task_, id_["d"], {0.45f, 0.45f, 0.10f});
    PutPrelabel(task_, id_["e"], {0.90f, 0.05f, 0.05f});
  }
  LabelingQueue Queue() {
    LabelingQueue::Options options;
    options.lease_ms = 60'000;
    options.now = [this] { return now_; };
    return LabelingQueue(*db_, *blobs_, options);
  }
  // The texts of the items, in order.
  std::vector<std::string> Texts(const Result<std::vector<QueueItem>>& items) {
    EXPECT_TRUE(items.ok()) << items.status().ToString();
    std::vector<std::string> out;
    if (!items.ok()) return out;
    for (const QueueItem& i : *items) out.push_back(*i.sample.sample.values.at(0));
    return out;
  }
  // f..i in the task's random order.
  std::vector<std::string> Unscored() {
    std::vector<std::string> texts = {"f", "g", "h", "i"};
    std::sort(texts.begin(), texts.end(), [&](const std::string& x, const std::string& y) {
      return QueueRank(task_.seed, id_[x]) < QueueRank(task_.seed, id_[y]);
    });
    return texts;
  }
  std::vector<std::string> Then(std::vector<std::string> first) {
    for (const std::string& t : Unscored()) first.push_back(t);
    return first;
  }
  void ExpireLeases() { now_ += 60'001; }

  Task task_;
  std::map<std::string, std::string> id_;  // text -> sample id
  int64_t now_ = 1'000'000;
};

TEST_P(UncertaintyQueueTest, OrdersByEachMeasureThenTheRestInRandomOrder) {
  auto q = Queue();
  using M = UncertaintyMeasure;
  EXPECT_EQ(Texts(q.Next(task_, "u", QueueStrategy::kUncertainty, 100, M::kLeastConfidence)),
            Then({"b", "d", "a", "c", "e"}));
  ExpireLeases();
  EXPECT_EQ(Texts(q.Next(task_, "u2", QueueStrategy::kUncertainty, 100, M::kMargin)),
            Then({"d", "a", "b", "c", "e"}));
  ExpireLeases();
  EXPECT_EQ(Texts(q.Next(task_, "u3", QueueStrategy::kUncertainty, 100, M::kEntropy)),
            Then({"b", "c", "d", "a", "e"}));
  ExpireLeases();
  // least_confidence is the default.
  EXPECT_EQ(Texts(q.Next(task_, "u4", QueueStrategy::kUncertainty, 2)),
            (std::vector<std::string>{"b", "d"}));
}

TEST_P(UncertaintyQueueTest, ItemsCarryTheirPrelabelWhateverTheStrategy) {
  auto q = Queue();
  auto items = q.Next(task_, "u", QueueStrategy::kRandom, 100);
  ASSERT_TRUE(items.ok());
  ASSERT_EQ(items->size(), 9u);
  int with = 0;
  for (const QueueItem& item : *items) {
    const std::string text = *item.sample.sample.values.at(0);
    if (text <= "e") {
      ASSERT_TRUE(item.prelabel) << text;
      ++with;
    } else {
      EXPECT_FALSE(item.prelabel) << text;
    }
    if (text == "c") {
      EXPECT_EQ(item.prelabel->label, "pos");
      EXPECT_NEAR(item.prelabel->confidence, 0.6, 1e-6);
      EXPECT_NEAR(item.prelabel->margin, 0.4, 1e-6);
      EXPECT_NEAR(item.prelabel->entropy, 0.864973521, 1e-6);
    }
  }
  EXPECT_EQ(with, 5);
}

TEST_P(UncertaintyQueueTest, LeasesAndAnnotationsWorkAsInTheRandomQueue) {
  AnnotationStore annotations(*db_, *blobs_);
  Annotation labeled;
  labeled.labels = {"pos"};
  ASSERT_TRUE(annotations.Put(task_, id_["b"], labeled, "u").ok());  // answered: gone
  Annotation rejected;
  rejected.status = AnnotationStatus::kRejected;
  ASSERT_TRUE(annotations.Put(task_, id_["c"], rejected, "u").ok());  // open again

  auto q = Queue();
  const auto kU = QueueStrategy::kUncertainty;
  EXPECT_EQ(Texts(q.Next(task_, "ada", kU, 2)), (std::vector<std::string>{"d", "a"}));
  // Bob gets the next least-sure samples, not ada's.
  EXPECT_EQ(Texts(q.Next(task_, "bob", kU, 2)), (std::vector<std::string>{"c", "e"}));
  // Ada asking again gets hers back first, then the unscored ones in random order.
  auto again = Texts(q.Next(task_, "ada", kU, 4));
  EXPECT_EQ(again, (std::vector<std::string>{"d", "a", Unscored()[0], Unscored()[1]}));
}

TEST_P(UncertaintyQueueTest, WithoutPrelabelsItIsTheRandomOrder) {
  ASSERT_TRUE(db_->Exec("DELETE FROM labeling_prelabels").ok());
  auto q = Queue();
  auto uncertain = Texts(q.Next(task_, "u", QueueStrategy::kUncertainty, 100));
  ExpireLeases();
  auto random = Texts(q.Next(task_, "v", QueueStrategy::kRandom, 100));
  EXPECT_EQ(uncertain.size(), 9u);
  EXPECT_EQ(uncertain, random);
}

TEST(UncertaintyMeasureTest, ParsesKnownMeasuresAndListsThemOtherwise) {
  EXPECT_EQ(*ParseUncertaintyMeasure("least_confidence"), UncertaintyMeasure::kLeastConfidence);
  EXPECT_EQ(*ParseUncertaintyMeasure("margin"), UncertaintyMeasure::kMargin);
  EXPECT_EQ(*ParseUncertaintyMeasure("entropy"), UncertaintyMeasure::kEntropy);
  for (auto m : {UncertaintyMeasure::kLeastConfidence, UncertaintyMeasure::kMargin,
                 UncertaintyMeasure::kEntropy}) {
    EXPECT_EQ(*ParseUncertaintyMeasure(ToString(m)), m);
  }
  auto bad = ParseUncertaintyMeasure("vibes");
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().details()["field"], "measure");
  EXPECT_NE(bad.status().message().find("least_confidence, margin, entropy"), std::string::npos);
}

EASEL_INSTANTIATE_ENGINE_TEST(UncertaintyQueueTest);

}  // namespace
}  // namespace easel::labeling
