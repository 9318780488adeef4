// How fast does easel's xgboost trainer train, against Python XGBoost on the same data with the
// same parameters, in the same run? Both sides use the one libxgboost Debian ships, so the
// ratio is the cost of easel's trainer around it: input checks, per-round reconfiguration (for
// resumable sampling), per-round evaluation and val accuracy, checkpoints, and the SHAP
// summary, importance and JSON model at the end (the Python side evaluates train and val each
// round but computes none of the rest).
//
//   easel_xgboost_bench [--rows 200000] [--rounds 100] [--threads 2] [--repeat 2] [--quick]
//                       [--python /usr/bin/python3] [--script bench/xgboost_reference.py]
//
// Data: 30 synthetic features (correlated Gaussians, skewed counts, categorical codes, a
// uniform, two with missing values), a binary label from a non-linear function plus noise;
// generated deterministically, written once to a file that both sides read. 80/10/10 split.
// Sides alternate (easel, Python, easel, Python...) and the best time of each is compared.

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <string>
#include <vector>

#include "common/json.h"
#include "run_guarded.h"
#include "train/trainers/xgboost/xgboost_trainer.h"

#ifndef EASEL_XGBOOST_REFERENCE_PY
#define EASEL_XGBOOST_REFERENCE_PY "bench/xgboost_reference.py"
#endif

namespace easel::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using train::TabularProblem;
using train::TabularSplit;

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

struct Options {
  size_t rows = 200000;
  int rounds = 100;
  int threads = 2;
  int repeat = 2;
  std::string python = "/usr/bin/python3";
  std::string script = EASEL_XGBOOST_REFERENCE_PY;
};

class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t Next() {
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double Uniform() { return (Next() >> 11) * 0x1.0p-53; }
  double Gauss() {
    return std::sqrt(-2 * std::log(1 - Uniform())) * std::cos(2 * std::numbers::pi * Uniform());
  }

 private:
  uint64_t s_;
};

TabularProblem MakeProblem(size_t rows) {
  constexpr size_t kCols = 30;
  TabularProblem p;
  p.task = train::Task::kBinary;
  p.classes = {"no", "yes"};
  for (size_t c = 0; c < kCols; ++c) p.feature_names.push_back(fmt::format("f{}", c));
  Rng rng(20240601);
  const size_t n_train = rows * 8 / 10, n_val = rows / 10;
  for (size_t i = 0; i < rows; ++i) {
    TabularSplit& s = i < n_train ? p.train : i < n_train + n_val ? p.val : p.test;
    float f[kCols];
    double latent[4];
    for (double& l : latent) l = rng.Gauss();
    for (size_t j = 0; j < 20; ++j)
      f[j] = static_cast<float>(0.6 * latent[j % 4] + 0.8 * rng.Gauss());
    for (size_t j = 20; j < 25; ++j)
      f[j] = std::min(500.0, std::floor(std::exp(1.5 * rng.Gauss())));
    for (size_t j = 25; j < 28; ++j) f[j] = static_cast<float>(rng.Next() % 10);
    f[28] = static_cast<float>(rng.Uniform());
    f[29] = static_cast<float>(rng.Gauss());
    double logit = 1.2 * f[0] - 0.8 * f[1] * f[2] + std::sin(2 * f[3]) + 0.5 * (f[25] == 3) +
                   0.3 * std::log1p(f[20]) - 0.7 * (f[28] > 0.7) + 0.4 * f[29] + rng.Gauss();
    if (rng.Uniform() < 0.05) f[29] = NAN;
    if (rng.Uniform() < 0.02) f[5] = NAN;
    s.x.data.insert(s.x.data.end(), f, f + kCols);
    s.x.rows++;
    s.x.cols = kCols;
    s.y.push_back(logit > 0 ? 1.0f : 0.0f);
  }
  return p;
}

