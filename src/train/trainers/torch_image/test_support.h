#pragma once
// Test helpers for the image_classifier trainer: fake hooks, and sklearn's digits (real data,
// from Debian's python3-sklearn) written as grayscale PNG files.

#include <atomic>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "train/trainer_api.h"

namespace easel::train::torch_image::testing {

// Records what a trainer reports; can cancel once `cancel_after_epochs` epochs were reported
// and `cancel_after_checks` more cancelled() calls were made (i.e. inside the next epoch).
class FakeHooks : public TrainHooks {
 public:
  bool cancelled() const override;
  void ReportEpoch(const EpochMetrics& metrics) override;
  void Log(std::string_view line) override;
  Status SaveCheckpoint(std::string_view bytes) override;
  Result<std::optional<std::string>> LoadCheckpoint() override;

  int cancel_after_epochs = -1;  // -1: never cancel
  int cancel_after_checks = 0;
  std::optional<std::string> checkpoint;
  std::vector<EpochMetrics> epochs;
  std::vector<std::string> logs;
  mutable std::atomic<int> checks_after{0};

  bool Logged(std::string_view needle) const;

 private:
  mutable std::mutex mu_;
};

// sklearn's digits: 1797 images of 8×8 pixels valued 0..16, labels 0..9.
struct Digits {
  std::vector<std::vector<uint8_t>> pixels;  // 64 values each, row-major
  std::vector<int> labels;
};
const Digits& LoadDigits();

// Writes digits[i] for each index as "<dir>/d<i>.png" (8-bit gray, value × 255 / 16) and
// returns the items (sample id "d<i>", its label).
std::vector<ImageItem> WriteDigits(const std::filesystem::path& dir,
                                   const std::vector<size_t>& indices);

// A deterministic split of all 1797 digits: index % 10 in {0, 1} test, {2} validation, the rest
// train (1257 / 180 / 360), written under `dir`.
ImageProblem DigitsProblem(const std::filesystem::path& dir);

// The first `n` digits of each split's rule, for fast tests: train/val/test sizes given.
ImageProblem SmallDigitsProblem(const std::filesystem::path& dir, size_t train, size_t val,
                                size_t test);

// Reads a whole gzip file (libarchive's raw format). Empty on failure.
std::string ReadGzip(const std::filesystem::path& path);

}  // namespace easel::train::torch_image::testing
