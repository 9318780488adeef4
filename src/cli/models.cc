// train; model list|versions|show|delete|alias|report|download; algorithm list: training jobs
// and the model registry as a script or a person at a terminal drives them.

#include <filesystem>
#include <memory>

#include "cli/command.h"
#include "cli/command_groups.h"
#include "cli/table.h"
#include "common/files.h"

namespace easel::cli {
namespace {

namespace fs = std::filesystem;

struct ModelFlags {
  CommonFlags common;
  ListFlags list;
  std::string project;
  std::string model;  // "name" or "name@version"
  std::string version;
  std::string alias;
  std::string output;
  std::string format = "native";
  bool force = false;
  // train
  std::string algorithm;
  std::string dataset;  // "name" or "name@version"
  std::string target;
  std::string task;
  std::string params;
  std::string transforms;
  std::string model_name;
  std::string device;
  int64_t threads = -1;
  int64_t seed = -1;
  std::string parent;
  std::string timeout;
  bool no_wait = false;
};

// "name@version" → (name, version); the version defaults to "latest".
std::pair<std::string, std::string> SplitRef(const std::string& ref) {
  size_t at = ref.find('@');
  if (at == std::string::npos) return {ref, "latest"};
  return {ref.substr(0, at), ref.substr(at + 1)};
}

Result<std::string> ModelsPath(const ModelFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string project, ProjectPath(f.project));
  return project + "/models";
}

// The path of the version named by `model` ("name@version") or by --version.
Result<std::string> VersionPath(const ModelFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string models, ModelsPath(f));
  auto [name, version] = SplitRef(f.model);
  if (!f.version.empty()) {
    if (f.model.find('@') != std::string::npos) {
      return UsageError("give the version as NAME@VERSION or --version, not both");
    }
    version = f.version;
  }
  return models + "/" + EncodeComponent(name) + "/versions/" + EncodeComponent(version);
}

Result<Json> JsonFlag(const std::string& flag, const std::string& value) {
  auto j = ParseJson(value);
  if (!j.ok() || !j->is_object()) return UsageError(flag + " must be a JSON object");
  return *j;
}

std::string Metrics(const Json& v) {
  std::string out;
  const Json& m = Member(v, "metrics");
  if (!m.is_object()) return "-";
  for (const auto& [k, value] : m.items()) {
    out += (out.empty() ? "" : ", ") + k + " " + CellText(value);
  }
  return out.empty() ? "-" : out;
}

void PrintVersion(const Json& v) {
  const Json& d = Member(v, "dataset");
  std::string aliases;
  for (const Json& a : Member(v, "aliases")) {
    if (a.is_string()) aliases += (aliases.empty() ? "" : ", ") + a.get<std::string>();
  }
  Print(RenderFields({{"Model", Field(v, "model") + " v" + Field(v, "version")},
                      {"Algorithm", Field(v, "algorithm")},
                      {"Task", Field(v, "task")},
                      {"Format", Field(v, "format")},
                      {"Dataset", Field(d, "name") + " v" + Field(d, "version")},
                      {"Metrics", Metrics(v)},
                      {"Aliases", aliases.empty() ? "-" : aliases},
                      {"Job", Field(v, "job_id")},
                      {"Created", Field(v, "created_at")}}));
}

