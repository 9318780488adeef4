#include "labeling/prelabel_store.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "labeling/annotations.h"
#include "labeling/test_support.h"

namespace easel::labeling {
namespace {

using testing::LabelingTest;

ClassScores Score(std::vector<float> p) {
  auto s = ScoreProbabilities(p.data(), p.size());
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? *s : ClassScores{};
}

// Expected values computed by hand: entropy is -sum p ln p / ln K.
TEST(ScoreProbabilitiesTest, MatchesHandComputedMeasures) {
  ClassScores a = Score({0.7f, 0.2f, 0.1f});
  EXPECT_EQ(a.top, 0u);
  EXPECT_NEAR(a.confidence, 0.7, 1e-6);
  EXPECT_NEAR(a.margin, 0.5, 1e-6);
  EXPECT_NEAR(a.entropy, 0.729846699, 1e-6);

  ClassScores b = Score({0.0f, 0.25f, 0.75f});
  EXPECT_EQ(b.top, 2u);
  EXPECT_NEAR(b.confidence, 0.75, 1e-9);
  EXPECT_NEAR(b.margin, 0.5, 1e-9);
  EXPECT_NEAR(b.entropy, 0.511859507, 1e-6);

  // Rows are normalized; a tie goes to the first class and has no margin.
  ClassScores tie = Score({2.0f, 2.0f});
  EXPECT_EQ(tie.top, 0u);
  EXPECT_DOUBLE_EQ(tie.confidence, 0.5);
  EXPECT_DOUBLE_EQ(tie.margin, 0.0);
  EXPECT_NEAR(tie.entropy, 1.0, 1e-12);

  ClassScores one = Score({0.3f});
  EXPECT_DOUBLE_EQ(one.confidence, 1.0);
  EXPECT_DOUBLE_EQ(one.margin, 1.0);
  EXPECT_DOUBLE_EQ(one.entropy, 0.0);
}

TEST(ScoreProbabilitiesTest, RefusesRowsThatAreNotProbabilities) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  for (std::vector<float> bad :
       std::vector<std::vector<float>>{{-0.1f, 1.1f}, {nan, 1.0f}, {inf, 1.0f}, {0.0f, 0.0f}}) {
    EXPECT_EQ(ScoreProbabilities(bad.data(), bad.size()).status().code(),
              StatusCode::kInvalidArgument);
  }
  float x = 1;
  EXPECT_EQ(ScoreProbabilities(&x, 0).status().code(), StatusCode::kInvalidArgument);
}

class PrelabelStoreTest : public LabelingTest {
 protected:
  void SetUp() override {
    LabelingTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    PetsDataset();
    task_ = CreateTask("t", "pets", TaskKind::kClassification, {"cat", "dog"});
    for (const auto& [sample, split] : Samples(task_.dataset_id)) ids_.push_back(sample.id);
    ASSERT_EQ(ids_.size(), 10u);
  }
  Status Annotate(const std::string& id, const std::string& label, AnnotationStatus status) {
    Annotation a;
    if (!label.empty()) a.labels = {label};
    a.status = status;
    return AnnotationStore(*db_, *blobs_).Put(task_, id, a, "u").status();
  }
  std::optional<Annotation> AnnotationOf(const std::string& id) {
    auto a = AnnotationStore(*db_, *blobs_).Get(task_, id);
    EXPECT_TRUE(a.ok());
    return a.ok() ? *a : std::nullopt;
  }
  int64_t Count(const std::string& table) {
    return (*db_->QueryOne("SELECT COUNT(*) FROM " + table))->Int(0);
  }
  Task task_;
  std::vector<std::string> ids_;
};

TEST_P(PrelabelStoreTest, WritesReplacesReadsAndCounts) {
  PutPrelabel(task_, ids_[0], {0.9f, 0.1f});
  PutPrelabel(task_, ids_[1], {0.2f, 0.8f});
  auto got = PrelabelStore(*db_).Get(task_, ids_[1]);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->label, "dog");
  EXPECT_NEAR((*got)->confidence, 0.8, 1e-6);
  EXPECT_NEAR((*got)->margin, 0.6, 1e-6);
  EXPECT_EQ((*got)->model_version_id, "m-v1");
  EXPECT_FALSE(PrelabelStore(*db_).Get(task_, ids_[2])->has_value());

