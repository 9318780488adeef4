#include "train/trainers/torch_tabular/testing.h"

#include <torch/cuda.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace easel::train::torch_tabular::testing_util {
namespace {

constexpr const char* kDataDir = "/usr/lib/python3/dist-packages/sklearn/datasets/data/";

std::vector<std::string> SplitOn(const std::string& line, char sep) {
  std::vector<std::string> out;
  std::stringstream in(line);
  std::string cell;
  if (sep == ' ') {
    while (in >> cell) out.push_back(cell);
  } else {
    while (std::getline(in, cell, sep)) out.push_back(cell);
  }
  return out;
}

// Rows of numbers from a text stream (`skip` header lines).
std::vector<std::vector<float>> ReadRows(std::istream& in, char sep, int skip) {
  std::vector<std::vector<float>> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (skip-- > 0 || line.empty()) continue;
    std::vector<float> row;
    for (const std::string& cell : SplitOn(line, sep)) row.push_back(std::stof(cell));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string Gunzip(const std::string& path) {
  std::string out;
  FILE* pipe = popen(("gzip -dc " + path).c_str(), "r");
  if (pipe == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) out.append(buf, n);
  pclose(pipe);
  return out;
}

// Splits rows (features then target in `targets`) by index and standardizes the features.
TabularProblem Split(const std::vector<std::vector<float>>& x, const std::vector<float>& y) {
  TabularProblem p;
  const size_t cols = x.empty() ? 0 : x[0].size();
  for (size_t c = 0; c < cols; ++c) p.feature_names.push_back("f" + std::to_string(c));
  std::vector<double> mean(cols, 0), sq(cols, 0);
  size_t n_train = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    if (i % 5 < 2) continue;
    ++n_train;
    for (size_t c = 0; c < cols; ++c) mean[c] += x[i][c];
  }
  for (size_t c = 0; c < cols; ++c) mean[c] /= static_cast<double>(n_train);
  for (size_t i = 0; i < x.size(); ++i) {
    if (i % 5 < 2) continue;
    for (size_t c = 0; c < cols; ++c) sq[c] += (x[i][c] - mean[c]) * (x[i][c] - mean[c]);
  }
  for (size_t i = 0; i < x.size(); ++i) {
    TabularSplit& s = i % 5 == 0 ? p.test : i % 5 == 1 ? p.val : p.train;
    for (size_t c = 0; c < cols; ++c) {
      const double std = std::sqrt(sq[c] / static_cast<double>(n_train));
      s.x.data.push_back(static_cast<float>((x[i][c] - mean[c]) / (std > 0 ? std : 1)));
    }
    s.x.cols = cols;
    ++s.x.rows;
    s.y.push_back(y[i]);
  }
  return p;
}

}  // namespace

bool FakeHooks::cancelled() const {
  ++asked_;
  if (cancel_after_saves >= 0 && saves >= cancel_after_saves) return true;
  return cancel_after_batches >= 0 && asked_ > cancel_after_batches;
}

Status FakeHooks::SaveCheckpoint(std::string_view bytes) {
  checkpoint = std::string(bytes);
  ++saves;
  return OkStatus();
}

Result<TabularProblem> LoadClassification(const std::string& file) {
  std::ifstream in(std::string(kDataDir) + file);
  std::string header;
  if (!std::getline(in, header)) return NotFound("cannot read " + file);
  std::vector<std::string> head = SplitOn(header, ',');
  std::vector<std::vector<float>> rows = ReadRows(in, ',', 0);
  std::vector<float> y;
  for (auto& row : rows) {
    y.push_back(row.back());
    row.pop_back();
  }
  TabularProblem p = Split(rows, y);
  p.classes.assign(head.begin() + 2, head.end());
  p.task = p.classes.size() == 2 ? Task::kBinary : Task::kMulticlass;
  return p;
}

Result<TabularProblem> LoadDiabetes() {
  std::istringstream x_text(Gunzip(std::string(kDataDir) + "diabetes_data_raw.csv.gz"));
  std::istringstream y_text(Gunzip(std::string(kDataDir) + "diabetes_target.csv.gz"));
  std::vector<std::vector<float>> x = ReadRows(x_text, ' ', 0);
  std::vector<float> y;
  for (const auto& row : ReadRows(y_text, ' ', 0)) y.push_back(row.at(0));
  if (x.empty() || x.size() != y.size()) return NotFound("cannot read the diabetes data");
  TabularProblem p = Split(x, y);
  p.task = Task::kRegression;
  return p;
}

std::vector<float> PredictSplit(const TabularPredictor& model, const TabularSplit& split) {
  Result<std::vector<float>> out = model.Predict(split.x);
  return out.ok() ? *out : std::vector<float>();
}

double Accuracy(const TabularPredictor& model, const TabularSplit& split) {
  std::vector<float> probs = PredictSplit(model, split);
  const size_t k = model.num_outputs();
  if (probs.size() != split.rows() * k) return 0;
  size_t right = 0;
  for (size_t i = 0; i < split.rows(); ++i) {
    size_t best = 0;
    for (size_t j = 1; j < k; ++j) {
      if (probs[i * k + j] > probs[i * k + best]) best = j;
    }
    right += best == static_cast<size_t>(split.y[i]);
  }
  return static_cast<double>(right) / static_cast<double>(split.rows());
}

double Rmse(const TabularPredictor& model, const TabularSplit& split) {
  std::vector<float> pred = PredictSplit(model, split);
  if (pred.size() != split.rows()) return INFINITY;
  double sq = 0;
  for (size_t i = 0; i < pred.size(); ++i) sq += (pred[i] - split.y[i]) * (pred[i] - split.y[i]);
  return std::sqrt(sq / static_cast<double>(pred.size()));
}

bool CudaAvailable() { return torch::cuda::is_available(); }

}  // namespace easel::train::torch_tabular::testing_util
