// Does easel's AutoML beat the usual baselines under a fixed budget? On sklearn's iris, wine,
// breast cancer and digits (Debian's python3-sklearn): bench/automl_reference.py holds out 25%
// of each (stratified); easel imports the other 75% (split 80% train, 20% validation) and runs
// an `automl` job with a fixed time budget, then its model is evaluated on the held-out rows (an
// `evaluate` job on them imported as a second dataset). The anchors, on the same rows:
// scikit-learn's LogisticRegression, RandomForest and HistGradientBoosting and XGBoost, default
// parameters. Printed: held-out accuracy and log loss of each, and easel ÷ best baseline
// (accuracy).
//
// With a few dozen held-out rows one error moves accuracy by 1-3%, and which baseline wins
// depends on the draw, so every dataset is measured over --splits held-out draws (seeds 0, 1,
// ...), each one shared by all sides. The summary compares mean accuracies: easel's against the
// baseline whose mean is highest.
//
//   easel_automl_bench --easel build/easel [--budget 60] [--splits 5] [--datasets iris,wine,...]
//                      [--algorithms linear,mlp,...] [--selections FILE] [--quick]
//
// --algorithms restricts easel's portfolio (the job's `algorithms`), to see what one family of
// models adds to or costs the ensemble. --selections writes one JSON line per draw: the held-out
// scores of easel and the baselines, and how the job chose its model (the result's
// `final_model`: every compared candidate with its cross-validated loss, the combiners' losses,
// the members and their weights), to see which choices lose held-out rows.

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <thread>

#include "common/json.h"
#include "easel_server.h"
#include "process.h"
#include "run_guarded.h"

#ifndef EASEL_SOURCE_DIR
#define EASEL_SOURCE_DIR "."
#endif

namespace easel::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const std::string kPython = "/usr/bin/python3";
const std::string kReference = EASEL_SOURCE_DIR "/bench/automl_reference.py";
const std::string kProject = "/api/v1/projects/bench";

