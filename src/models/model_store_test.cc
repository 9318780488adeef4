#include "models/model_store.h"

#include <gtest/gtest.h>

#include "models/model_json.h"
#include "models/model_ref.h"
#include "store/blob_refs.h"
#include "store/store_test_support.h"

namespace easel::models {
namespace {

class ModelStoreTest : public store::EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto blobs = store::BlobStore::Open(dir_.path() / "data");
    ASSERT_TRUE(blobs.ok()) << blobs.status().ToString();
    blobs_ = std::move(*blobs);
    ASSERT_TRUE(db_->Exec("INSERT INTO users (id, name, created_at) VALUES ('u', 'ada', 0)").ok());
    for (const char* p : {"p", "q"}) {
      ASSERT_TRUE(db_->Exec("INSERT INTO projects (id, name, created_by, created_at) "
                            "VALUES (?, ?, 'u', 0)",
                            {std::string(p), std::string("project-") + p})
                      .ok());
    }
    store_ = std::make_unique<ModelStore>(*db_);
  }

  NewModelVersion Version(const std::string& weights, const std::string& dataset_id = "d1",
                          int64_t dataset_version = 1) {
    NewModelVersion nv;
    nv.algorithm = "xgboost";
    nv.task = "multiclass";
    nv.format = "xgboost";
    nv.params = {{"max_depth", 6}};
    nv.metrics = {{"accuracy", 0.9}};
    nv.lineage = {{"dataset", {{"name", "iris"}, {"version", dataset_version}}}};
    nv.dataset_id = dataset_id;
    nv.dataset_version = dataset_version;
    nv.job_id = "job1";
    auto blob = blobs_->Put(weights);
    EXPECT_TRUE(blob.ok());
    nv.files = {{"model.json", *blobs_->Put("{}")}, {"booster.json", *blob}};
    return nv;
  }

  int64_t RefCount(const std::string& digest) {
    auto row = db_->QueryOne("SELECT refcount FROM blobs WHERE digest = ?", {digest});
    return row.ok() && *row ? (*row)->Int(0) : 0;
  }

  std::unique_ptr<store::BlobStore> blobs_;
  std::unique_ptr<ModelStore> store_;
};

TEST_P(ModelStoreTest, RegisteringCreatesTheModelAndCountsVersions) {
  auto v1 = store_->Register("p", "iris-clf", Version("w1"), "u");
  ASSERT_TRUE(v1.ok()) << v1.status().ToString();
  EXPECT_EQ(v1->version, 1);
  auto v2 = store_->Register("p", "iris-clf", Version("w2"), "u");
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->version, 2);
  EXPECT_EQ(v2->model_id, v1->model_id);
  // Another project has its own namespace.
  auto other = store_->Register("q", "iris-clf", Version("w3"), "u");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->version, 1);

  auto m = store_->Get("p", "iris-clf");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->latest_version, 2);
  auto got = store_->GetVersion(*m, 1);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->files.size(), 2u);
  EXPECT_EQ(got->files[0].name, "booster.json");
  EXPECT_EQ(got->params["max_depth"], 6);
  EXPECT_EQ(RefCount(got->files[0].digest), 1);
  auto listed = store_->ListVersions(*m, 0, 10);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].version, 2);
  Json j = VersionToJson(*got);
  EXPECT_EQ(j["dataset"]["name"], "iris");
  EXPECT_EQ(j["version"], 1);
}

TEST_P(ModelStoreTest, BadNamesAreRejected) {
  EXPECT_EQ(store_->Register("p", "Bad Name", Version("w"), "u").status().code(),
            StatusCode::kInvalidArgument);
  NewModelVersion nv = Version("w");
  nv.files.push_back({"../escape", nv.files[0].second});
  EXPECT_EQ(store_->Register("p", "ok", nv, "u").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Get("p", "ok").status().code(), StatusCode::kNotFound);
}

