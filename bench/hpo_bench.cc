// How much faster do TPE and ASHA find a good model than random search? The question,
// measured on real training: XGBoost on sklearn's digits (1,797 images as 64 pixel features, 10
// classes; Debian's python3-sklearn), searching 6 parameters, objective the validation log loss.
//
// For each seed: random search runs N trials; its best value after N trials is the target. Then
// TPE, and TPE with ASHA early stopping, run until one of their complete trials reaches the
// target (or 2N trials). Reported per method: trials and wall time to reach the target, as a
// ratio to random search's own trials and time to its best (median over seeds; below 1 is
// better). Trials run one after another in this process through the xgboost trainer, with the
// scheduler consulted after every boosting round, as the hpo job does between trial jobs.
//
//   easel_hpo_bench [--seeds 10] [--trials 30] [--threads 2] [--quick]

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "automl/sampler.h"
#include "automl/scheduler.h"
#include "automl/search_space.h"
#include "run_guarded.h"
#include "train/params.h"
#include "train/trainers/xgboost/xgboost_trainer.h"

namespace easel::bench {
namespace {

using automl::Decision;
using automl::TrialProgress;
using automl::TrialRecord;
using automl::TrialState;
using Clock = std::chrono::steady_clock;

const char* kDigits = "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz";

struct Options {
  int seeds = 10;
  int trials = 30;
  int threads = 2;
};

// Digits as a tabular problem: index % 10 in 0..6 train, 7..8 validation, 9 left out.
train::TabularProblem LoadDigits() {
  train::TabularProblem p;
  p.task = train::Task::kMulticlass;
  for (int c = 0; c < 10; ++c) p.classes.push_back(std::to_string(c));
  for (int f = 0; f < 64; ++f) p.feature_names.push_back(fmt::format("px{}", f));
  FILE* in = ::popen((std::string("gzip -dc ") + kDigits).c_str(), "r");
  if (in == nullptr) throw std::runtime_error("cannot read digits");
  char line[1024];
  for (int row = 0; std::fgets(line, sizeof line, in) != nullptr; ++row) {
    std::vector<float> v;
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, ',');) v.push_back(std::stof(cell));
    if (v.size() != 65) continue;
    train::TabularSplit& s = row % 10 < 7 ? p.train : row % 10 < 9 ? p.val : p.test;
    s.x.data.insert(s.x.data.end(), v.begin(), v.begin() + 64);
    s.x.cols = 64;
    s.x.rows++;
    s.y.push_back(v[64]);
  }
  ::pclose(in);
  if (p.train.rows() < 1000) throw std::runtime_error(std::string("cannot read ") + kDigits);
  return p;
}

const Json kSpace = {{"max_depth", {{"type", "int"}, {"low", 1}, {"high", 10}}},
                     {"learning_rate", {{"type", "log_uniform"}, {"low", 0.005}, {"high", 0.5}}},
                     {"min_child_weight", {{"type", "log_uniform"}, {"low", 0.1}, {"high", 50}}},
                     {"subsample", {{"type", "uniform"}, {"low", 0.4}, {"high", 1.0}}},
                     {"colsample_bytree", {{"type", "uniform"}, {"low", 0.2}, {"high", 1.0}}},
                     {"reg_lambda", {{"type", "log_uniform"}, {"low", 0.01}, {"high", 100}}}};
const Json kFixed = {{"n_estimators", 150}, {"early_stopping_rounds", 0}, {"tree_method", "hist"}};

// The trainer's hooks for one trial: each round's validation loss goes to the scheduler, whose
// stop ends the trial at once (the trainer sees cancelled()).
class TrialHooks : public train::TrainHooks {
 public:
  TrialHooks(const automl::Scheduler* scheduler, std::vector<TrialProgress>& progress,
             int64_t number)
      : scheduler_(scheduler), progress_(progress), number_(number) {}
  bool cancelled() const override { return stop_; }
  void ReportEpoch(const train::EpochMetrics& m) override {
    progress_.back().values.emplace_back(m.epoch, m.val_loss);
    if (scheduler_ != nullptr &&
        scheduler_->OnReport(progress_, number_, m.epoch) == Decision::kStop) {
      stop_ = true;
    }
  }
  void Log(std::string_view) override {}
  Status SaveCheckpoint(std::string_view) override { return OkStatus(); }
  Result<std::optional<std::string>> LoadCheckpoint() override {
    return std::optional<std::string>();
  }

 private:
  const automl::Scheduler* scheduler_;
  std::vector<TrialProgress>& progress_;
  int64_t number_;
  bool stop_ = false;
};

struct Curve {
  std::vector<double> best;     // best complete value after trial i
  std::vector<double> seconds;  // wall time after trial i
  int pruned = 0;
  // Trials and seconds until the best reached `target`; nullopt when it never did.
  std::optional<std::pair<int, double>> Reach(double target) const {
    for (size_t i = 0; i < best.size(); ++i) {
      if (best[i] <= target) return std::make_pair(static_cast<int>(i) + 1, seconds[i]);
    }
    return std::nullopt;
  }
};

