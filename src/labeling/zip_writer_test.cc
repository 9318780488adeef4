#include "labeling/zip_writer.h"

#include <gtest/gtest.h>

#include <clocale>
#include <map>

#include "data/archive.h"
#include "testing/temp_dir.h"

namespace easel::labeling {
namespace {

class ZipWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto blobs = store::BlobStore::Open(dir_.path());
    ASSERT_TRUE(blobs.ok());
    blobs_ = std::move(*blobs);
  }
  std::unique_ptr<ZipExportWriter> Writer() {
    auto w = ZipExportWriter::Create(*blobs_, nullptr, [this] { return cancel_; });
    EXPECT_TRUE(w.ok()) << w.status().ToString();
    return std::move(*w);
  }
  // Path -> content of every entry of the zip blob, read back with the importers' reader.
  std::map<std::string, std::string> ReadBack(const store::BlobInfo& blob) {
    std::map<std::string, std::string> out;
    auto path = blobs_->FilePath(blob.digest);
    EXPECT_TRUE(path.ok());
    auto reader = data::ArchiveReader::Open(*path);
    EXPECT_TRUE(reader.ok()) << reader.status().ToString();
    for (;;) {
      auto entry = reader->Next();
      EXPECT_TRUE(entry.ok()) << entry.status().ToString();
      if (!entry.ok() || !*entry) break;
      std::string content;
      EXPECT_TRUE(reader
                      ->ReadContent([&](const char* p, size_t n) {
                        content.append(p, n);
                        return OkStatus();
                      })
                      .ok());
      out[(*entry)->path] = content;
    }
    for (const data::RejectedEntry& r : reader->rejected()) {
      ADD_FAILURE() << "entry " << r.name << " rejected: " << r.reason;
    }
    return out;
  }

  easel::testing::TempDir dir_;
  std::unique_ptr<store::BlobStore> blobs_;
  bool cancel_ = false;
};

TEST_F(ZipWriterTest, WritesStreamedSmallAndBlobEntries) {
  std::string big;
  for (int i = 0; i < 200000; ++i) big += "line " + std::to_string(i) + "\n";
  std::string image(300000, '\0');
  for (size_t i = 0; i < image.size(); ++i) image[i] = static_cast<char>(i * 7919 % 251);
  auto blob = blobs_->Put(image);
  ASSERT_TRUE(blob.ok());

  auto w = Writer();
  auto file = w->Open("annotations/instances.json");
  ASSERT_TRUE(file.ok());
  for (size_t at = 0; at < big.size(); at += 65536) {
    ASSERT_TRUE((*file)->Write(std::string_view(big).substr(at, 65536)).ok());
  }
  ASSERT_TRUE((*file)->Close().ok());
  ASSERT_TRUE(w->AddBytes("classes.txt", "cat\ndog\n").ok());
  ASSERT_TRUE(w->AddBlob("images/cat 1.png", blob->digest).ok());
  ASSERT_TRUE(w->AddBytes("empty.txt", "").ok());
  EXPECT_EQ(w->entries(), 4u);
  auto zip = w->Finish();
  ASSERT_TRUE(zip.ok()) << zip.status().ToString();
  EXPECT_LT(zip->size, big.size()) << "text is deflated";

  auto entries = ReadBack(*zip);
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(entries["annotations/instances.json"], big);
  EXPECT_EQ(entries["classes.txt"], "cat\ndog\n");
  EXPECT_EQ(entries["images/cat 1.png"], image);
  EXPECT_EQ(entries["empty.txt"], "");
}

// Names are written as UTF-8 and flagged so. (libarchive converts names to the process's
// LC_CTYPE when reading: a reader in the "C" locale cannot read non-ASCII names at all.)
TEST_F(ZipWriterTest, NonAsciiNamesAreUtf8) {
  auto w = Writer();
  ASSERT_TRUE(w->AddBytes("images/ünïcode 猫.txt", "x").ok());
  auto zip = w->Finish();
  ASSERT_TRUE(zip.ok());
  const char* previous = std::setlocale(LC_CTYPE, nullptr);
  const std::string saved = previous != nullptr ? previous : "C";
  if (std::setlocale(LC_CTYPE, "C.UTF-8") == nullptr) GTEST_SKIP() << "no C.UTF-8 locale";
  auto entries = ReadBack(*zip);
  std::setlocale(LC_CTYPE, saved.c_str());
  EXPECT_EQ(entries["images/ünïcode 猫.txt"], "x");
}

TEST_F(ZipWriterTest, SameContentGivesTheSameArchive) {
  auto once = [&] {
    auto w = Writer();
    EXPECT_TRUE(w->AddBytes("a.txt", "hello").ok());
    return w->Finish()->digest;
  };
  EXPECT_EQ(once(), once());
}

TEST_F(ZipWriterTest, RefusesBadAndDuplicatePaths) {
  for (const char* bad : {"", "/abs", "../up", "a/../b", "a//b", "./a", "a\\b", "dir/", "a\x01"}) {
    auto w = Writer();
    EXPECT_EQ(w->AddBytes(bad, "x").code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_FALSE(w->Finish().ok()) << "a failed writer publishes nothing: " << bad;
  }
  auto w = Writer();
  ASSERT_TRUE(w->AddBytes("a.txt", "1").ok());
  EXPECT_EQ(w->AddBytes("a.txt", "2").code(), StatusCode::kInvalidArgument);
}

TEST_F(ZipWriterTest, OneOpenFileAtATimeAndEveryFileClosed) {
  {
    auto w = Writer();
    auto first = w->Open("a.txt");
    ASSERT_TRUE(first.ok());
    EXPECT_EQ(w->Open("b.txt").status().code(), StatusCode::kFailedPrecondition);
    EXPECT_FALSE(w->Finish().ok()) << "a.txt is still open";
  }
  {
    auto w = Writer();
    {
      auto dropped = w->Open("a.txt");
      ASSERT_TRUE(dropped.ok());
    }
    EXPECT_FALSE(w->Finish().ok()) << "a file dropped without Close";
  }
}

TEST_F(ZipWriterTest, MissingBlobAndCancellationFail) {
  auto w = Writer();
  EXPECT_EQ(w->AddBlob("x.png", std::string(64, 'a')).code(), StatusCode::kNotFound);
  EXPECT_FALSE(w->Finish().ok());

  auto c = Writer();
  cancel_ = true;
  EXPECT_TRUE(c->cancelled());
  EXPECT_EQ(c->AddBytes("a.txt", "x").code(), StatusCode::kCancelled);
}

}  // namespace
}  // namespace easel::labeling
