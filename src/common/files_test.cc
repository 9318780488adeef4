#include "common/files.h"

#include <gtest/gtest.h>

#include "testing/temp_dir.h"

namespace easel {
namespace {
namespace fs = std::filesystem;

TEST(ResolveUnderTest, AcceptsPlainRelativePaths) {
  auto p = ResolveUnder("/data", "blobs/ab/cd");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->string(), "/data/blobs/ab/cd");
}

TEST(ResolveUnderTest, RejectsEscapes) {
  for (const char* bad :
       {"../x", "a/../../x", "/etc/passwd", "a//b", "a/./b", "a\\b", "", "a/", "..", "x/.."}) {
    EXPECT_FALSE(ResolveUnder("/data", bad).ok()) << bad;
  }
  EXPECT_FALSE(ResolveUnder("/data", std::string_view("a\0b", 3)).ok());
  EXPECT_FALSE(ResolveUnder("/data", "a\nb").ok());
}

TEST(AtomicFileTest, AppearsOnlyOnCommit) {
  testing::TempDir dir;
  fs::path target = dir.path() / "f";
  {
    auto f = AtomicFile::Create(target);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE(f->Write("hello", 5).ok());
    EXPECT_FALSE(fs::exists(target));
  }  // abandoned
  EXPECT_FALSE(fs::exists(target));
  EXPECT_TRUE(fs::is_empty(dir.path()));

  ASSERT_TRUE(WriteFileAtomic(target, "one").ok());
  ASSERT_TRUE(WriteFileAtomic(target, "two").ok());
  EXPECT_EQ(*ReadFile(target), "two");
  EXPECT_EQ(ReadFile(dir.path() / "nope").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace easel