Status Train(const ModelFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string project, ProjectPath(f.project));
  auto [dataset, dataset_version] = SplitRef(f.dataset);
  Json spec = {{"algorithm", f.algorithm}, {"dataset", {{"name", dataset}}}};
  if (dataset_version != "latest") {
    auto n = ParseJson(dataset_version);
    if (!n.ok() || !n->is_number_integer()) {
      return UsageError("--dataset takes NAME or NAME@VERSION (a number)");
    }
    spec["dataset"]["version"] = *n;
  }
  if (!f.target.empty()) spec["target"] = f.target;
  if (!f.task.empty()) spec["task"] = f.task;
  if (!f.params.empty()) {
    EASEL_ASSIGN_OR_RETURN(spec["params"], JsonFlag("--params", f.params));
  }
  if (!f.transforms.empty()) {
    EASEL_ASSIGN_OR_RETURN(spec["transforms"], JsonFlag("--transforms", f.transforms));
  }
  if (!f.model_name.empty()) spec["model_name"] = f.model_name;
  if (!f.device.empty() || f.threads >= 0) {
    spec["resources"] = Json::object();
    if (!f.device.empty()) spec["resources"]["device"] = f.device;
    if (f.threads >= 0) spec["resources"]["threads"] = f.threads;
  }
  if (f.seed >= 0) spec["seed"] = f.seed;
  if (!f.parent.empty()) {
    auto [model, version] = SplitRef(f.parent);
    spec["parent"] = {{"model", model}, {"version", version}};
  }
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_ASSIGN_OR_RETURN(std::optional<Json> done, SubmitJob(*client, project,
                                                             {"train", spec, f.no_wait, f.timeout,
                                                              f.common.json, "Training job"}));
  if (done && !f.common.json) {
    const Json& r = Member(*done, "result");
    Print("Registered model " + Field(r, "model") + " v" + Field(r, "version") + " (" +
          Field(r, "evaluation_split") + " split: " + Metrics(r) + ")\n");
  }
  return OkStatus();
}

Status List(const ModelFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string path, ModelsPath(f));
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_ASSIGN_OR_RETURN(Json page, ListAll(*client, path, {}, f.list));
  if (f.common.json) {
    PrintJson(page);
    return OkStatus();
  }
  Table table({{"name"}, {"latest"}, {"aliases", 40}, {"created"}});
  for (const Json& m : Member(page, "items")) {
    table.AddRow({Field(m, "name"), Field(m, "latest_version"), CellText(Member(m, "aliases")),
                  Field(m, "created_at")});
  }
  Print(table.Render());
  return OkStatus();
}

Status Versions(const ModelFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string path, ModelsPath(f));
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_ASSIGN_OR_RETURN(
      Json page, ListAll(*client, path + "/" + EncodeComponent(f.model) + "/versions", {}, f.list));
  if (f.common.json) {
    PrintJson(page);
    return OkStatus();
  }
  Table table({{"version"}, {"algorithm"}, {"dataset"}, {"metrics", 60}, {"aliases", 30}});
  for (const Json& v : Member(page, "items")) {
    const Json& d = Member(v, "dataset");
    table.AddRow({Field(v, "version"), Field(v, "algorithm"),
                  Field(d, "name") + " v" + Field(d, "version"), Metrics(v),
                  CellText(Member(v, "aliases"))});
  }
  Print(table.Render());
  return OkStatus();
}

Status Show(const ModelFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string path, VersionPath(f));
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_ASSIGN_OR_RETURN(Json v, client->Get(path));
  if (f.common.json) {
    PrintJson(v);
  } else {
    PrintVersion(v);
  }
  return OkStatus();
}

Status Delete(const ModelFlags& f) {
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  if (f.model.find('@') != std::string::npos || !f.version.empty()) {
    EASEL_ASSIGN_OR_RETURN(std::string path, VersionPath(f));
    EASEL_RETURN_IF_ERROR(client->Delete(path));
    Print("Deleted version " + SplitRef(f.model).second + f.version + " of " +
          SplitRef(f.model).first + "\n");
    return OkStatus();
  }
  EASEL_ASSIGN_OR_RETURN(std::string path, ModelsPath(f));
  EASEL_RETURN_IF_ERROR(client->Delete(path + "/" + EncodeComponent(f.model)));
  Print("Deleted model " + f.model + " and all its versions\n");
  return OkStatus();
}

