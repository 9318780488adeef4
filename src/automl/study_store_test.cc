#include "automl/study_store.h"

#include <gtest/gtest.h>

#include "automl/study_json.h"
#include "common/time.h"
#include "store/blob_refs.h"
#include "store/store_test_support.h"

namespace easel::automl {
namespace {

class StudyStoreTest : public store::EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(db_->Exec("INSERT INTO users (id, name, password_hash, is_admin, created_at) "
                          "VALUES ('u', 'u', 'x', 0, 0)")
                    .ok());
    ASSERT_TRUE(db_->Exec("INSERT INTO projects (id, name, created_by, created_at) VALUES "
                          "('p', 'p', 'u', 0)")
                    .ok());
    auto blobs = store::BlobStore::Open(dir_.path());
    ASSERT_TRUE(blobs.ok());
    blobs_ = std::move(*blobs);
  }
  int64_t RefCount(const std::string& digest) {
    auto row = db_->QueryOne("SELECT refcount FROM blobs WHERE digest = ?", {digest});
    return row.ok() && *row ? (*row)->Int(0) : -1;
  }
  std::unique_ptr<store::BlobStore> blobs_;
};

TEST_P(StudyStoreTest, EnsureCreatesOnceAndKeepsTheFirstSpec) {
  StudyStore studies(*db_);
  auto first = studies.Ensure("job1", "p", "hpo", Json{{"max_trials", 3}});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto again = studies.Ensure("job1", "p", "hpo", Json{{"max_trials", 9}});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->spec["max_trials"], 3);
  EXPECT_EQ(again->created_at, first->created_at);
  EXPECT_EQ(studies.Get("p", "nope").status().code(), StatusCode::kNotFound);
}

TEST_P(StudyStoreTest, TrialsRecordReportsStatesAndValues) {
  StudyStore studies(*db_);
  ASSERT_TRUE(
      studies.Ensure("s", "p", "hpo", Json{{"objective", {{"direction", "maximize"}}}}).ok());
  ASSERT_TRUE(studies.AddTrial("s", 0, Json{{"lr", 0.1}}).ok());
  ASSERT_TRUE(studies.AddTrial("s", 1, Json{{"lr", 0.01}}).ok());
  EXPECT_EQ(studies.AddTrial("s", 1, Json::object()).code(), StatusCode::kAlreadyExists);
  ASSERT_TRUE(studies.SetTrialJob("s", 0, "job-a").ok());

  TrialRecord r;
  r.number = 0;
  r.state = TrialState::kComplete;
  r.value = -0.9;  // minimized: accuracy 0.9
  r.intermediate = {{1, -0.5}, {2, -0.9}};
  ASSERT_TRUE(studies.UpdateTrial("s", r, "").ok());
  r.number = 1;
  r.state = TrialState::kPruned;
  r.value = -0.4;
  r.intermediate = {{1, -0.4}};
  ASSERT_TRUE(studies.UpdateTrial("s", r, "stopped at step 1").ok());

  auto trials = studies.Trials("s");
  ASSERT_TRUE(trials.ok()) << trials.status().ToString();
  ASSERT_EQ(trials->size(), 2u);
  const Trial& t0 = (*trials)[0];
  EXPECT_EQ(t0.record.state, TrialState::kComplete);
  EXPECT_EQ(t0.job_id, "job-a");
  EXPECT_EQ(t0.record.intermediate.size(), 2u);
  EXPECT_TRUE(t0.finished_at.has_value());
  EXPECT_EQ((*trials)[1].note, "stopped at step 1");
  EXPECT_FALSE((*trials)[1].job_id.has_value());

  // The API shape reports the metric as measured (maximized here), and the best trial.
  Json j = StudyToJson(*studies.Get("p", "s"), *trials);
  EXPECT_DOUBLE_EQ(j["trials"][0]["value"].get<double>(), 0.9);
  EXPECT_DOUBLE_EQ(j["trials"][0]["intermediate"][0][1].get<double>(), 0.5);
  EXPECT_EQ(j["best_trial"]["number"], 0);
  EXPECT_EQ(j["counts"]["complete"], 1);
  EXPECT_EQ(j["counts"]["pruned"], 1);
  EXPECT_EQ(j["trials"][1]["state"], "pruned");
}

TEST_P(StudyStoreTest, ATrialKeepsItsModelWithCountedBlobReferences) {
  StudyStore studies(*db_);
  ASSERT_TRUE(studies.Ensure("s", "p", "hpo", Json::object()).ok());
  ASSERT_TRUE(studies.AddTrial("s", 0, Json::object()).ok());
  auto weights = blobs_->Put("weights");
  auto doc = blobs_->Put("{\"accuracy\": 1}");
  ASSERT_TRUE(weights.ok() && doc.ok());
  models::NewModelVersion v;
  v.algorithm = "mlp";
  v.task = "multiclass";
  v.format = "torch_tabular";
  v.params = {{"epochs", 3}};
  v.lineage = {{"job_id", "trial-job"}};
  v.dataset_id = "d";
  v.dataset_version = 2;
  v.job_id = "trial-job";
  v.files = {{"weights.safetensors", *weights}};
  v.evaluation = models::NewModelVersion::FirstEvaluation{"d", 2, "test", *doc};
  EXPECT_EQ(studies.LoadTrialModel("s", 0).status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(studies.SaveTrialModel("s", 0, v).ok());
  ASSERT_TRUE(studies.SaveTrialModel("s", 0, v).ok());  // a retried trial saves again
  EXPECT_EQ(RefCount(weights->digest), 1);
  EXPECT_EQ(RefCount(doc->digest), 1);
  EXPECT_TRUE((*studies.Trials("s"))[0].has_model);

  auto loaded = studies.LoadTrialModel("s", 0);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->format, "torch_tabular");
  EXPECT_EQ(loaded->params, v.params);
  EXPECT_EQ(loaded->dataset_version, 2);
  ASSERT_EQ(loaded->files.size(), 1u);
  EXPECT_EQ(loaded->files[0].second.digest, weights->digest);
  EXPECT_EQ(loaded->files[0].second.size, weights->size);
  ASSERT_TRUE(loaded->evaluation.has_value());
  EXPECT_EQ(loaded->evaluation->document.digest, doc->digest);
  EXPECT_EQ(loaded->evaluation->split, "test");

  // Garbage collection counts the study's references: the blobs stay.
  auto gc = store::CollectGarbage(*db_, *blobs_, 0);
  ASSERT_TRUE(gc.ok());
  EXPECT_EQ(gc->blobs_deleted, 0);
  EXPECT_EQ(RefCount(weights->digest), 1);

  // Once the study has registered its model, the trials' models go, and with them the blobs.
  ASSERT_TRUE(studies.DropTrialModels("s").ok());
  ASSERT_TRUE(studies.DropTrialModels("s").ok());  // a re-run job drops again: nothing happens
  EXPECT_FALSE((*studies.Trials("s"))[0].has_model);
  EXPECT_EQ(studies.LoadTrialModel("s", 0).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(RefCount(weights->digest), 0);
  EXPECT_EQ(RefCount(doc->digest), 0);
  gc = store::CollectGarbage(*db_, *blobs_, 0);
  ASSERT_TRUE(gc.ok());
  EXPECT_EQ(gc->blobs_deleted, 2);
}

EASEL_INSTANTIATE_ENGINE_TEST(StudyStoreTest);

}  // namespace
}  // namespace easel::automl
