#include "store/blob_refs.h"

#include "common/random.h"
#include "store/artifacts.h"
#include "store/store_test_support.h"

namespace easel::store {
namespace {

class BlobRefsTest : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    blobs_ = std::move(*BlobStore::Open(dir_.path()));
    ASSERT_TRUE(db_->Exec("INSERT INTO users (id, name, created_at) VALUES ('u', 'ada', 0)").ok());
    ASSERT_TRUE(db_->Exec("INSERT INTO projects (id, name, created_by, created_at) "
                          "VALUES ('p', 'demo', 'u', 0)")
                    .ok());
  }
  int64_t RefCount(const std::string& digest) {
    auto r = db_->QueryOne("SELECT refcount FROM blobs WHERE digest = ?", {digest});
    return r.ok() && r->has_value() ? (*r)->Int(0) : -1;
  }
  std::unique_ptr<BlobStore> blobs_;
};

TEST_P(BlobRefsTest, ArtifactsCountReferences) {
  auto blob = blobs_->Put("model weights");
  auto a1 = CreateArtifact(*db_, "p", "w.bin", "application/octet-stream", *blob, "u");
  auto a2 = CreateArtifact(*db_, "p", "copy.bin", "application/octet-stream", *blob, "u");
  ASSERT_TRUE(a1.ok() && a2.ok());
  EXPECT_EQ(RefCount(blob->digest), 2);
  ASSERT_TRUE(DeleteArtifact(*db_, "p", a1->id).ok());
  EXPECT_EQ(RefCount(blob->digest), 1);
  EXPECT_EQ(DeleteArtifact(*db_, "p", a1->id).code(), StatusCode::kNotFound);
  EXPECT_EQ(GetArtifact(*db_, "p", a2->id)->name, "copy.bin");
  EXPECT_EQ(ListArtifacts(*db_, "p", "", 10)->size(), 1u);
}

TEST_P(BlobRefsTest, GcRemovesOnlyUnreferencedBlobs) {
  auto kept = blobs_->Put("kept");
  auto dropped = blobs_->Put("dropped");
  auto orphan = blobs_->Put("orphan: written, never referenced");
  auto a = CreateArtifact(*db_, "p", "k", "text/plain", *kept, "u");
  auto b = CreateArtifact(*db_, "p", "d", "text/plain", *dropped, "u");
  ASSERT_TRUE(DeleteArtifact(*db_, "p", b->id).ok());

  auto report = CollectGarbage(*db_, *blobs_, /*orphan_grace_ms=*/0);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->blobs_deleted, 1);
  EXPECT_EQ(report->orphans_deleted, 1);
  EXPECT_TRUE(blobs_->Exists(kept->digest));
  EXPECT_FALSE(blobs_->Exists(dropped->digest));
  EXPECT_FALSE(blobs_->Exists(orphan->digest));
  EXPECT_EQ(*blobs_->ReadAll(kept->digest), "kept");
}

TEST_P(BlobRefsTest, GcRespectsOrphanGraceAndFixesDriftedCounts) {
  auto young = blobs_->Put("just written by an upload in flight");
  auto kept = blobs_->Put("kept");
  ASSERT_TRUE(CreateArtifact(*db_, "p", "k", "text/plain", *kept, "u").ok());
  ASSERT_TRUE(db_->Exec("UPDATE blobs SET refcount = 0").ok());  // simulate drift
  auto report = CollectGarbage(*db_, *blobs_, /*orphan_grace_ms=*/3600 * 1000);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->refcounts_fixed, 1);
  EXPECT_EQ(report->blobs_deleted, 0);
  EXPECT_TRUE(blobs_->Exists(young->digest));
  EXPECT_EQ(RefCount(kept->digest), 1);
}

TEST_P(BlobRefsTest, ProjectDeletionReleasesThroughGc) {
  auto blob = blobs_->Put("belongs to a project about to go");
  ASSERT_TRUE(CreateArtifact(*db_, "p", "x", "text/plain", *blob, "u").ok());
  ASSERT_TRUE(db_->Exec("DELETE FROM projects WHERE id = 'p'").ok());  // cascades
  auto report = CollectGarbage(*db_, *blobs_, 0);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->blobs_deleted, 1);
  EXPECT_FALSE(blobs_->Exists(blob->digest));
}

EASEL_INSTANTIATE_ENGINE_TEST(BlobRefsTest);

TEST(ArtifactNameTest, RejectsPathsAndControlCharacters) {
  EXPECT_TRUE(ValidateArtifactName("model v2.onnx").ok());
  for (std::string bad : {std::string(), std::string(256, 'a'), std::string("../x"),
                          std::string("a\\b"), std::string("a\nb"), std::string("a\0b", 3)}) {
    EXPECT_FALSE(ValidateArtifactName(bad).ok());
  }
}

}  // namespace
}  // namespace easel::store
