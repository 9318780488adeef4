#include "store/blob_store.h"

#include <gtest/gtest.h>

#include <fstream>

#include "testing/temp_dir.h"

namespace easel::store {
namespace {
namespace fs = std::filesystem;

class BlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = std::move(*BlobStore::Open(dir_.path())); }
  fs::path BlobPath(const std::string& d) {
    return dir_.path() / "blobs" / d.substr(0, 2) / d.substr(2);
  }
  testing::TempDir dir_;
  std::unique_ptr<BlobStore> store_;
};

TEST_F(BlobStoreTest, StoresByContentHash) {
  auto a = store_->Put("hello");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->digest, Sha256Hex("hello"));
  EXPECT_EQ(a->size, 5u);
  EXPECT_TRUE(fs::exists(BlobPath(a->digest)));
  auto b = store_->Put("hello");
  EXPECT_EQ(b->digest, a->digest);
  EXPECT_EQ(*store_->ReadAll(a->digest), "hello");
  EXPECT_TRUE(fs::is_empty(dir_.path() / "tmp"));
}

TEST_F(BlobStoreTest, StreamingWriterAndRanges) {
  auto w = store_->NewWriter();
  ASSERT_TRUE(w.ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(w->Write("abcdefghij", 10).ok());
  auto info = w->Commit();
  ASSERT_TRUE(info.ok());
  std::string got;
  ASSERT_TRUE(store_
                  ->Read(info->digest, 8, 5,
                         [&](const char* p, size_t n) {
                           got.append(p, n);
                           return true;
                         })
                  .ok());
  EXPECT_EQ(got, "ijabc");
  EXPECT_EQ(store_->Read(info->digest, 28, 5, [](const char*, size_t) { return true; }).code(),
            StatusCode::kOutOfRange);
}

TEST_F(BlobStoreTest, AbandonedWriterLeavesNothing) {
  {
    auto w = store_->NewWriter();
    ASSERT_TRUE(w->Write("partial", 7).ok());
  }
  EXPECT_TRUE(fs::is_empty(dir_.path() / "tmp"));
  EXPECT_TRUE(store_->List()->empty());
}

TEST_F(BlobStoreTest, CorruptionIsDetectedOnRead) {
  auto a = store_->Put("precious data");
  ASSERT_TRUE(a.ok());
  {
    std::ofstream f(BlobPath(a->digest), std::ios::binary | std::ios::trunc);
    f << "tampered data";
  }
  size_t delivered = 0;
  Status st = store_->Read(a->digest, 0, 13, [&](const char*, size_t n) {
    delivered += n;
    return true;
  });
  EXPECT_EQ(st.code(), StatusCode::kDataLoss);
  EXPECT_EQ(delivered, 0u);
  EXPECT_EQ(store_->Verify(a->digest).code(), StatusCode::kDataLoss);
  EXPECT_EQ(store_->Read(a->digest, 2, 3, [](const char*, size_t) { return true; }).code(),
            StatusCode::kDataLoss);
}

TEST_F(BlobStoreTest, ReopenClearsCrashLeftovers) {
  std::ofstream(dir_.path() / "tmp" / ".tmp-crashed") << "half a blob";
  store_ = std::move(*BlobStore::Open(dir_.path()));
  EXPECT_TRUE(fs::is_empty(dir_.path() / "tmp"));
}

TEST_F(BlobStoreTest, RejectsNonDigests) {
  EXPECT_EQ(store_->ReadAll("../../etc/passwd").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->ReadAll(std::string(64, 'a')).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace easel::store
