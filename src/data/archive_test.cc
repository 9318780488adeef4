#include "data/archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <random>

#include "testing/temp_dir.h"

namespace easel::data {
namespace {
namespace fs = std::filesystem;

enum class Format { kZip, kTarGz };

struct Spec {
  std::string name;
  std::string content;
  unsigned type = AE_IFREG;
  std::string symlink;   // target, for AE_IFLNK
  std::string hardlink;  // target, makes a hardlink entry
  uint64_t zeros = 0;    // appended zero bytes, written in chunks
};

// Writes an archive with libarchive's writer, exactly as given (no sanitizing).
void WriteArchive(const fs::path& path, Format format, const std::vector<Spec>& specs) {
  struct archive* a = archive_write_new();
  if (format == Format::kZip) {
    archive_write_set_format_zip(a);
  } else {
    archive_write_set_format_pax_restricted(a);
    archive_write_add_filter_gzip(a);
  }
  ASSERT_EQ(archive_write_open_filename(a, path.c_str()), ARCHIVE_OK) << archive_error_string(a);
  const std::string chunk(1 << 20, '\0');
  for (const Spec& s : specs) {
    struct archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, s.name.c_str());
    archive_entry_set_filetype(e, s.type);
    archive_entry_set_perm(e, 0644);
    if (!s.symlink.empty()) archive_entry_set_symlink(e, s.symlink.c_str());
    if (!s.hardlink.empty()) archive_entry_set_hardlink(e, s.hardlink.c_str());
    bool has_data = s.type == AE_IFREG && s.hardlink.empty();
    archive_entry_set_size(e, has_data ? static_cast<la_int64_t>(s.content.size() + s.zeros) : 0);
    ASSERT_EQ(archive_write_header(a, e), ARCHIVE_OK) << s.name << archive_error_string(a);
    if (has_data) {
      archive_write_data(a, s.content.data(), s.content.size());
      for (uint64_t left = s.zeros; left > 0;) {
        size_t n = std::min<uint64_t>(left, chunk.size());
        ASSERT_EQ(archive_write_data(a, chunk.data(), n), static_cast<la_ssize_t>(n));
        left -= n;
      }
    }
    archive_entry_free(e);
  }
  ASSERT_EQ(archive_write_close(a), ARCHIVE_OK);
  archive_write_free(a);
}

std::string RandomBytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class ArchiveTest : public ::testing::Test {
 protected:
  void SetUp() override { blobs_ = std::move(*store::BlobStore::Open(dir_.path() / "data")); }
  fs::path Path(const std::string& name) { return dir_.path() / name; }
  // path -> content of every extracted entry.
  std::map<std::string, std::string> Contents(const ExtractReport& r) {
    std::map<std::string, std::string> out;
    for (const auto& e : r.entries) out[e.path] = *blobs_->ReadAll(e.digest);
    return out;
  }
  testing::TempDir dir_;
  std::unique_ptr<store::BlobStore> blobs_;
};

TEST_F(ArchiveTest, NestedFoldersRoundTripExactBytes) {
  const std::string big = RandomBytes(700'000, 1);  // several read chunks, NULs included
  for (Format f : {Format::kZip, Format::kTarGz}) {
    fs::path p = Path(f == Format::kZip ? "ok.zip" : "ok.tar.gz");
    WriteArchive(p, f,
                 {{"top.txt", "hello\n"},
                  {"a/", "", AE_IFDIR},
                  {"a/b/c.bin", big},
                  {"./d/e.txt", "e"},
                  {"empty", ""}});
    auto r = ExtractToBlobs(p, *blobs_);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(r->rejected.empty());
    ASSERT_EQ(r->entries.size(), 4u);
    EXPECT_EQ(r->entries[1].path, "a/b/c.bin");
    EXPECT_EQ(r->entries[1].size, big.size());
    std::map<std::string, std::string> want = {
        {"top.txt", "hello\n"}, {"a/b/c.bin", big}, {"d/e.txt", "e"}, {"empty", ""}};
    EXPECT_EQ(Contents(*r), want);
  }
}

TEST_F(ArchiveTest, UnsafeEntriesRejectedSafeOnesKept) {
  fs::path p = Path("evil.tar.gz");
  std::string deep;
  for (int i = 0; i < 33; ++i) deep += "d/";
  WriteArchive(p, Format::kTarGz,
               {{"ok1", "one"},
                {"../evil", "x"},
                {"sub/../../evil2", "x"},
                {"/etc/passwd", "x"},
                {"a\\b", "x"},
                {"ctl\x01name", "x"},
                {"link", "", AE_IFLNK, "/etc/passwd"},
                {"hard", "", AE_IFREG, "", "ok1"},
                {"dev", "", AE_IFCHR},
                {"fifo", "", AE_IFIFO},
                {"ok1", "again"},
                {deep + "f", "x"},
                {std::string(1100, 'n'), "x"},
                {"dir/ok2", "two"}});
  auto r = ExtractToBlobs(p, *blobs_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::map<std::string, std::string> want = {{"ok1", "one"}, {"dir/ok2", "two"}};
  EXPECT_EQ(Contents(*r), want);
  std::map<std::string, std::string> reasons;
  for (const auto& rej : r->rejected) reasons[rej.name.substr(0, 20)] = rej.reason;
  EXPECT_EQ(reasons["../evil"], "'..' segment");
  EXPECT_EQ(reasons["sub/../../evil2"], "'..' segment");
  EXPECT_EQ(reasons["/etc/passwd"], "absolute path");
  EXPECT_EQ(reasons["a\\b"], "backslash in name");
  EXPECT_EQ(reasons["ctl\\x01name"], "control character in name");
  EXPECT_EQ(reasons["link"], "symlink");
  EXPECT_EQ(reasons["hard"], "hardlink");
  EXPECT_EQ(reasons["dev"], "device");
  EXPECT_EQ(reasons["fifo"], "fifo");
  EXPECT_EQ(reasons["ok1"], "duplicate path");
  EXPECT_EQ(reasons[deep.substr(0, 20)], "deeper than 32 segments");
  EXPECT_EQ(reasons[std::string(20, 'n')], "path longer than 1024 bytes");
  EXPECT_EQ(r->rejected.size(), 12u);
}

TEST_F(ArchiveTest, UnsafeZipEntriesRejected) {
  fs::path p = Path("evil.zip");
  WriteArchive(p, Format::kZip,
               {{"../evil", "x"},
                {"/abs", "x"},
                {"link", "", AE_IFLNK, "../../etc"},
                {"good/file", "g"},
                {"good//file", "dup"}});
  auto r = ExtractToBlobs(p, *blobs_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Contents(*r), (std::map<std::string, std::string>{{"good/file", "g"}}));
  ASSERT_EQ(r->rejected.size(), 4u);
  EXPECT_EQ(r->rejected[0].reason, "'..' segment");
  EXPECT_EQ(r->rejected[1].reason, "absolute path");
  EXPECT_EQ(r->rejected[2].reason, "symlink");
  EXPECT_EQ(r->rejected[3].reason, "duplicate path");
}

TEST_F(ArchiveTest, EntryCountLimitIsAHardStop) {
  std::vector<Spec> specs;
  for (int i = 0; i < 101; ++i) specs.push_back({"f" + std::to_string(i), "x"});
  fs::path p = Path("many.zip");
  WriteArchive(p, Format::kZip, specs);
  ArchiveLimits limits;
  limits.max_entries = 100;
  auto r = ExtractToBlobs(p, *blobs_, limits);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(r.status().message().find("max_entries"), std::string::npos);
  limits.max_entries = 101;
  auto ok = ExtractToBlobs(p, *blobs_, limits);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->entries.size(), 101u);
}

TEST_F(ArchiveTest, ZerosBombStopsBeforeWritingEverything) {
  constexpr uint64_t kBomb = 50'000'000;
  fs::path p = Path("bomb.tar.gz");
  WriteArchive(p, Format::kTarGz, {{"zeros", "", AE_IFREG, "", "", kBomb}});
  ASSERT_LT(fs::file_size(p), 200'000u);
  struct Case {
    ArchiveLimits limits;
    std::string limit_name;
  };
  std::vector<Case> cases(3);
  cases[0].limit_name = "max_ratio";  // defaults: ratio 200
  cases[1].limits.max_ratio = 1e9;
  cases[1].limits.max_total_bytes = 4'000'000;
  cases[1].limit_name = "max_total_bytes";
  cases[2].limits.max_ratio = 1e9;
  cases[2].limits.max_entry_bytes = 3'000'000;
  cases[2].limit_name = "max_entry_bytes";
  for (const Case& c : cases) {
    auto reader = ArchiveReader::Open(p, c.limits);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    auto entry = reader->Next();
    ASSERT_TRUE(entry.ok() && entry->has_value());
    uint64_t delivered = 0;
    Status s = reader->ReadContent([&](const char*, size_t n) {
      delivered += n;
      return OkStatus();
    });
    EXPECT_EQ(s.code(), StatusCode::kResourceExhausted) << c.limit_name;
    EXPECT_NE(s.message().find(c.limit_name), std::string::npos) << s.message();
    // The ratio allows 200 x the ~50 kB archive: about 10 MB of the 50 MB.
    const uint64_t allowed = std::min<uint64_t>(
        {c.limits.max_total_bytes, c.limits.max_entry_bytes, uint64_t(200 * fs::file_size(p))});
    EXPECT_LE(delivered, allowed) << c.limit_name;
    EXPECT_LT(delivered, kBomb / 4) << c.limit_name;
    EXPECT_EQ(reader->Next().status().code(), StatusCode::kResourceExhausted);
  }
  auto r = ExtractToBlobs(p, *blobs_);
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(fs::is_empty(dir_.path() / "data" / "tmp"));  // the partial blob is gone
}

TEST_F(ArchiveTest, NestedZipIsAPlainFile) {
  WriteArchive(Path("inner.zip"), Format::kZip, {{"secret/../../x", "inner"}});
  const std::string inner = Slurp(Path("inner.zip"));
  WriteArchive(Path("outer.zip"), Format::kZip, {{"pack/inner.zip", inner}});
  auto r = ExtractToBlobs(Path("outer.zip"), *blobs_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Contents(*r), (std::map<std::string, std::string>{{"pack/inner.zip", inner}}));
  EXPECT_TRUE(r->rejected.empty());
}

TEST_F(ArchiveTest, TruncatedOrCorruptArchiveIsInvalidArgument) {
  for (Format f : {Format::kZip, Format::kTarGz}) {
    fs::path p = Path(f == Format::kZip ? "t.zip" : "t.tar.gz");
    // Compressible content: flipped bytes inside incompressible (stored) deflate blocks of a
    // .gz go unnoticed, as libarchive does not check the gzip CRC there.
    std::string text;
    for (int i = 0; i < 40'000; ++i) text += "line " + std::to_string(i * 7919 % 10007) + "\n";
    WriteArchive(p, f, {{"a", text}, {"b", text + "b"}, {"c", RandomBytes(1000, 2)}});
    std::string bytes = Slurp(p);
    std::string corrupt = bytes;
    for (size_t i = bytes.size() / 3; i < bytes.size() / 3 + 64; ++i) corrupt[i] ^= 0x5a;
    for (const std::string& bad : {bytes.substr(0, bytes.size() / 2), corrupt}) {
      std::ofstream(p, std::ios::binary | std::ios::trunc) << bad;
      auto r = ExtractToBlobs(p, *blobs_);
      ASSERT_FALSE(r.ok()) << (f == Format::kZip ? "zip " : "tar.gz ") << bad.size();
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().ToString();
    }
  }
}

TEST_F(ArchiveTest, NonArchiveIsInvalidArgument) {
  std::ofstream(Path("plain.txt")) << "just some text, not an archive\n";
  std::ofstream(Path("empty.bin")).flush();
  for (const char* name : {"plain.txt", "empty.bin"}) {
    auto r = ArchiveReader::Open(Path(name));
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().message(), "not an archive");
  }
  EXPECT_EQ(ArchiveReader::Open(Path("missing.zip")).status().code(), StatusCode::kNotFound);
}

TEST_F(ArchiveTest, ContentIsReadAtMostOnce) {
  WriteArchive(Path("one.zip"), Format::kZip, {{"a", "abc"}});
  auto reader = ArchiveReader::Open(Path("one.zip"));
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE(reader->Next().ok());
  std::string got;
  auto sink = [&](const char* p, size_t n) {
    got.append(p, n);
    return OkStatus();
  };
  EXPECT_TRUE(reader->ReadContent(sink).ok());
  EXPECT_EQ(got, "abc");
  EXPECT_EQ(reader->ReadContent(sink).code(), StatusCode::kFailedPrecondition);
  auto end = reader->Next();
  ASSERT_TRUE(end.ok());
  EXPECT_FALSE(end->has_value());
}

TEST_F(ArchiveTest, AnArchiveWithNoEntriesIsEmptyNotCorrupt) {
  for (Format f : {Format::kZip, Format::kTarGz}) {
    fs::path p = Path(f == Format::kZip ? "none.zip" : "none.tar.gz");
    WriteArchive(p, f, {});
    auto reader = ArchiveReader::Open(p);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    for (int i = 0; i < 2; ++i) {  // the end stays the end
      auto end = reader->Next();
      ASSERT_TRUE(end.ok()) << end.status().ToString();
      EXPECT_FALSE(end->has_value());
    }
    auto r = ExtractToBlobs(p, *blobs_);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(r->entries.empty());
  }
}

TEST(NormalizeEntryPathTest, NormalizesAndRefuses) {
  ArchiveLimits l;
  EXPECT_EQ(*NormalizeEntryPath("./a/./b//c.jpg", l), "a/b/c.jpg");
  EXPECT_EQ(*NormalizeEntryPath("a/b/", l), "a/b");
  EXPECT_EQ(NormalizeEntryPath("./", l).status().message(), "empty name");
  EXPECT_EQ(NormalizeEntryPath("a/..", l).status().message(), "'..' segment");
  EXPECT_EQ(NormalizeEntryPath(std::string_view("a\0b", 3), l).status().message(),
            "control character in name");
  EXPECT_EQ(DisplayName("a\nb\x7f"), "a\\x0ab\\x7f");
}

}  // namespace
}  // namespace easel::data