Status SetAlias(const ModelFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string path, ModelsPath(f));
  auto n = ParseJson(f.version);
  if (!n.ok() || !n->is_number_integer()) return UsageError("VERSION must be a number");
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_ASSIGN_OR_RETURN(Json m, client->Put(path + "/" + EncodeComponent(f.model) + "/aliases/" +
                                                 EncodeComponent(f.alias),
                                             {{"version", *n}}));
  if (f.common.json) {
    PrintJson(m);
  } else {
    Print(f.model + "@" + f.alias + " now points at version " + f.version + "\n");
  }
  return OkStatus();
}

Status DeleteAlias(const ModelFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string path, ModelsPath(f));
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_RETURN_IF_ERROR(client->Delete(path + "/" + EncodeComponent(f.model) + "/aliases/" +
                                       EncodeComponent(f.alias)));
  Print("Deleted alias " + f.model + "@" + f.alias + "\n");
  return OkStatus();
}

// Streams `path` into the file `output` (atomically) or stdout ("-").
Status Save(ApiClient& client, const std::string& path, const std::string& output, bool force) {
  bool to_stdout = output == "-";
  if (!to_stdout && !force && fs::exists(output)) {
    return UsageError(output + " already exists (pass --force to overwrite)");
  }
  std::optional<AtomicFile> file;
  if (!to_stdout) {
    EASEL_ASSIGN_OR_RETURN(AtomicFile created, AtomicFile::Create(fs::absolute(output)));
    file.emplace(std::move(created));
  }
  EASEL_RETURN_IF_ERROR(client.Stream(
      path,
      [&](std::string_view chunk) -> Status {
        if (!to_stdout) return file->Write(chunk.data(), chunk.size());
        if (std::fwrite(chunk.data(), 1, chunk.size(), stdout) != chunk.size()) {
          return Internal("cannot write to stdout");
        }
        return OkStatus();
      },
      600));
  if (to_stdout) {
    std::fflush(stdout);
    return OkStatus();
  }
  EASEL_RETURN_IF_ERROR(file->Commit());
  std::fprintf(stderr, "Wrote %s\n", output.c_str());
  return OkStatus();
}

std::string DefaultOutput(const ModelFlags& f, const std::string& suffix) {
  auto [name, version] = SplitRef(f.model);
  return name + "-" + (f.version.empty() ? version : f.version) + suffix;
}

Status Report(const ModelFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string path, VersionPath(f));
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  return Save(*client, path + "/report",
              f.output.empty() ? DefaultOutput(f, "-report.html") : f.output, f.force);
}

Status Download(const ModelFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string path, VersionPath(f));
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  std::string suffix = f.format == "native" ? ".zip" : ".json";
  return Save(*client, path + "/download" + QueryString({{"format", f.format}}),
              f.output.empty() ? DefaultOutput(f, suffix) : f.output, f.force);
}

Status Algorithms(const ModelFlags& f) {
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_ASSIGN_OR_RETURN(Json page, client->Get("/api/v1/algorithms"));
  if (f.common.json) {
    PrintJson(page);
    return OkStatus();
  }
  Table table({{"name"}, {"input"}, {"tasks", 30}, {"cuda"}, {"description", 70}});
  for (const Json& a : Member(page, "items")) {
    table.AddRow({Field(a, "name"), Field(a, "input"), CellText(Member(a, "tasks")),
                  Field(Member(a, "capabilities"), "cuda"), Field(a, "description")});
  }
  Print(table.Render());
  return OkStatus();
}

CLI::App* ForOneModel(CLI::App* cmd, ModelFlags& f, const char* help = "Model name") {
  cmd->add_option("model", f.model, help)->required();
  AddProjectFlag(cmd, f.project);
  return cmd;
}

}  // namespace

