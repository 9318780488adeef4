#pragma once
// Test helpers every tabular trainer shares: scikit-learn's bundled real datasets
// (python3-sklearn) as TabularProblems, and TrainHooks that record what a trainer reports.

#include <optional>
#include <string>
#include <vector>

#include "train/trainer_api.h"

namespace easel::train::testing {

// Row i goes to test when i % 5 == 0, to val when i % 5 == 1, else to train (the same split
// the Python reference numbers in the trainers' tests use); features x0, x1... as the files
// hold them. Aborts the test binary when the files of python3-sklearn are missing.
TabularProblem Iris();          // 150 x 4, 3 classes
TabularProblem Wine();          // 178 x 13, 3 classes
TabularProblem BreastCancer();  // 569 x 30, binary
TabularProblem Diabetes();      // 442 x 10, regression

class FakeHooks : public TrainHooks {
 public:
  // cancelled() turns true once this many epochs have been reported (-1: never).
  int cancel_after_epochs = -1;
  std::vector<EpochMetrics> epochs;
  std::vector<std::string> logs;
  std::optional<std::string> checkpoint;
  int saves = 0;

  bool cancelled() const override {
    return cancel_after_epochs >= 0 && epochs.size() >= static_cast<size_t>(cancel_after_epochs);
  }
  void ReportEpoch(const EpochMetrics& m) override { epochs.push_back(m); }
  void Log(std::string_view line) override { logs.emplace_back(line); }
  Status SaveCheckpoint(std::string_view bytes) override {
    checkpoint = std::string(bytes);
    ++saves;
    return OkStatus();
  }
  Result<std::optional<std::string>> LoadCheckpoint() override { return checkpoint; }
};

}  // namespace easel::train::testing
