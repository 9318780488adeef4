#pragma once
// Test helpers for torch_tabular: fake hooks and scikit-learn's bundled datasets as problems.

#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "train/trainer_api.h"

namespace easel::train::torch_tabular::testing_util {

// Records what a trainer reports; cancels on demand; keeps the last checkpoint.
class FakeHooks : public TrainHooks {
 public:
  int cancel_after_saves = -1;    // cancelled() once this many checkpoints were saved
  int cancel_after_batches = -1;  // cancelled() from the (n+1)th question on
  std::optional<std::string> checkpoint;
  std::vector<EpochMetrics> epochs;
  int saves = 0;
  std::string log;

  bool cancelled() const override;
  void ReportEpoch(const EpochMetrics& metrics) override { epochs.push_back(metrics); }
  void Log(std::string_view line) override { log.append(line).append("\n"); }
  Status SaveCheckpoint(std::string_view bytes) override;
  Result<std::optional<std::string>> LoadCheckpoint() override { return checkpoint; }

 private:
  mutable int asked_ = 0;
};

// A classification CSV of sklearn/datasets/data (first line: rows, columns, class names),
// split by row index (i % 5 == 0 test, == 1 validation, else train), features named f0, f1...
// and standardized with the training rows' statistics. Two classes make a binary problem.
Result<TabularProblem> LoadClassification(const std::string& file);
// The diabetes regression data, split and standardized the same way.
Result<TabularProblem> LoadDiabetes();

std::vector<float> PredictSplit(const TabularPredictor& model, const TabularSplit& split);
double Accuracy(const TabularPredictor& model, const TabularSplit& split);
double Rmse(const TabularPredictor& model, const TabularSplit& split);
bool CudaAvailable();

}  // namespace easel::train::torch_tabular::testing_util
