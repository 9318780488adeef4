// automl; study show: a model without choosing an algorithm, and the leaderboard of a search
// (an `automl` or `hpo` job).

#include <algorithm>
#include <cstdio>
#include <memory>

#include "cli/command.h"
#include "cli/command_groups.h"
#include "cli/duration.h"
#include "cli/table.h"

namespace easel::cli {
namespace {

struct AutomlFlags {
  CommonFlags common;
  std::string project;
  std::string dataset;  // "name" or "name@version"
  std::string target;
  std::string task;
  std::string metric;
  std::string time_budget;
  std::string model_name;
  std::vector<std::string> algorithms;
  int64_t threads = -1;
  bool no_wait = false;
  std::string study;  // study show: the job id
  int64_t top = 10;
};

// The complete trials, best first, then the others, as a table.
// "trial 7" or "ensemble of trials 7 (weight 0.56), 2 (0.44)", and whether it was refit.
std::string FinalModel(const Json& result) {
  const Json& members = Member(Member(result, "final_model"), "members");
  if (!members.is_array() || members.empty()) {
    return "trial " + Field(Member(result, "best_trial"), "number");
  }
  std::string out = members.size() == 1 ? "trial " : "ensemble of trials ";
  bool refit = true;
  for (size_t i = 0; i < members.size(); ++i) {
    out += (i ? ", " : "") + Field(members[i], "trial");
    if (members.size() > 1) {
      char weight[32];
      std::snprintf(weight, sizeof weight, " (%s%.2f)", i ? "" : "weight ",
                    members[i].value("weight", 0.0));
      out += weight;
    }
    refit = refit && members[i].value("refit", false);
  }
  return out + (refit ? ", refit on train + validation" : "");
}

std::string Leaderboard(const Json& study, int64_t top) {
  const bool maximize = Field(Member(study, "objective"), "direction") == "maximize";
  std::vector<Json> trials;
  for (const Json& t : Member(study, "trials")) trials.push_back(t);
  std::stable_sort(trials.begin(), trials.end(), [&](const Json& a, const Json& b) {
    const bool ca = a.value("state", "") == "complete", cb = b.value("state", "") == "complete";
    if (ca != cb) return ca;
    if (!ca) return false;
    const double va = a["value"].get<double>(), vb = b["value"].get<double>();
    return maximize ? va > vb : va < vb;
  });
  Table table({{"#"}, {"state"}, {"value"}, {"seconds"}, {"params", 80}});
  int64_t shown = 0;
  for (const Json& t : trials) {
    if (shown++ >= top) break;
    table.AddRow({Field(t, "number"), Field(t, "state"), Field(t, "value"), Field(t, "duration_s"),
                  CellText(Member(t, "params"))});
  }
  return table.Render();
}

Status Automl(const AutomlFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string project, ProjectPath(f.project));
  Result<int64_t> budget_s = ParseDurationSeconds(f.time_budget);
  if (!budget_s.ok()) return UsageError("--time-budget: " + budget_s.status().message());
  const int64_t budget = *budget_s;
  size_t at = f.dataset.find('@');
  Json spec = {{"dataset", {{"name", f.dataset.substr(0, at)}}}, {"time_budget_s", budget}};
  if (at != std::string::npos) {
    auto n = ParseJson(f.dataset.substr(at + 1));
    if (!n.ok() || !n->is_number_integer()) {
      return UsageError("--dataset takes NAME or NAME@VERSION (a number)");
    }
    spec["dataset"]["version"] = *n;
  }
  if (!f.target.empty()) spec["target"] = f.target;
  if (!f.task.empty()) spec["task"] = f.task;
  if (!f.metric.empty()) spec["metric"] = f.metric;
  if (!f.model_name.empty()) spec["model_name"] = f.model_name;
  if (!f.algorithms.empty()) spec["algorithms"] = f.algorithms;
  if (f.threads >= 0) spec["resources"] = {{"threads", f.threads}};
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_ASSIGN_OR_RETURN(Json job,
                         client->Post(project + "/jobs", {{"kind", "automl"}, {"spec", spec}}));
  const std::string id = StringField(job, "id");
  if (f.no_wait) {
    if (f.common.json) {
      PrintJson(job);
    } else {
      Print("AutoML job " + id + " queued; easel study show " + id + " for its leaderboard\n");
    }
    return OkStatus();
  }
  const std::string job_path = project + "/jobs/" + EncodeComponent(id);
  // The job ends within its budget and a little more; wait a minute beyond it.
  EASEL_RETURN_IF_ERROR(
      WaitForJob(*client, job_path, id, std::to_string(budget + 60) + "s", f.common.json));
  if (!f.common.json) {
    EASEL_ASSIGN_OR_RETURN(Json study, client->Get(project + "/studies/" + EncodeComponent(id)));
    EASEL_ASSIGN_OR_RETURN(Json done, client->Get(job_path));
    const Json& r = Member(done, "result");
    Print(Leaderboard(study, 10));
    Print("Registered model " + Field(r, "model") + " v" + Field(r, "version") + " (" +
          FinalModel(r) + ")\n");
  }
  return OkStatus();
}

Status ShowStudy(const AutomlFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string project, ProjectPath(f.project));
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_ASSIGN_OR_RETURN(Json study, client->Get(project + "/studies/" + EncodeComponent(f.study)));
  if (f.common.json) {
    PrintJson(study);
    return OkStatus();
  }
  const Json& counts = Member(study, "counts");
  Print("Study " + f.study + " (" + Field(study, "kind") + "): objective " +
        Field(Member(study, "objective"), "metric") + ", " +
        Field(Member(study, "objective"), "direction") + "; " + Field(counts, "complete") +
        " complete, " + Field(counts, "pruned") + " stopped early, " + Field(counts, "failed") +
        " failed, " + Field(counts, "running") + " running\n");
  Print(Leaderboard(study, f.top));
  return OkStatus();
}

}  // namespace

void AddAutomlCommands(CLI::App& app, int& exit_code) {
  auto f = std::make_shared<AutomlFlags>();
  CLI::App* automl = AddCommand(&app, "automl",
                                "The best model a time budget allows for a dataset (an automl job)",
                                f, exit_code, Automl);
  AddProjectFlag(automl, f->project);
  automl->add_option("--dataset,-d", f->dataset, "NAME or NAME@VERSION")->required();
  automl->add_option("--target", f->target, "The column to predict (tabular datasets)");
  automl->add_option("--task", f->task, "binary, multiclass, classification or regression");
  automl->add_option("--metric", f->metric, "log_loss (default), accuracy or rmse");
  automl->add_option("--time-budget", f->time_budget, "e.g. 10m, 1h")->required();
  automl->add_option("--model-name", f->model_name, "Register as this model");
  automl->add_option("--algorithms", f->algorithms, "A subset of the portfolio")->delimiter(',');
  automl->add_option("--threads", f->threads, "CPU threads per trial (default: all)");
  automl->add_flag("--no-wait", f->no_wait, "Print the job id and return");

  CLI::App* group = app.add_subcommand("study", "Hyperparameter searches and AutoML runs");
  group->alias("studies");
  group->require_subcommand(1);
  CLI::App* show = AddCommand(group, "show", "The leaderboard of a search (its job id)", f,
                              exit_code, ShowStudy);
  show->add_option("study", f->study, "The automl or hpo job id")->required();
  show->add_option("--top", f->top, "Rows to show (default 10)");
  AddProjectFlag(show, f->project);
}

}  // namespace easel::cli
