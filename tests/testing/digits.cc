#include "testing/digits.h"

#include <archive.h>
#include <archive_entry.h>

#include <cstdio>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <sstream>
#include <vector>

#include "testing/real_data.h"

namespace easel::testing {

std::string Zip(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string out;
  struct archive* a = archive_write_new();
  archive_write_set_format_zip(a);
  archive_write_open(
      a, &out, nullptr,
      [](struct archive*, void* ctx, const void* buf, size_t n) -> la_ssize_t {
        static_cast<std::string*>(ctx)->append(static_cast<const char*>(buf), n);
        return static_cast<la_ssize_t>(n);
      },
      nullptr);
  for (const auto& [name, data] : entries) {
    struct archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_write_header(a, e);
    archive_write_data(a, data.data(), data.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

std::string DigitsZip(int first) {
  std::vector<std::pair<std::string, std::string>> entries;
  FILE* in = ::popen(("gzip -dc " + (kSklearnData / "digits.csv.gz").string()).c_str(), "r");
  char line[1024];
  for (int row = 0; row < first && std::fgets(line, sizeof line, in) != nullptr; ++row) {
    std::vector<int> v;
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, ',');) v.push_back(std::stoi(cell));
    cv::Mat small(8, 8, CV_8UC1), big;
    for (int i = 0; i < 64; ++i) small.at<uint8_t>(i / 8, i % 8) = static_cast<uint8_t>(v[i] * 15);
    cv::resize(small, big, cv::Size(16, 16), 0, 0, cv::INTER_NEAREST);
    std::vector<uint8_t> png;
    cv::imencode(".png", big, png);
    char name[64];
    std::snprintf(name, sizeof name, "%d/%04d.png", v[64], row);
    entries.emplace_back(name, std::string(png.begin(), png.end()));
  }
  ::pclose(in);
  return Zip(entries);
}

}  // namespace easel::testing