void AddModelCommands(CLI::App& app, int& exit_code) {
  auto f = std::make_shared<ModelFlags>();

  CLI::App* train = AddCommand(&app, "train", "Train a model on a dataset version (a train job)", f,
                               exit_code, Train);
  AddProjectFlag(train, f->project);
  train->add_option("--algorithm,-a", f->algorithm, "A trainer (easel algorithm list)")->required();
  train->add_option("--dataset,-d", f->dataset, "NAME or NAME@VERSION")->required();
  train->add_option("--target", f->target, "The column to predict (tabular datasets)");
  train->add_option("--task", f->task, "binary, multiclass, classification or regression");
  train->add_option("--params", f->params, "The algorithm's parameters as a JSON object");
  train->add_option("--transforms", f->transforms, "A transform pipeline spec (JSON)");
  train->add_option("--model-name", f->model_name, "Register as this model");
  train->add_option("--device", f->device, "cpu (default), cuda or cuda:N");
  train->add_option("--threads", f->threads, "CPU threads (default: all)");
  train->add_option("--seed", f->seed, "Random seed (default 0)");
  train->add_option("--parent", f->parent, "MODEL@VERSION to fine-tune from (images)");
  train->add_option("--timeout", f->timeout, "Stop waiting after this long (e.g. 30m)");
  train->add_flag("--no-wait", f->no_wait, "Print the job id and return");

  CLI::App* algorithms = app.add_subcommand("algorithm", "Training algorithms");
  algorithms->alias("algorithms");
  algorithms->require_subcommand(1);
  AddCommand(algorithms, "list", "List the algorithms and their parameters", f, exit_code,
             Algorithms)
      ->alias("ls");

  CLI::App* group = app.add_subcommand("model", "The model registry: versions, aliases, reports");
  group->alias("models");
  group->require_subcommand(1);

  CLI::App* list = AddCommand(group, "list", "List a project's models", f, exit_code, List);
  list->alias("ls");
  AddProjectFlag(list, f->project);
  AddListFlags(list, f->list);

  CLI::App* versions = ForOneModel(
      AddCommand(group, "versions", "List a model's versions", f, exit_code, Versions), *f);
  AddListFlags(versions, f->list);

  CLI::App* show =
      ForOneModel(AddCommand(group, "show", "Show a version (default latest)", f, exit_code, Show),
                  *f, "NAME, NAME@VERSION or NAME@ALIAS");
  show->alias("get");
  show->add_option("--version", f->version, "A version number, latest or an alias");

  CLI::App* del = ForOneModel(AddCommand(group, "delete", "Delete a model, or one version", f,
                                         exit_code, Delete, /*json_output=*/false),
                              *f, "NAME or NAME@VERSION (one version)");
  del->add_option("--version", f->version, "Delete only this version");

  CLI::App* alias = group->add_subcommand("alias", "Point names like production at versions");
  alias->require_subcommand(1);
  CLI::App* set =
      ForOneModel(AddCommand(alias, "set", "Point ALIAS at VERSION", f, exit_code, SetAlias), *f);
  set->add_option("alias", f->alias, "Alias name (production, staging, ...)")->required();
  set->add_option("version", f->version, "Version number")->required();
  CLI::App* unset = ForOneModel(AddCommand(alias, "delete", "Remove an alias", f, exit_code,
                                           DeleteAlias, /*json_output=*/false),
                                *f);
  unset->add_option("alias", f->alias, "Alias name")->required();

  for (auto [name, help, run] :
       {std::tuple{"report", "Write the version's HTML report to a file", &Report},
        std::tuple{"download", "Download the version (native bundle or xgboost_json)",
                   &Download}}) {
    CLI::App* cmd = ForOneModel(AddCommand(group, name, help, f, exit_code, run,
                                           /*json_output=*/false),
                                *f, "NAME, NAME@VERSION or NAME@ALIAS");
    cmd->add_option("--version", f->version, "A version number, latest or an alias");
    cmd->add_option("-o,--output", f->output, "Where to write it (- for stdout)");
    cmd->add_flag("--force", f->force, "Overwrite an existing file");
    if (std::string(name) == "download") {
      cmd->add_option("--format", f->format, "native (zip) or xgboost_json")->capture_default_str();
    }
  }
}

}  // namespace easel::cli