void WriteData(const fs::path& path, const TabularProblem& p) {
  std::ofstream out(path, std::ios::binary);
  out.write("EASELXGB", 8);
  uint64_t header[4] = {p.train.rows(), p.val.rows(), p.test.rows(), p.feature_names.size()};
  out.write(reinterpret_cast<const char*>(header), sizeof(header));
  for (const TabularSplit* s : {&p.train, &p.val, &p.test}) {
    out.write(reinterpret_cast<const char*>(s->x.data.data()), s->x.data.size() * sizeof(float));
    out.write(reinterpret_cast<const char*>(s->y.data()), s->y.size() * sizeof(float));
  }
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

// Records when rounds end and what checkpoints cost (the time from the round's report to the
// save: XGBoost serializing the model).
class TimingHooks : public train::TrainHooks {
 public:
  Clock::time_point first_epoch, last_epoch;
  double last_val_loss = NAN;
  int epochs = 0;
  std::vector<std::string> checkpoints;  // one line each

  bool cancelled() const override { return false; }
  void ReportEpoch(const train::EpochMetrics& m) override {
    last_epoch = Clock::now();
    if (epochs++ == 0) first_epoch = last_epoch;
    last_val_loss = m.val_loss;
  }
  void Log(std::string_view line) override {
    if (line.find("kept") != std::string_view::npos) fmt::print("          {}\n", line);
  }
  Status SaveCheckpoint(std::string_view bytes) override {
    checkpoints.push_back(fmt::format("after round {}: {:.2f} MB in {:.1f} ms", epochs,
                                      bytes.size() / 1e6, Since(last_epoch) * 1e3));
    return OkStatus();
  }
  Result<std::optional<std::string>> LoadCheckpoint() override {
    return std::optional<std::string>();
  }
};

double RunEasel(const TabularProblem& p, const Options& o, double* val_loss) {
  const Json schema = train::xgboost::ParamsSchema();
  Json params = Json::object();
  for (const auto& [name, spec] : schema["properties"].items()) params[name] = spec["default"];
  params["n_estimators"] = o.rounds;
  params["early_stopping_rounds"] = 0;
  TimingHooks hooks;
  Clock::time_point start = Clock::now();
  auto files = train::xgboost::Train(p, params, 0, train::Resources{"cpu", o.threads}, hooks);
  Clock::time_point end = Clock::now();
  if (!files.ok()) throw std::runtime_error(files.status().ToString());
  auto d = [](Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
  };
  fmt::print(
      "  easel:  {:7.2f} s  (to the end of round 1 {:.2f} s, rounds 2..{} {:.2f} s, "
      "model files {:.2f} s)  val logloss {:.6f}\n",
      d(start, end), d(start, hooks.first_epoch), o.rounds, d(hooks.first_epoch, hooks.last_epoch),
      d(hooks.last_epoch, end), hooks.last_val_loss);
  for (const std::string& c : hooks.checkpoints) fmt::print("          checkpoint {}\n", c);
  *val_loss = hooks.last_val_loss;
  return d(start, end);
}

double RunPython(const fs::path& data, const Options& o, double* val_loss) {
  std::string cmd = fmt::format("{} {} {} --threads {} --rounds {}", o.python, o.script,
                                data.string(), o.threads, o.rounds);
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run " + cmd);
  std::string out;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof(buf), pipe)) > 0;) out.append(buf, n);
  if (pclose(pipe) != 0) throw std::runtime_error("failed: " + cmd + "\n" + out);
  auto j = ParseJson(out);
  if (!j.ok() || !j->contains("seconds")) throw std::runtime_error("unexpected output: " + out);
  *val_loss = (*j)["val_logloss"].get<double>();
  fmt::print("  python: {:7.2f} s  val logloss {:.6f}\n", (*j)["seconds"].get<double>(), *val_loss);
  return (*j)["seconds"].get<double>();
}

int Main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--rows")
      o.rows = std::stoul(next());
    else if (a == "--rounds")
      o.rounds = std::stoi(next());
    else if (a == "--threads")
      o.threads = std::stoi(next());
    else if (a == "--repeat")
      o.repeat = std::stoi(next());
    else if (a == "--python")
      o.python = next();
    else if (a == "--script")
      o.script = next();
    else if (a == "--quick")
      o.rows = 50000;
    else
      throw std::runtime_error("unknown flag " + a);
  }
  if (!fs::exists(o.script)) throw std::runtime_error("no reference script at " + o.script);
  TabularProblem p = MakeProblem(o.rows);
  fs::path dir = fs::temp_directory_path() / fmt::format("easel_xgboost_bench_{}", getpid());
  fs::create_directories(dir);
  struct Cleanup {
    fs::path dir;
    ~Cleanup() { fs::remove_all(dir); }
  } cleanup{dir};
  WriteData(dir / "data.bin", p);
  fmt::print(
      "xgboost training: {} rows x {} features ({} train, {} val), {} rounds of depth-6 "
      "hist trees, {} threads\n",
      o.rows, p.feature_names.size(), p.train.rows(), p.val.rows(), o.rounds, o.threads);
  double best_easel = INFINITY, best_python = INFINITY, easel_loss = NAN, python_loss = NAN;
  for (int r = 0; r < o.repeat; ++r) {
    best_easel = std::min(best_easel, RunEasel(p, o, &easel_loss));
    best_python = std::min(best_python, RunPython(dir / "data.bin", o, &python_loss));
  }
  fmt::print("best: easel {:.2f} s, python xgboost {:.2f} s, ratio easel/python {:.2f}{}\n",
             best_easel, best_python, best_easel / best_python,
             std::abs(easel_loss - python_loss) < 1e-9 ? " (same final val logloss)"
                                                       : " (val logloss differs!)");
  return 0;
}

}  // namespace
}  // namespace easel::bench

int main(int argc, char** argv) {
  return easel::bench::RunGuarded("easel_xgboost_bench",
                                  [&] { return easel::bench::Main(argc, argv); });
}
