// The real data test: scikit-learn's 1,797 handwritten digits (Debian's python3-sklearn ships
// them as digits.csv.gz: 64 pixel values 0..16 and the digit per line), written as 8x8 PNGs in
// an image-folder layout and imported like an upload.
#include <archive.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <sstream>

#include "data/images/test_support.h"
#include "data/stats.h"

namespace easel::data {
namespace {

constexpr const char* kDigits =
    "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz";

// The decompressed file, through libarchive's raw format and gzip filter.
std::string Gunzip(const char* path) {
  struct archive* a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_raw(a);
  std::string out;
  struct archive_entry* entry = nullptr;
  if (archive_read_open_filename(a, path, 1 << 16) == ARCHIVE_OK &&
      archive_read_next_header(a, &entry) == ARCHIVE_OK) {
    char buf[1 << 16];
    la_ssize_t n;
    while ((n = archive_read_data(a, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  }
  archive_read_free(a);
  return out;
}

TEST(RealDigitsTest, ImportsTheSklearnDigitsAsAnImageFolder) {
  if (!std::filesystem::exists(kDigits)) {
    GTEST_SKIP() << kDigits << " is absent: install Debian's python3-sklearn to run this test";
  }
  std::string csv = Gunzip(kDigits);
  ASSERT_FALSE(csv.empty());
  testing::Upload upload;
  std::istringstream lines(csv);
  std::string line;
  int index = 0;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    std::vector<int> values;
    std::stringstream cells(line);
    std::string cell;
    while (std::getline(cells, cell, ',')) values.push_back(std::stoi(cell));
    ASSERT_EQ(values.size(), 65u) << "line " << index + 1;
    cv::Mat img(8, 8, CV_8UC1);
    for (int i = 0; i < 64; ++i) {
      img.at<unsigned char>(i / 8, i % 8) = static_cast<unsigned char>((values[i] * 255 + 8) / 16);
    }
    std::vector<unsigned char> png;
    ASSERT_TRUE(cv::imencode(".png", img, png));
    upload.Add("digits/" + std::to_string(values[64]) + "/" + std::to_string(index++) + ".png",
               std::string(png.begin(), png.end()));
  }
  testing::RecordingSink sink;
  Status s = upload.Import("image_folder", DatasetType::kImageClassification, sink);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(sink.rejected.empty());
  ASSERT_EQ(sink.samples.size(), 1797u);

  auto stats = MakeImageStats(DatasetType::kImageClassification);
  for (const Sample& sample : sink.samples) stats->Add(sample);
  Json got = stats->Finish();
  EXPECT_EQ(got["class_counts"], (Json{{"0", 178},
                                       {"1", 182},
                                       {"2", 177},
                                       {"3", 183},
                                       {"4", 181},
                                       {"5", 182},
                                       {"6", 181},
                                       {"7", 179},
                                       {"8", 174},
                                       {"9", 180}}));
  EXPECT_EQ(got["images"]["width"], (Json{{"min", 8}, {"max", 8}, {"mean", 8.0}}));
  EXPECT_EQ(got["images"]["formats"], (Json{{"png", 1797}}));
}

}  // namespace
}  // namespace easel::data