Json RunReference(const std::vector<std::string>& args) {
  std::string cmd = kPython + " " + kReference;
  for (const std::string& a : args) cmd += " " + a;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run " + cmd);
  std::string out;
  char buf[4096];
  while (size_t n = std::fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  if (::pclose(pipe) != 0) throw std::runtime_error("the reference failed: " + cmd);
  const size_t json = out.find('{');
  if (json == std::string::npos) throw std::runtime_error("no JSON from " + cmd + ": " + out);
  return Json::parse(out.substr(json));
}

Json WaitJob(EaselServer& server, const std::string& id) {
  for (;;) {
    Json job = server.Send("GET", kProject + "/jobs/" + id, nullptr, 200);
    const std::string state = job.value("state", "");
    if (state == "succeeded") return job;
    if (state == "failed" || state == "cancelled") {
      throw std::runtime_error("job " + id + " " + state + ": " + job.dump());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// `split` (query-encoded JSON) decides the version's splits; empty: the default.
void Import(EaselServer& server, const std::string& dataset, const fs::path& csv,
            const std::string& split = "") {
  server.Send("POST", kProject + "/datasets", {{"name", dataset}, {"type", "tabular"}}, 201);
  std::ifstream in(csv);
  std::stringstream body;
  body << in.rdbuf();
  auto res = server.client().Post(kProject + "/datasets/" + dataset +
                                      "/imports?file_name=" + csv.filename().string() +
                                      (split.empty() ? "" : "&split=" + split),
                                  server.headers(), body.str(), "application/octet-stream");
  if (!res || res->status != 202) {
    server.CheckAlive();
    throw std::runtime_error("import failed: " +
                             (res ? res->body : httplib::to_string(res.error())));
  }
  WaitJob(server, Json::parse(res->body).value("job_id", ""));
}

struct Row {
  std::string dataset;
  int split = 0;
  double accuracy = 0, log_loss = 0, seconds = 0;
  std::string algorithm;
  int trials = 0;
  Json baselines;
  Json final_model;  // the job's account of its choice
};

// What every automl job of a run is given.
struct JobSettings {
  int budget = 60;                      // time_budget_s
  std::vector<std::string> algorithms;  // empty: the whole portfolio
  std::string selections;               // a file for each draw's choice; empty: none
};

Row RunDataset(EaselServer& server, const fs::path& scratch, const std::string& name, int split,
               const JobSettings& settings) {
  const fs::path dir = scratch / name / std::to_string(split);
  fs::create_directories(dir);
  RunReference({"prepare", name, dir.string(), std::to_string(split)});
  const std::string dataset =
      (name == "breast_cancer" ? "cancer" : name) + "-s" + std::to_string(split);
  // The baselines learn from all of train.csv; so does easel in the end: it chooses on a fifth
  // of it (no test split: the held-out rows are the test) and refits on all of it.
  Import(server, dataset, dir / "train.csv", "%7B%22train%22%3A0.8%2C%22val%22%3A0.2%7D");
  Import(server, dataset + "-holdout", dir / "holdout.csv");

  Row row;
  row.dataset = name;
  row.split = split;
  const auto start = Clock::now();
  Json spec = {{"dataset", {{"name", dataset}}},
               {"target", "label"},
               {"time_budget_s", settings.budget},
               {"model_name", dataset + "-automl"}};
  if (!settings.algorithms.empty()) spec["algorithms"] = settings.algorithms;
  Json job = server.Send("POST", kProject + "/jobs", {{"kind", "automl"}, {"spec", spec}}, 202);
  Json done = WaitJob(server, job.value("id", ""));
  row.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const Json& result = done["result"];
  row.algorithm = result["best_trial"]["params"].value("algorithm", "");
  row.final_model = result.value("final_model", Json::object());
  const Json& final_model = row.final_model;
  const Json members = final_model.value("members", Json::array());
  int refit = 0;
  for (const Json& m : members) refit += m.value("refit", false) ? 1 : 0;
  if (members.size() > 1) {
    const bool stacked = final_model.value("combiner", "") == "stacking";
    row.algorithm = (stacked ? "stack of " : "ensemble of ") + std::to_string(members.size()) +
                    ", lead " + row.algorithm;
  }
  if (const Json losses = final_model.value("combiners", Json()); losses.is_object()) {
    row.algorithm +=
        fmt::format(", cv log loss averaged {:.3f} stacked {:.3f}",
                    losses.value("weighted_average", 0.0), losses.value("stacking", 0.0));
  }
  if (refit > 0) row.algorithm += ", " + std::to_string(refit) + " refit";
  row.trials = result["counts"].value("complete", 0) + result["counts"].value("pruned", 0) +
               result["counts"].value("failed", 0);
  Json eval = server.Send(
      "POST",
      kProject + "/models/" + dataset + "-automl/versions/" +
          std::to_string(result["version"].get<int>()) + "/evaluations",
      {{"dataset", {{"name", dataset + "-holdout"}, {"version", 1}}}, {"split", "all"}}, 202);
  Json scored = WaitJob(server, eval.value("job_id", ""));
  row.accuracy = scored["result"]["metrics"].value("accuracy", 0.0);
  row.log_loss = scored["result"]["metrics"].value("log_loss", 0.0);
  row.baselines = RunReference({"baselines", dir.string()});
  return row;
}

const char* const kBaselines[] = {"logistic_regression", "random_forest", "hist_gradient_boosting",
                                  "xgboost"};

double Accuracy(const Row& r, const char* baseline) {
  return r.baselines[baseline]["accuracy"].get<double>();
}

double BestBaseline(const Row& r) {
  double best = 0;
  for (const char* b : kBaselines) best = std::max(best, Accuracy(r, b));
  return best;
}

void PrintSplit(const Row& r) {
  std::string cells;
  for (const char* b : kBaselines) {
    char cell[32];
    std::snprintf(cell, sizeof cell, " %8.4f/%5.3f", Accuracy(r, b),
                  r.baselines[b]["log_loss"].get<double>());
    cells += cell;
  }
  std::printf("  %-14s %5d %8.4f/%5.3f %-8s%s %8.3f   (%d trials, %.0f s; %s)\n", r.dataset.c_str(),
              r.split, r.accuracy, r.log_loss, r.algorithm.substr(0, 8).c_str(), cells.c_str(),
              r.accuracy / BestBaseline(r), r.trials, r.seconds, r.algorithm.c_str());
  std::fflush(stdout);
}

// Mean accuracies over a dataset's splits; ratio = easel's mean / the best baseline mean.
void PrintSummary(const std::string& name, const std::vector<Row>& rows) {
  auto mean = [&](auto accuracy) {
    double sum = 0;
    for (const Row& r : rows) sum += accuracy(r);
    return sum / static_cast<double>(rows.size());
  };
  const double easel = mean([](const Row& r) { return r.accuracy; });
  std::string cells;
  double best = 0;
  const char* best_name = "";
  for (const char* b : kBaselines) {
    const double m = mean([&](const Row& r) { return Accuracy(r, b); });
    if (m > best) {
      best = m;
      best_name = b;
    }
    char cell[32];
    std::snprintf(cell, sizeof cell, " %14.4f", m);
    cells += cell;
  }
  double low = 1e9, high = 0;
  int wins = 0;
  for (const Row& r : rows) {
    const double ratio = r.accuracy / BestBaseline(r);
    low = std::min(low, ratio);
    high = std::max(high, ratio);
    wins += ratio >= 1.0 ? 1 : 0;
  }
  std::printf(
      "  %-14s %14.4f %s %8.3f   (best baseline %s; per split %.3f-%.3f, >= 1 on %d of %zu)\n",
      name.c_str(), easel, cells.c_str(), easel / best, best_name, low, high, wins, rows.size());
}

int RunBench(const std::string& easel, const JobSettings& settings, int splits,
             const std::vector<std::string>& names) {
  std::ofstream selections;  // before the server starts: a bad path stops the run at once
  if (!settings.selections.empty()) {
    selections.open(settings.selections);
    if (!selections) throw std::runtime_error("cannot write " + settings.selections);
  }
  InstallSignalForwarding();
  ScratchDir scratch("easel-automl-bench");
  EaselServer server(easel, scratch.path(), {});
  server.Send("POST", "/api/v1/projects", {{"name", "bench"}}, 201);
  std::printf(
      "automl: %d s budget per dataset, 25%% held out (stratified; %d draw(s), seeds 0-%d); "
      "baselines with default parameters on the same rows\n",
      settings.budget, splits, splits - 1);
  if (!settings.algorithms.empty()) {
    fmt::print("  easel's portfolio restricted to {}\n", fmt::join(settings.algorithms, ","));
  }
  std::printf("  %-14s %5s %22s %14s %14s %14s %14s %8s\n", "dataset", "split", "easel (algorithm)",
              "logistic", "forest", "hist_gb", "xgboost", "ratio");
  std::map<std::string, std::vector<Row>> by_dataset;
  for (const std::string& name : names) {
    for (int split = 0; split < splits; ++split) {
      const Row& r =
          by_dataset[name].emplace_back(RunDataset(server, scratch.path(), name, split, settings));
      PrintSplit(r);
      if (selections.is_open()) {
        selections << Json{{"dataset", r.dataset},     {"split", r.split},
                           {"accuracy", r.accuracy},   {"log_loss", r.log_loss},
                           {"baselines", r.baselines}, {"final_model", r.final_model}}
                          .dump()
                   << std::endl;
      }
    }
  }
  std::printf(
      "  (cells: held-out accuracy/log loss; ratio = easel accuracy / the split's best baseline "
      "accuracy)\n\nmean held-out accuracy over %d split(s)\n",
      splits);
  std::printf("  %-14s %14s  %14s %14s %14s %14s %8s\n", "dataset", "easel", "logistic", "forest",
              "hist_gb", "xgboost", "ratio");
  for (const std::string& name : names) PrintSummary(name, by_dataset[name]);
  std::printf("  (ratio = easel's mean / the best baseline mean; the goal is >= 1.0)\n");
  return 0;
}

}  // namespace
}  // namespace easel::bench

int main(int argc, char** argv) {
  std::string easel;
  easel::bench::JobSettings settings;
  std::optional<int> splits;  // default: 5, or 1 with --quick
  bool quick = false;
  std::vector<std::string> names = {"iris", "wine", "breast_cancer", "digits"};
  auto comma_list = [](const std::string& text) {
    std::vector<std::string> items;
    std::stringstream ss(text);
    for (std::string item; std::getline(ss, item, ',');) items.push_back(item);
    return items;
  };
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--easel" && i + 1 < argc) {
      easel = argv[++i];
    } else if (a == "--budget" && i + 1 < argc) {
      settings.budget = std::atoi(argv[++i]);
    } else if (a == "--datasets" && i + 1 < argc) {
      names = comma_list(argv[++i]);
    } else if (a == "--algorithms" && i + 1 < argc) {
      settings.algorithms = comma_list(argv[++i]);
    } else if (a == "--selections" && i + 1 < argc) {
      settings.selections = argv[++i];
    } else if (a == "--splits" && i + 1 < argc) {
      splits = std::atoi(argv[++i]);
    } else if (a == "--quick") {
      settings.budget = 20;
      quick = true;
    } else {
      std::fprintf(stderr,
                   "usage: easel_automl_bench --easel PATH [--budget S] [--splits N] "
                   "[--datasets a,b] [--algorithms a,b] [--selections FILE] [--quick]\n");
      return 2;
    }
  }
  if (!splits) splits = quick ? 1 : 5;
  if (easel.empty() || settings.budget < 10 || *splits < 1) {
    std::fprintf(stderr,
                 "easel_automl_bench: --easel PATH is required; --budget >= 10; --splits >= 1\n");
    return 2;
  }
  if (!std::filesystem::exists(easel::bench::kPython) ||
      !std::filesystem::exists(easel::bench::kReference)) {
    std::fprintf(stderr, "easel_automl_bench: needs %s and %s\n", easel::bench::kPython.c_str(),
                 easel::bench::kReference.c_str());
    return 2;
  }
  return easel::bench::RunGuarded("easel_automl_bench", [&] {
    return easel::bench::RunBench(easel, settings, *splits, names);
  });
}
