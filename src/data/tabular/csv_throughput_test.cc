// The CSV parser's throughput on a generated 1,000,000-row file, against `sha256sum` of the
// same file in the same run (the anchor: what this machine does reading and hashing those
// bytes). A benchmark, not a test: it is disabled, run it with
//   easel_data_tabular_test --gtest_also_run_disabled_tests --gtest_filter='*Throughput*'
// Both sides read the file from the page cache, alternate three times, and keep the median.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>

#include "data/stats.h"
#include "data/tabular/csv.h"
#include "data/tabular/importers.h"
#include "data/tabular/test_fakes.h"
#include "testing/temp_dir.h"

namespace easel::data {
namespace {

namespace fs = std::filesystem;

// id, a float, an integer, a category, a timestamp and a short text (sometimes quoted, with a
// comma or a doubled quote inside): about 80 bytes a row.
void WriteCsv(const fs::path& path, int rows) {
  std::ofstream out(path, std::ios::binary);
  std::mt19937_64 rng(7);
  const char* kCategories[] = {"red", "green", "blue", "cyan", "magenta"};
  out << "id,score,count,color,time,comment\n";
  char buf[256];
  for (int i = 0; i < rows; ++i) {
    double score = static_cast<double>(rng() % 1'000'000) / 1000.0;
    int n = snprintf(buf, sizeof buf, "%d,%.3f,%llu,%s,2024-%02d-%02dT%02d:%02d:00Z,", i, score,
                     static_cast<unsigned long long>(rng() % 100'000), kCategories[rng() % 5],
                     static_cast<int>(rng() % 12 + 1), static_cast<int>(rng() % 28 + 1),
                     static_cast<int>(rng() % 24), static_cast<int>(rng() % 60));
    out.write(buf, n);
    switch (rng() % 4) {
      case 0:
        out << "\"quoted, with a comma\"\n";
        break;
      case 1:
        out << "\"she said \"\"hi\"\"\"\n";
        break;
      default:
        out << "plain text here\n";
    }
  }
}

// Drops the samples (optionally into statistics) instead of keeping them.
class CountingSink : public fakes::FakeImportSink {
 public:
  Status Add(Sample sample) override {
    ++rows;
    if (stats) stats->Add(sample);
    return OkStatus();
  }
  uint64_t rows = 0;
  std::unique_ptr<StatsBuilder> stats;
};

double Seconds(const std::function<void()>& fn) {
  auto start = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

TEST(CsvParser, DISABLED_Throughput) {
  testing::TempDir dir;
  const fs::path path = dir.path() / "bench.csv";
  const int kRows = 1'000'000;
  WriteCsv(path, kRows);
  const double mb = static_cast<double>(fs::file_size(path)) / 1e6;

  auto parse = [&] {
    CsvParser parser({.file_name = "bench.csv"});
    uint64_t cells = 0;
    auto fn = [&](const CsvRecord& r) {
      cells += r.fields.size();
      return OkStatus();
    };
    std::FILE* f = std::fopen(path.c_str(), "rb");
    ASSERT_NE(f, nullptr);
    std::vector<char> buf(1 << 20);
    size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) {
      ASSERT_TRUE(parser.Feed(std::string_view(buf.data(), n), fn).ok());
    }
    std::fclose(f);
    ASSERT_TRUE(parser.Finish(fn).ok());
    ASSERT_EQ(cells, uint64_t{kRows + 1} * 6);
  };
  const std::string sha = "sha256sum '" + path.string() + "' > /dev/null";
  std::vector<double> easel, anchor;
  parse();  // warm the page cache
  for (int round = 0; round < 3; ++round) {
    easel.push_back(Seconds(parse));
    anchor.push_back(Seconds([&] { ASSERT_EQ(std::system(sha.c_str()), 0); }));
  }
  std::sort(easel.begin(), easel.end());
  std::sort(anchor.begin(), anchor.end());
  const double easel_mbs = mb / easel[1], anchor_mbs = mb / anchor[1];
  std::printf(
      "csv parse: %.1f MB in %.3f s = %.0f MB/s; sha256sum: %.3f s = %.0f MB/s; "
      "ratio %.2f\n",
      mb, easel[1], easel_mbs, anchor[1], anchor_mbs, easel_mbs / anchor_mbs);

  auto blobs = std::move(*store::BlobStore::Open(dir.path() / "data"));
  auto info = blobs->PutFile(path);
  ASSERT_TRUE(info.ok());
  SourceFiles files(*blobs, {{"bench.csv", info->digest, info->size}});
  for (bool with_stats : {false, true}) {
    CountingSink sink;
    if (with_stats) {
      sink.stats = MakeRecordStats(DatasetType::kTabular,
                                   {"id", "score", "count", "color", "time", "comment"});
    }
    const double s = Seconds([&] {
      ASSERT_TRUE(ImportCsv(files, DatasetType::kTabular, Json(), sink).ok());
      if (with_stats) sink.stats->Finish();
    });
    ASSERT_EQ(sink.rows, uint64_t{kRows});
    std::printf("csv import%s: %.3f s = %.0f MB/s (%.2f of sha256sum)\n",
                with_stats ? " + record stats" : "", s, mb / s, mb / s / anchor_mbs);
  }
}

}  // namespace
}  // namespace easel::data
