#include "train/trainers/testing/sklearn_problems.h"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

namespace easel::train::testing {

namespace {

const char kDataDir[] = "/usr/lib/python3/dist-packages/sklearn/datasets/data/";

[[noreturn]] void Die(const std::string& what) {
  std::cerr << "trainer test data: " << what << " (is python3-sklearn installed?)\n";
  std::abort();
}

std::vector<std::vector<float>> ParseRows(std::istream& in, char sep) {
  std::vector<std::vector<float>> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (sep != ' ') {
      for (char& c : line) c = c == sep ? ' ' : c;
    }
    std::istringstream fields(line);
    std::vector<float> row;
    for (float v; fields >> v;) row.push_back(v);
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string Gunzip(const std::string& path) {
  FILE* pipe = popen(("gzip -dc " + path).c_str(), "r");
  if (pipe == nullptr) Die("cannot run gzip on " + path);
  std::string out;
  char buf[1 << 14];
  for (size_t n; (n = fread(buf, 1, sizeof(buf), pipe)) > 0;) out.append(buf, n);
  if (pclose(pipe) != 0) Die("gzip failed on " + path);
  return out;
}

void AddRow(TabularSplit& s, const std::vector<float>& features, float label) {
  s.x.cols = features.size();
  s.x.data.insert(s.x.data.end(), features.begin(), features.end());
  s.x.rows++;
  s.y.push_back(label);
}

TabularProblem Split(Task task, std::vector<std::string> classes,
                     const std::vector<std::vector<float>>& x, const std::vector<float>& y) {
  TabularProblem p;
  p.task = task;
  p.classes = std::move(classes);
  for (size_t c = 0; c < x.at(0).size(); ++c) p.feature_names.push_back(fmt::format("x{}", c));
  for (size_t i = 0; i < x.size(); ++i) {
    TabularSplit& s = i % 5 == 0 ? p.test : i % 5 == 1 ? p.val : p.train;
    AddRow(s, x[i], y[i]);
  }
  return p;
}

// scikit-learn's "n_samples,n_features,class names..." CSVs with the class index last.
TabularProblem LoadClassification(const std::string& file, Task task) {
  std::ifstream in(kDataDir + file);
  std::string header;
  if (!std::getline(in, header)) Die("cannot read " + file);
  std::vector<std::string> fields;
  std::istringstream h(header);
  for (std::string f; std::getline(h, f, ',');) fields.push_back(f);
  std::vector<std::string> classes(fields.begin() + 2, fields.end());
  std::vector<std::vector<float>> x;
  std::vector<float> y;
  for (auto& row : ParseRows(in, ',')) {
    y.push_back(row.back());
    row.pop_back();
    x.push_back(std::move(row));
  }
  if (x.size() != std::stoul(fields.at(0))) Die("unexpected row count in " + file);
  return Split(task, classes, x, y);
}

}  // namespace

TabularProblem Iris() { return LoadClassification("iris.csv", Task::kMulticlass); }
TabularProblem Wine() { return LoadClassification("wine_data.csv", Task::kMulticlass); }
TabularProblem BreastCancer() { return LoadClassification("breast_cancer.csv", Task::kBinary); }

TabularProblem Diabetes() {
  std::istringstream data(Gunzip(std::string(kDataDir) + "diabetes_data_raw.csv.gz"));
  std::istringstream target(Gunzip(std::string(kDataDir) + "diabetes_target.csv.gz"));
  auto x = ParseRows(data, ' ');
  std::vector<float> y;
  for (const auto& row : ParseRows(target, ' ')) y.push_back(row.at(0));
  if (x.size() != 442 || y.size() != 442) Die("unexpected diabetes row count");
  return Split(Task::kRegression, {}, x, y);
}

}  // namespace easel::train::testing