// Runs up to `max_trials` trials, stopping early once a complete trial reaches `target`.
Curve RunStudy(const train::TabularProblem& problem, const automl::SearchSpace& space,
               const Json& sampler_config, const Json& scheduler_config, uint64_t seed,
               int max_trials, double target, int threads) {
  auto sampler = automl::MakeSampler(sampler_config, seed).value();
  auto scheduler = automl::MakeScheduler(scheduler_config).value();
  std::vector<TrialRecord> history;
  std::vector<TrialProgress> progress;
  Curve curve;
  double best = INFINITY;
  const auto start = Clock::now();
  for (int n = 0; n < max_trials && best > target; ++n) {
    Json params = sampler->Suggest(space, history, n).value();
    Json merged = kFixed;
    for (const auto& [k, v] : params.items()) merged[k] = v;
    merged = train::ResolveParams(train::xgboost::ParamsSchema(), merged).value();
    progress.push_back({n, {}, false});
    TrialHooks hooks(scheduler.get(), progress, n);
    Result<train::ModelFiles> files =
        train::xgboost::Train(problem, merged, seed, train::Resources{.threads = threads}, hooks);
    progress.back().finished = true;
    TrialRecord r;
    r.number = n;
    r.params = params;
    for (const auto& report : progress.back().values) r.intermediate.push_back(report);
    if (files.ok() && !r.intermediate.empty()) {
      r.state = TrialState::kComplete;
      r.value = r.intermediate.back().second;
      best = std::min(best, *r.value);
    } else if (files.status().code() == StatusCode::kCancelled) {
      r.state = TrialState::kPruned;
      curve.pruned++;
    } else {
      throw std::runtime_error("a trial failed: " + files.status().ToString());
    }
    history.push_back(std::move(r));
    curve.best.push_back(best);
    curve.seconds.push_back(std::chrono::duration<double>(Clock::now() - start).count());
  }
  return curve;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

int Run(const Options& o) {
  train::TabularProblem problem = LoadDigits();
  Json schema = train::xgboost::ParamsSchema();
  automl::SearchSpace space = automl::SearchSpace::FromJson(kSpace, schema).value();
  const Json random = {{"type", "random"}};
  const Json tpe = {{"type", "tpe"}, {"n_startup_trials", 10}};
  const Json none = {{"type", "none"}};
  const Json asha = {
      {"type", "asha"}, {"min_resource", 10}, {"reduction_factor", 3}, {"max_resource", 150}};
  std::printf(
      "hpo: xgboost on digits (%zu train / %zu val rows, 64 features, 10 classes), 6 "
      "parameters, 150 rounds, objective validation log loss, %d threads; %d seeds, random "
      "search N = %d trials, others up to %d\n",
      problem.train.rows(), problem.val.rows(), o.threads, o.seeds, o.trials, 2 * o.trials);
  std::vector<double> tpe_trials, tpe_time, asha_trials, asha_time;
  for (int seed = 1; seed <= o.seeds; ++seed) {
    Curve r = RunStudy(problem, space, random, none, seed, o.trials, -INFINITY, o.threads);
    const double target = r.best.back();
    const auto [r_trials, r_seconds] = *r.Reach(target);
    Curve t = RunStudy(problem, space, tpe, none, seed, 2 * o.trials, target, o.threads);
    Curve a = RunStudy(problem, space, tpe, asha, seed, 2 * o.trials, target, o.threads);
    auto report = [&](const char* name, const Curve& c, std::vector<double>& trials,
                      std::vector<double>& time) {
      auto reach = c.Reach(target);
      // Not reaching it within 2N trials counts as all the trials and time spent.
      int n = reach ? reach->first : static_cast<int>(c.best.size());
      double s = reach ? reach->second : c.seconds.back();
      trials.push_back(static_cast<double>(n) / r_trials);
      time.push_back(s / r_seconds);
      return fmt::format("{} {}{} trials {:.1f} s ({} stopped early)", name, reach ? "" : ">", n, s,
                         c.pruned);
    };
    std::string tl = report("tpe", t, tpe_trials, tpe_time);
    std::string al = report("tpe+asha", a, asha_trials, asha_time);
    std::printf("  seed %d: random best-at-%d %.4f after %d trials %.1f s; %s; %s\n", seed,
                o.trials, target, r_trials, r_seconds, tl.c_str(), al.c_str());
    std::fflush(stdout);
  }
  std::printf(
      "hpo: to reach random search's best-at-%d (median over %d seeds, ratio to random; below 1 "
      "is better): tpe trials %.2f, time %.2f; tpe+asha trials %.2f, time %.2f\n",
      o.trials, o.seeds, Median(tpe_trials), Median(tpe_time), Median(asha_trials),
      Median(asha_time));
  return 0;
}

}  // namespace
}  // namespace easel::bench

int main(int argc, char** argv) {
  easel::bench::Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return argv[++i];
    };
    try {
      if (a == "--seeds") {
        o.seeds = std::stoi(next());
      } else if (a == "--trials") {
        o.trials = std::stoi(next());
      } else if (a == "--threads") {
        o.threads = std::stoi(next());
      } else if (a == "--quick") {
        o.seeds = 3;
        o.trials = 15;
      } else {
        std::fprintf(stderr, "easel_hpo_bench: unknown flag %s\n", a.c_str());
        return 2;
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "easel_hpo_bench: %s\n", e.what());
      return 2;
    }
  }
  if (o.seeds < 1 || o.trials < 2) {
    std::fprintf(stderr, "easel_hpo_bench: --seeds >= 1 and --trials >= 2\n");
    return 2;
  }
  return easel::bench::RunGuarded("easel_hpo_bench", [&] { return easel::bench::Run(o); });
}
