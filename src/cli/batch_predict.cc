// batch-predict MODEL[@VERSION] (--dataset NAME[@VERSION] | --input FILE): a batch_predict job
// over a dataset version or a local CSV / JSON-lines file (uploaded first as an artifact),
// waited for, and the output artifact it made.

#include <filesystem>
#include <memory>
#include <vector>

#include "cli/command.h"
#include "cli/command_groups.h"

namespace easel::cli {
namespace {

struct BatchPredictFlags {
  CommonFlags common;
  std::string project;
  std::string model;    // NAME or NAME@VERSION
  std::string dataset;  // NAME or NAME@VERSION
  std::string input;    // a local file
  std::string split;
  std::string format;
  int64_t batch_size = 0;
  std::string output_name;
  std::vector<std::string> keep_columns;
  std::string timeout;
  bool no_wait = false;
};

Status BatchPredict(const BatchPredictFlags& f) {
  if (f.dataset.empty() == f.input.empty()) {
    return UsageError("give exactly one of --dataset and --input");
  }
  EASEL_ASSIGN_OR_RETURN(std::string project, ProjectPath(f.project));
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  Json spec = {{"model", f.model}};
  if (!f.dataset.empty()) {
    const size_t at = f.dataset.find('@');
    spec["dataset"] = {{"name", f.dataset.substr(0, at)}};
    if (at != std::string::npos) {
      auto n = ParseJson(f.dataset.substr(at + 1));
      if (!n.ok() || !n->is_number_integer()) {
        return UsageError("--dataset takes NAME or NAME@VERSION (a number)");
      }
      spec["dataset"]["version"] = *n;
    }
  } else {
    const std::string name = std::filesystem::path(f.input).filename().string();
    const bool jsonl = name.ends_with(".jsonl") || name.ends_with(".ndjson");
    EASEL_ASSIGN_OR_RETURN(
        Json artifact, UploadFile(*client, project + "/artifacts" + QueryString({{"name", name}}),
                                  f.input, jsonl ? "application/x-ndjson" : "text/csv"));
    spec["artifact"] = StringField(artifact, "id");
  }
  if (!f.split.empty()) spec["split"] = f.split;
  if (!f.format.empty()) spec["output_format"] = f.format;
  if (f.batch_size > 0) spec["batch_size"] = f.batch_size;
  if (!f.output_name.empty()) spec["output_name"] = f.output_name;
  if (!f.keep_columns.empty()) spec["keep_columns"] = f.keep_columns;
  EASEL_ASSIGN_OR_RETURN(std::optional<Json> done,
                         SubmitJob(*client, project,
                                   {"batch_predict", spec, f.no_wait, f.timeout, f.common.json,
                                    "Batch prediction job"}));
  if (done && !f.common.json) {
    const Json& r = Member(*done, "result");
    Print("Wrote " + Field(r, "rows") + " predictions of " + Field(r, "model") + " v" +
          Field(r, "version") + " to artifact " + Field(r, "artifact_id") + " (" +
          Field(r, "output_name") + "); fetch it with: easel artifact download " +
          Field(r, "artifact_id") + "\n");
  }
  return OkStatus();
}

}  // namespace

void AddBatchPredictCommand(CLI::App& app, int& exit_code) {
  auto f = std::make_shared<BatchPredictFlags>();
  CLI::App* cmd = AddCommand(&app, "batch-predict",
                             "Predict a dataset version or a CSV / JSON-lines file with a model "
                             "version (a batch_predict job); the output is an artifact",
                             f, exit_code, BatchPredict);
  AddProjectFlag(cmd, f->project);
  cmd->add_option("model", f->model, "MODEL or MODEL@VERSION")->required();
  cmd->add_option("--dataset,-d", f->dataset, "NAME or NAME@VERSION");
  cmd->add_option("--input,-i", f->input, "A local CSV or JSON-lines file to predict");
  cmd->add_option("--split", f->split, "all (default), train, val or test (datasets)");
  cmd->add_option("--format", f->format, "csv (default) or jsonl");
  cmd->add_option("--batch-size", f->batch_size, "Rows per model call (default 1024)");
  cmd->add_option("--output-name", f->output_name, "The output artifact's file name");
  cmd->add_option("--keep", f->keep_columns,
                  "Input columns to copy to the output as input.<column> (an id, the label...)")
      ->delimiter(',');
  cmd->add_option("--timeout", f->timeout, "Stop waiting after this long (e.g. 30m)");
  cmd->add_flag("--no-wait", f->no_wait, "Print the job id and return");
}

}  // namespace easel::cli
