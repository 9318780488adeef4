// Does easel's AutoML beat the usual baselines under a fixed budget? On sklearn's iris, wine,
// breast cancer and digits (Debian's python3-sklearn): bench/automl_reference.py holds out 25%
// of each (stratified, seed 0); easel imports the other 75% (split 80% train, 20% validation)
// and runs an `automl` job with a fixed time budget, then its model is evaluated on the held-out
// rows (an `evaluate` job on them imported as a second dataset). The anchors, on the same rows:
// scikit-learn's LogisticRegression, RandomForest and HistGradientBoosting and XGBoost, default
// parameters. Printed: held-out accuracy and log loss of each, and easel ÷ best baseline
// (accuracy).
//
//   easel_automl_bench --easel build/easel [--budget 60] [--datasets iris,wine,...] [--quick]

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/json.h"
#include "easel_server.h"
#include "process.h"

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
  double accuracy = 0, log_loss = 0, seconds = 0;
  std::string algorithm;
  int trials = 0;
  Json baselines;
};

Row RunDataset(EaselServer& server, const fs::path& scratch, const std::string& name, int budget) {
  const fs::path dir = scratch / name;
  fs::create_directories(dir);
  RunReference({"prepare", name, dir.string()});
  const std::string dataset = name == "breast_cancer" ? "cancer" : name;
  // The baselines learn from all of train.csv; so does easel in the end: it chooses on a fifth
  // of it (no test split: the held-out rows are the test) and refits on all of it.
  Import(server, dataset, dir / "train.csv", "%7B%22train%22%3A0.8%2C%22val%22%3A0.2%7D");
  Import(server, dataset + "-holdout", dir / "holdout.csv");

  Row row;
  row.dataset = name;
  const auto start = Clock::now();
  Json job = server.Send("POST", kProject + "/jobs",
                         {{"kind", "automl"},
                          {"spec",
                           {{"dataset", {{"name", dataset}}},
                            {"target", "label"},
                            {"time_budget_s", budget},
                            {"model_name", dataset + "-automl"}}}},
                         202);
  Json done = WaitJob(server, job.value("id", ""));
  row.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const Json& result = done["result"];
  row.algorithm = result["best_trial"]["params"].value("algorithm", "");
  const Json members = result.value("final_model", Json::object()).value("members", Json::array());
  int refit = 0;
  for (const Json& m : members) refit += m.value("refit", false) ? 1 : 0;
  if (members.size() > 1) {
    row.algorithm = "ensemble of " + std::to_string(members.size()) + ", lead " + row.algorithm;
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

int RunBench(const std::string& easel, int budget, const std::vector<std::string>& names) {
  InstallSignalForwarding();
  ScratchDir scratch("easel-automl-bench");
  EaselServer server(easel, scratch.path(), {});
  server.Send("POST", "/api/v1/projects", {{"name", "bench"}}, 201);
  std::printf(
      "automl: %d s budget per dataset, 25%% held out (stratified, seed 0); baselines "
      "with default parameters on the same rows\n",
      budget);
  std::printf("  %-14s %22s %14s %14s %14s %14s %8s\n", "dataset", "easel (algorithm)", "logistic",
              "forest", "hist_gb", "xgboost", "ratio");
  for (const std::string& name : names) {
    Row r = RunDataset(server, scratch.path(), name, budget);
    double best = 0;
    std::string cells;
    for (const char* b :
         {"logistic_regression", "random_forest", "hist_gradient_boosting", "xgboost"}) {
      const double acc = r.baselines[b]["accuracy"].get<double>();
      best = std::max(best, acc);
      char cell[32];
      std::snprintf(cell, sizeof cell, " %8.4f/%5.3f", acc,
                    r.baselines[b]["log_loss"].get<double>());
      cells += cell;
    }
    std::printf("  %-14s %8.4f/%5.3f %-8s%s %8.3f   (%d trials, %.0f s; %s)\n", r.dataset.c_str(),
                r.accuracy, r.log_loss, r.algorithm.substr(0, 8).c_str(), cells.c_str(),
                r.accuracy / best, r.trials, r.seconds, r.algorithm.c_str());
    std::fflush(stdout);
  }
  std::printf(
      "  (cells: held-out accuracy/log loss; ratio = easel accuracy / best baseline "
      "accuracy)\n");
  return 0;
}

}  // namespace
}  // namespace easel::bench

int main(int argc, char** argv) {
  std::string easel;
  int budget = 60;
  std::vector<std::string> names = {"iris", "wine", "breast_cancer", "digits"};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--easel" && i + 1 < argc) {
      easel = argv[++i];
    } else if (a == "--budget" && i + 1 < argc) {
      budget = std::atoi(argv[++i]);
    } else if (a == "--datasets" && i + 1 < argc) {
      names.clear();
      std::stringstream ss(argv[++i]);
      for (std::string n; std::getline(ss, n, ',');) names.push_back(n);
    } else if (a == "--quick") {
      budget = 20;
    } else {
      std::fprintf(stderr,
                   "usage: easel_automl_bench --easel PATH [--budget S] [--datasets "
                   "a,b] [--quick]\n");
      return 2;
    }
  }
  if (easel.empty() || budget < 10) {
    std::fprintf(stderr, "easel_automl_bench: --easel PATH is required; --budget >= 10\n");
    return 2;
  }
  if (!std::filesystem::exists(easel::bench::kPython) ||
      !std::filesystem::exists(easel::bench::kReference)) {
    std::fprintf(stderr, "easel_automl_bench: needs %s and %s\n", easel::bench::kPython.c_str(),
                 easel::bench::kReference.c_str());
    return 2;
  }
  try {
    return easel::bench::RunBench(easel, budget, names);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "easel_automl_bench: %s\n", e.what());
    return 1;
  }
}
