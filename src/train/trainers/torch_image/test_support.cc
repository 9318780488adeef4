#include "train/trainers/torch_image/test_support.h"

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <sstream>

namespace easel::train::torch_image::testing {

bool FakeHooks::cancelled() const {
  std::lock_guard lock(mu_);
  if (cancel_after_epochs < 0 || static_cast<int>(epochs.size()) < cancel_after_epochs) {
    return false;
  }
  return checks_after++ >= cancel_after_checks;
}

void FakeHooks::ReportEpoch(const EpochMetrics& metrics) {
  std::lock_guard lock(mu_);
  epochs.push_back(metrics);
}

void FakeHooks::Log(std::string_view line) {
  std::lock_guard lock(mu_);
  logs.emplace_back(line);
}

Status FakeHooks::SaveCheckpoint(std::string_view bytes) {
  checkpoint = std::string(bytes);
  return OkStatus();
}

Result<std::optional<std::string>> FakeHooks::LoadCheckpoint() { return checkpoint; }

bool FakeHooks::Logged(std::string_view needle) const {
  std::lock_guard lock(mu_);
  for (const std::string& line : logs) {
    if (line.find(needle) != std::string::npos) return true;
  }
  return false;
}

std::string ReadGzip(const std::filesystem::path& path) {
  archive* a = archive_read_new();
  archive_read_support_filter_gzip(a);
  archive_read_support_format_raw(a);
  std::string out;
  archive_entry* entry = nullptr;
  if (archive_read_open_filename(a, path.c_str(), 1 << 16) == ARCHIVE_OK &&
      archive_read_next_header(a, &entry) == ARCHIVE_OK) {
    char buf[1 << 16];
    la_ssize_t n;
    while ((n = archive_read_data(a, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  }
  archive_read_free(a);
  return out;
}

const Digits& LoadDigits() {
  static const Digits digits = [] {
    Digits d;
    std::istringstream csv(
        ReadGzip("/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz"));
    std::string line;
    while (std::getline(csv, line)) {
      std::vector<uint8_t> values;
      std::istringstream row(line);
      std::string cell;
      while (std::getline(row, cell, ',')) values.push_back(static_cast<uint8_t>(std::stod(cell)));
      if (values.size() != 65) continue;
      d.labels.push_back(values.back());
      values.pop_back();
      d.pixels.push_back(std::move(values));
    }
    return d;
  }();
  return digits;
}

std::vector<ImageItem> WriteDigits(const std::filesystem::path& dir,
                                   const std::vector<size_t>& indices) {
  const Digits& digits = LoadDigits();
  std::vector<ImageItem> items;
  for (size_t i : indices) {
    cv::Mat image(8, 8, CV_8UC1);
    for (int p = 0; p < 64; ++p)
      image.data[p] = static_cast<uint8_t>(digits.pixels[i][p] * 255 / 16);
    std::string id = fmt::format("d{}", i);
    std::filesystem::path path = dir / (id + ".png");
    cv::imwrite(path.string(), image);
    items.push_back(ImageItem{.sample_id = id, .path = path.string(), .label = digits.labels[i]});
  }
  return items;
}

namespace {

std::vector<std::string> DigitClasses() {
  std::vector<std::string> classes;
  for (int c = 0; c < 10; ++c) classes.push_back(std::to_string(c));
  return classes;
}

}  // namespace

ImageProblem SmallDigitsProblem(const std::filesystem::path& dir, size_t train, size_t val,
                                size_t test) {
  const size_t n = LoadDigits().labels.size();
  std::vector<size_t> train_ids, val_ids, test_ids;
  for (size_t i = 0; i < n; ++i) {
    size_t r = i % 10;
    if (r <= 1) {
      if (test_ids.size() < test) test_ids.push_back(i);
    } else if (r == 2) {
      if (val_ids.size() < val) val_ids.push_back(i);
    } else if (train_ids.size() < train) {
      train_ids.push_back(i);
    }
  }
  ImageProblem problem;
  problem.classes = DigitClasses();
  problem.train = WriteDigits(dir, train_ids);
  problem.val = WriteDigits(dir, val_ids);
  problem.test = WriteDigits(dir, test_ids);
  return problem;
}

ImageProblem DigitsProblem(const std::filesystem::path& dir) {
  return SmallDigitsProblem(dir, SIZE_MAX, SIZE_MAX, SIZE_MAX);
}

}  // namespace easel::train::torch_image::testing