  // A newer version replaces the sample's pre-label.
  PutPrelabel(task_, ids_[1], {0.6f, 0.4f}, "m", 2);
  got = PrelabelStore(*db_).Get(task_, ids_[1]);
  EXPECT_EQ((*got)->label, "cat");
  EXPECT_EQ((*got)->model_version, 2);
  Json j = PrelabelToJson(**got);
  EXPECT_EQ(j["label"], "cat");
  EXPECT_EQ(j["version"], 2);
  EXPECT_EQ(j["model"], "m");
  for (const char* key : {"confidence", "margin", "entropy", "created_at"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }

  ASSERT_TRUE(Annotate(ids_[0], "cat", AnnotationStatus::kLabeled).ok());
  auto counts = PrelabelStore(*db_).Counts(task_);
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->total, 2);
  EXPECT_EQ(counts->open, 1) << "the annotated sample keeps its pre-label but is not open";

  auto many = PrelabelStore(*db_).GetMany(task_, {ids_[0], ids_[1], ids_[2]});
  ASSERT_TRUE(many.ok());
  EXPECT_EQ(many->size(), 2u);
  EXPECT_EQ(many->at(ids_[1]).model_version, 2);

  // Deleting the task takes its pre-labels along.
  ASSERT_TRUE(TaskStore(*db_, *blobs_).Delete("p", "t").ok());
  EXPECT_EQ(Count("labeling_prelabels"), 0);
}

TEST_P(PrelabelStoreTest, AcceptsConfidentPrelabelsOfUnansweredSamples) {
  PutPrelabel(task_, ids_[0], {0.95f, 0.05f});  // accepted
  // Confidence exactly at the threshold is accepted.
  ASSERT_TRUE(PrelabelStore(*db_)
                  .Write(task_, {{ids_[1], "dog", 0.9, 0.8, 0.4, "m", 1, "m-v1", "", 1}}, {})
                  .ok());
  PutPrelabel(task_, ids_[2], {0.30f, 0.70f});  // below the threshold: remains
  PutPrelabel(task_, ids_[3], {0.99f, 0.01f});  // already labeled by a person: untouched
  PutPrelabel(task_, ids_[4], {0.99f, 0.01f});  // rejected: left to people
  PutPrelabel(task_, ids_[5], {0.01f, 0.99f});  // reset to unlabeled: accepted
  ASSERT_TRUE(Annotate(ids_[3], "dog", AnnotationStatus::kLabeled).ok());
  ASSERT_TRUE(Annotate(ids_[4], "", AnnotationStatus::kRejected).ok());
  ASSERT_TRUE(Annotate(ids_[5], "", AnnotationStatus::kUnlabeled).ok());
  // ids_[0] is leased to someone: accepting ends the lease.
  ASSERT_TRUE(db_->Exec("INSERT INTO labeling_leases (task_id, sample_id, user_id, expires_at) "
                        "VALUES (?, ?, 'bob', ?)",
                        {task_.id, ids_[0], int64_t{1} << 50})
                  .ok());

  auto out = PrelabelStore(*db_).Accept(task_, {0.9, std::nullopt, std::nullopt}, "ada");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->accepted, 3);
  EXPECT_EQ(out->remaining, 1);
  EXPECT_EQ(Count("labeling_leases"), 0);

  for (const auto& [id, label] : std::vector<std::pair<std::string, std::string>>{
           {ids_[0], "cat"}, {ids_[1], "dog"}, {ids_[5], "dog"}}) {
    auto a = AnnotationOf(id);
    ASSERT_TRUE(a) << id;
    EXPECT_EQ(a->status, AnnotationStatus::kLabeled);
    EXPECT_EQ(a->labels, std::vector<std::string>{label});
    EXPECT_EQ(a->author, "ada");
    EXPECT_EQ(a->source["kind"], "prelabel");
    EXPECT_EQ(a->source["model"], "m");
    EXPECT_EQ(a->source["version"], 1);
    EXPECT_EQ(a->source["model_version_id"], "m-v1");
    EXPECT_EQ(AnnotationToJson(*a)["source"]["kind"], "prelabel");
  }
  EXPECT_FALSE(AnnotationOf(ids_[2]));
  EXPECT_EQ(AnnotationOf(ids_[3])->labels, std::vector<std::string>{"dog"});
  EXPECT_EQ(AnnotationOf(ids_[3])->source, Json());
  EXPECT_EQ(AnnotationOf(ids_[4])->status, AnnotationStatus::kRejected);

  // A person's later answer clears the source.
  ASSERT_TRUE(Annotate(ids_[0], "dog", AnnotationStatus::kReviewed).ok());
  EXPECT_TRUE(AnnotationOf(ids_[0])->source.is_null());
  EXPECT_FALSE(AnnotationToJson(*AnnotationOf(ids_[0])).contains("source"));

  // Accepting again finds nothing new; a lower threshold takes the rest.
  EXPECT_EQ(PrelabelStore(*db_).Accept(task_, {0.9, {}, {}}, "ada")->accepted, 0);
  auto rest = PrelabelStore(*db_).Accept(task_, {0.5, {}, {}}, "ada");
  EXPECT_EQ(rest->accepted, 1);
  EXPECT_EQ(rest->remaining, 0);
}