TEST_P(ModelStoreTest, AliasesResolveMoveAndGuardDeletion) {
  ASSERT_TRUE(store_->Register("p", "m", Version("w1"), "u").ok());
  ASSERT_TRUE(store_->Register("p", "m", Version("w2"), "u").ok());
  auto m = *store_->Get("p", "m");
  ASSERT_TRUE(store_->SetAlias(m, "production", 1).ok());
  EXPECT_EQ(store_->SetAlias(m, "staging", 7).code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->SetAlias(m, "latest", 1).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->SetAlias(m, "42", 1).code(), StatusCode::kInvalidArgument);

  auto ref = ParseModelRef("m@production");
  ASSERT_TRUE(ref.ok());
  auto v = ResolveModelRef(*store_, "p", *ref);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->version, 1);
  EXPECT_EQ(v->aliases, std::vector<std::string>{"production"});
  EXPECT_EQ(ResolveModelRef(*store_, "p", *ParseModelRef("m"))->version, 2);
  EXPECT_EQ(ResolveModelRef(*store_, "p", *ParseModelRef("m", "1"))->version, 1);
  EXPECT_EQ(ResolveModelRef(*store_, "p", *ParseModelRef("m@nope")).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(ResolveModelRef(*store_, "q", *ParseModelRef("m")).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(ParseModelRef("m@").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseModelRef("m@1", "2").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseModelRef("m@0").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseModelRef("M").status().code(), StatusCode::kInvalidArgument);

  // An aliased version cannot be deleted; after moving the alias it can.
  Status st = store_->DeleteVersion(m, 1);
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(st.message().find("production"), std::string::npos);
  ASSERT_TRUE(store_->SetAlias(m, "production", 2).ok());
  auto v1 = *store_->GetVersion(m, 1);
  EXPECT_TRUE(store_->DeleteVersion(m, 1).ok());
  EXPECT_EQ(RefCount(v1.files[0].digest), 0);
  EXPECT_EQ(store_->GetVersion(m, 1).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->DeleteAlias(m, "production").ok());
  EXPECT_EQ(store_->DeleteAlias(m, "production").code(), StatusCode::kNotFound);
}

TEST_P(ModelStoreTest, FineTunedVersionsProtectTheirParentAndReferenceChecksApply) {
  auto base = *store_->Register("p", "base", Version("w1"), "u");
  NewModelVersion child = Version("w2");
  child.parent_id = base.id;
  ASSERT_TRUE(store_->Register("p", "tuned", child, "u").ok());
  auto m = *store_->Get("p", "base");
  Status st = store_->DeleteVersion(m, 1);
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(st.message().find("tuned"), std::string::npos) << st.message();

  store_->AddReferenceCheck([](const ModelVersion& v) -> Status {
    if (v.model_name == "tuned") return FailedPrecondition("endpoint 'web' serves it");
    return OkStatus();
  });
  EXPECT_EQ(store_->Delete("p", "tuned").code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(store_->Get("p", "tuned").ok());
}

TEST_P(ModelStoreTest, LineageFindsVersionsByDataset) {
  ASSERT_TRUE(store_->Register("p", "a", Version("w1", "d1", 3), "u").ok());
  ASSERT_TRUE(store_->Register("p", "b", Version("w2", "d1", 2), "u").ok());
  ASSERT_TRUE(store_->Register("p", "c", Version("w3", "d2", 3), "u").ok());
  auto v3 = store_->VersionsTrainedOn("p", "d1", 3);
  ASSERT_TRUE(v3.ok());
  ASSERT_EQ(v3->size(), 1u);
  EXPECT_EQ((*v3)[0].model_name, "a");
  EXPECT_EQ(store_->VersionsTrainedOn("p", "d1", std::nullopt)->size(), 2u);
  EXPECT_EQ(store_->VersionsTrainedOn("q", "d1", std::nullopt)->size(), 0u);
}

TEST_P(ModelStoreTest, EvaluationsAreKeptPerVersionAndReleasedWithTheModel) {
  auto v = *store_->Register("p", "m", Version("w1"), "u");
  auto doc = *blobs_->Put(R"({"accuracy": 0.9})");
  auto e = store_->AddEvaluation(v.id, "d1", 1, "test", doc, "job1");
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(store_->ListEvaluations(v.id)->size(), 1u);
  EXPECT_EQ(RefCount(doc.digest), 1);
  EXPECT_TRUE(store_->Delete("p", "m").ok());
  EXPECT_EQ(RefCount(doc.digest), 0);
  EXPECT_EQ(store_->AddEvaluation(v.id, "d1", 1, "test", doc, "job1").status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->List("p", "", 10)->size(), 0u);
}

EASEL_INSTANTIATE_ENGINE_TEST(ModelStoreTest);

}  // namespace
}  // namespace easel::models
