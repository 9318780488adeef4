// How fast does easel's extra_trees trainer grow a forest, and how good is it, against
// scikit-learn's ExtraTreesClassifier on the same rows in the same run? Both grow 300 trees on
// bootstrap samples with the same features tried per split. easel's side also scores every row
// out of bag and fits its calibration power (ten times, once per reported epoch), which the
// Python side does not do.
//
//   easel_forest_bench [--threads 2] [--repeat 3] [--quick] [--python /usr/bin/python3]
//                      [--script bench/forest_reference.py]
//
// Data: sklearn's breast cancer (569 x 30, 2 classes) and digits (1797 x 64, 10 classes),
// written out by the reference script; rows i % 5 == 0 are the test rows, the rest train.
// Sides alternate (easel, Python, easel, ...) and the best time of each is compared; --quick
// runs each side once.

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/json.h"
#include "run_guarded.h"
#include "train/trainers/forest/extra_trees.h"

#ifndef EASEL_FOREST_REFERENCE_PY
#define EASEL_FOREST_REFERENCE_PY "bench/forest_reference.py"
#endif

namespace easel::bench {
namespace {

using Clock = std::chrono::steady_clock;
using train::TabularProblem;

struct Options {
  int threads = 2;
  int repeat = 3;
  std::string python = "/usr/bin/python3";
  std::string script = EASEL_FOREST_REFERENCE_PY;
};

class NoHooks : public train::TrainHooks {
 public:
  bool cancelled() const override { return false; }
  void ReportEpoch(const train::EpochMetrics&) override {}
  void Log(std::string_view) override {}
  Status SaveCheckpoint(std::string_view) override { return OkStatus(); }
  Result<std::optional<std::string>> LoadCheckpoint() override {
    return std::optional<std::string>();
  }
};

std::string Run(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run: " + command);
  std::string out;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
  if (pclose(pipe) != 0) throw std::runtime_error("failed: " + command + "\n" + out);
  return out;
}

TabularProblem Read(const std::string& path) {
  std::ifstream in(path);
  TabularProblem p;
  int classes = 0;
  std::string line;
  for (size_t i = 0; std::getline(in, line); ++i) {
    std::istringstream fields(line);
    std::vector<float> row;
    for (float v; fields >> v;) row.push_back(v);
    const float label = row.back();
    row.pop_back();
    classes = std::max(classes, static_cast<int>(label) + 1);
    train::TabularSplit& s = i % 5 == 0 ? p.test : p.train;
    s.x.cols = row.size();
    s.x.data.insert(s.x.data.end(), row.begin(), row.end());
    ++s.x.rows;
    s.y.push_back(label);
  }
  if (p.train.rows() == 0) throw std::runtime_error(path + " holds no rows");
  p.task = classes == 2 ? train::Task::kBinary : train::Task::kMulticlass;
  for (int k = 0; k < classes; ++k) p.classes.push_back(fmt::format("c{}", k));
  for (size_t j = 0; j < p.train.x.cols; ++j) p.feature_names.push_back(fmt::format("f{}", j));
  return p;
}

struct Side {
  double seconds = INFINITY;
  double accuracy = 0;
  double log_loss = 0;
};

void Score(const train::TabularPredictor& model, const train::TabularSplit& test, Side& side) {
  std::vector<float> p = model.Predict(test.x).value();
  const size_t k = model.num_outputs();
  double hits = 0, loss = 0;
  for (size_t r = 0; r < test.rows(); ++r) {
    auto row = p.begin() + r * k;
    const auto label = static_cast<size_t>(test.y[r]);
    hits += static_cast<size_t>(std::max_element(row, row + k) - row) == label;
    loss -= std::log(std::max(1e-15, double(row[label])));
  }
  side.accuracy = hits / test.rows();
  side.log_loss = loss / test.rows();
}

void Bench(const Options& o, const std::string& dataset, const std::string& features) {
  const std::string path = fmt::format("/tmp/easel_forest_bench_{}_{}.txt", dataset, getpid());
  Run(fmt::format("{} {} data {} {}", o.python, o.script, dataset, path));
  const TabularProblem p = Read(path);
  const Json params = {{"n_estimators", 300},
                       {"max_features", features == "sqrt" ? 0.0 : std::stod(features)}};
  Side easel, python;
  for (int i = 0; i < o.repeat; ++i) {
    NoHooks hooks;
    const auto start = Clock::now();
    Result<train::ModelFiles> files =
        train::forest::Train(p, params, i, {.threads = o.threads}, hooks);
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (!files.ok()) throw std::runtime_error(files.status().ToString());
    easel.seconds = std::min(easel.seconds, seconds);
    Score(*train::forest::Load(*files).value(), p.test, easel);
    const Json r = Json::parse(
        Run(fmt::format("{} {} fit {} {} {} 1", o.python, o.script, path, features, o.threads)));
    python.seconds = std::min(python.seconds, r.at("seconds").get<double>());
    python.accuracy = r.at("accuracy");
    python.log_loss = r.at("log_loss");
  }
  std::remove(path.c_str());
  std::printf("  %-14s %-13s %9.3f %9.3f %7.2f   %.4f / %.3f     %.4f / %.3f\n", dataset.c_str(),
              features.c_str(), easel.seconds, python.seconds, python.seconds / easel.seconds,
              easel.accuracy, easel.log_loss, python.accuracy, python.log_loss);
  std::fflush(stdout);
}

int Main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--threads") {
      o.threads = std::stoi(value());
    } else if (a == "--repeat") {
      o.repeat = std::max(1, std::stoi(value()));
    } else if (a == "--quick") {
      o.repeat = 1;
    } else if (a == "--python") {
      o.python = value();
    } else if (a == "--script") {
      o.script = value();
    } else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return 2;
    }
  }
  std::printf(
      "extra trees: 300 trees on bootstrap samples, %d thread(s), best of %d; test rows i %% 5 "
      "== 0\n",
      o.threads, o.repeat);
  std::printf("  %-14s %-13s %9s %9s %7s   %-17s %-17s\n", "dataset", "max_features", "easel s",
              "sklearn s", "speed", "easel acc / ll", "sklearn acc / ll");
  for (const char* dataset : {"breast_cancer", "digits"}) {
    for (const char* features : {"sqrt", "1.0"}) Bench(o, dataset, features);
  }
  std::printf(
      "  (speed = sklearn's time / easel's; easel's probabilities are calibrated out of "
      "bag, sklearn's are the raw leaf frequencies)\n");
  return 0;
}

}  // namespace
}  // namespace easel::bench

int main(int argc, char** argv) {
  return easel::bench::RunGuarded("easel_forest_bench",
                                  [&] { return easel::bench::Main(argc, argv); });
}