TEST_P(PrelabelStoreTest, AcceptsOnlyTheRequestedModelAndVersion) {
  PutPrelabel(task_, ids_[0], {0.9f, 0.1f}, "m", 1);
  PutPrelabel(task_, ids_[1], {0.9f, 0.1f}, "m", 2);
  PutPrelabel(task_, ids_[2], {0.9f, 0.1f}, "other", 1);
  auto v2 = PrelabelStore(*db_).Accept(task_, {0.5, "m", 2}, "u");
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->accepted, 1);
  EXPECT_EQ(v2->remaining, 0);
  EXPECT_TRUE(AnnotationOf(ids_[1]));
  auto m = PrelabelStore(*db_).Accept(task_, {0.5, "m", {}}, "u");
  EXPECT_EQ(m->accepted, 1);
  EXPECT_TRUE(AnnotationOf(ids_[0]));
  EXPECT_FALSE(AnnotationOf(ids_[2]));
  auto none = PrelabelStore(*db_).Accept(task_, {0.5, "nobody", {}}, "u");
  EXPECT_EQ(none->accepted, 0);
  EXPECT_EQ(none->remaining, 0);
}

TEST_P(PrelabelStoreTest, AcceptsMoreThanOneChunk) {
  // 1,100 text samples: three transactions of at most 500.
  std::vector<std::pair<std::string, std::string>> rows;
  for (int i = 0; i < 1100; ++i) rows.emplace_back("row " + std::to_string(i), "");
  MakeTextDataset("many", rows);
  Task task = CreateTask("many", "many", TaskKind::kTextClassification, {"a", "b"});
  std::vector<Prelabel> put;
  for (const auto& [sample, split] : Samples(task.dataset_id)) {
    put.push_back({sample.id, "b", 0.75, 0.5, 0.8, "m", 1, "m-v1", "", 1});
  }
  ASSERT_TRUE(PrelabelStore(*db_).Write(task, put, {}).ok());
  auto out = PrelabelStore(*db_).Accept(task, {0.75, {}, {}}, "u");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->accepted, 1100);
  EXPECT_EQ(out->remaining, 0);
  EXPECT_EQ((*TaskStore(*db_, *blobs_).Counts(task)).labeled, 1100);
}

TEST_P(PrelabelStoreTest, RefusesBadAcceptRequestsAndChangesNothing) {
  PutPrelabel(task_, ids_[0], {0.9f, 0.1f});
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (double t : {0.0, -0.5, 1.0001, 2.0, nan, inf}) {
    auto out = PrelabelStore(*db_).Accept(task_, {t, {}, {}}, "u");
    EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument) << t;
    EXPECT_EQ(out.status().details()["field"], "threshold");
  }
  auto version_alone = PrelabelStore(*db_).Accept(task_, {0.5, {}, 1}, "u");
  EXPECT_EQ(version_alone.status().details()["field"], "version");
  auto bad_version = PrelabelStore(*db_).Accept(task_, {0.5, "m", 0}, "u");
  EXPECT_EQ(bad_version.status().details()["field"], "version");
  auto bad_model = PrelabelStore(*db_).Accept(task_, {0.5, "Bad Name!", {}}, "u");
  EXPECT_EQ(bad_model.status().details()["field"], "model");

  StreetDataset();
  Task boxes = CreateTask("boxes", "street", TaskKind::kDetection, {"car", "person"});
  EXPECT_EQ(PrelabelStore(*db_).Accept(boxes, {0.5, {}, {}}, "u").status().code(),
            StatusCode::kFailedPrecondition);

  EXPECT_EQ(Count("labeling_annotations"), 0);
  EXPECT_EQ(Count("labeling_prelabels"), 1);
  // The threshold 1 is allowed and takes only certain pre-labels.
  EXPECT_EQ(PrelabelStore(*db_).Accept(task_, {1.0, {}, {}}, "u")->accepted, 0);
}

EASEL_INSTANTIATE_ENGINE_TEST(PrelabelStoreTest);

}  // namespace
}  // namespace easel::labeling
