// label task create|list|show|delete, label queue|annotate|annotations|commit|export|prelabel|accept:
// labeling tasks over a dataset version, as an annotator or a script drives them.

#include <chrono>
#include <memory>
#include <thread>

#include "cli/command.h"
#include "cli/command_groups.h"
#include "cli/duration.h"
#include "cli/table.h"

namespace easel::cli {
namespace {

struct LabelFlags {
  CommonFlags common;
  ListFlags list;
  std::string project;
  std::string task;
  std::string dataset;
  std::string version;
  std::string kind;
  std::string labels;  // comma-separated
  std::string instructions;
  int64_t seed = -1;
  std::string sample;
  std::string label;
  std::vector<std::string> boxes;
  std::string status;
  std::string strategy = "random";
  std::string measure;
  std::string model;  // "name" or "name@version"
  double threshold = 0;
  int64_t limit = 10;
  std::string format;
  std::string params;
  bool wait = false;
  std::string timeout;
};

Result<std::string> TasksPath(const LabelFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string project, ProjectPath(f.project));
  return project + "/labeling-tasks";
}

Result<std::string> TaskPath(const LabelFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string tasks, TasksPath(f));
  return tasks + "/" + EncodeComponent(f.task);
}

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

std::string Counts(const Json& task) {
  const Json& c = Member(task, "counts");
  return Field(c, "labeled") + " labeled, " + Field(c, "reviewed") + " reviewed, " +
         Field(c, "rejected") + " rejected, " + Field(c, "unlabeled") + " unlabeled";
}

void PrintTask(const Json& t) {
  std::string labels;
  for (const Json& l : Member(t, "labels")) {
    if (l.is_string()) labels += (labels.empty() ? "" : ", ") + l.get<std::string>();
  }
  Print(RenderFields({{"Name", Field(t, "name")},
                      {"Id", Field(t, "id")},
                      {"Dataset", Field(t, "dataset") + " v" + Field(t, "version")},
                      {"Kind", Field(t, "kind")},
                      {"Labels", labels},
                      {"Samples", Field(t, "num_samples")},
                      {"Progress", Counts(t)},
                      {"Committed", Field(t, "committed_version")},
                      {"Instructions", Field(t, "instructions")},
                      {"Created", Field(t, "created_at")}}));
}

Status CreateTask(const LabelFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string path, TasksPath(f));
  Json body = {
      {"name", f.task}, {"dataset", f.dataset}, {"kind", f.kind}, {"labels", SplitList(f.labels)}};
  if (!f.version.empty()) body["version"] = f.version;
  if (!f.instructions.empty()) body["instructions"] = f.instructions;
  if (f.seed >= 0) body["seed"] = f.seed;
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_ASSIGN_OR_RETURN(Json t, client->Post(path, body));
  if (f.common.json) {
    PrintJson(t);
  } else {
    Print("Created labeling task " + Field(t, "name") + " over " + Field(t, "dataset") + " v" +
          Field(t, "version") + " (" + Field(t, "num_samples") + " samples)\n");
  }
  return OkStatus();
}

Status ListTasks(const LabelFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string path, TasksPath(f));
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_ASSIGN_OR_RETURN(Json list, ListAll(*client, path, {}, f.list));
  if (f.common.json) {
    PrintJson(list);
    return OkStatus();
  }
  Table table({{"name"},
               {"dataset"},
               {"version"},
               {"kind"},
               {"samples"},
               {"labeled"},
               {"reviewed"},
               {"rejected"},
               {"committed"}});
  for (const Json& t : list["items"]) {
    const Json& c = Member(t, "counts");
    table.AddRow({Field(t, "name"), Field(t, "dataset"), Field(t, "version"), Field(t, "kind"),
                  Field(t, "num_samples"), Field(c, "labeled"), Field(c, "reviewed"),
                  Field(c, "rejected"), Field(t, "committed_version")});
  }
  Print(table.rows() == 0 ? "No labeling tasks\n" : table.Render());
  return OkStatus();
}

Status ShowTask(const LabelFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string path, TaskPath(f));
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_ASSIGN_OR_RETURN(Json t, client->Get(path));
  if (f.common.json) {
    PrintJson(t);
  } else {
    PrintTask(t);
  }
  return OkStatus();
}

Status DeleteTask(const LabelFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string path, TaskPath(f));
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_RETURN_IF_ERROR(client->Delete(path));
  if (!f.common.json) Print("Deleted labeling task " + f.task + "\n");
  return OkStatus();
}

std::string SampleLabels(const Json& sample) {
  std::string out;
  for (const Json& l : Member(sample, "labels")) {
    if (l.is_string()) out += (out.empty() ? "" : ", ") + l.get<std::string>();
  }
  const Json& boxes = Member(sample, "boxes");
  if (boxes.is_array() && !boxes.empty()) {
    out += (out.empty() ? "" : " ") + std::to_string(boxes.size()) + " boxes";
  }
  return out.empty() ? "-" : out;
}

Status Queue(const LabelFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string path, TaskPath(f));
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_ASSIGN_OR_RETURN(
      Json queue,
      client->Get(path + "/queue" + QueryString({{"strategy", f.strategy},
                                                  {"measure", f.measure},
                                                  {"limit", std::to_string(f.limit)}})));
  if (f.common.json) {
    PrintJson(queue);
    return OkStatus();
  }
  Table table({{"sample"}, {"file", 48}, {"split"}, {"current"}, {"pre-label", 24},
               {"leased until"}});
  for (const Json& item : Member(queue, "items")) {
    std::string what = Field(item, "file");
    if (what == "-") what = Field(item, "values");
    const Json& pre = Member(item, "prelabel");
    std::string guess = pre.is_object() ? Field(pre, "label") + " (" +
                                              CellText(Member(pre, "confidence")) + ")"
                                        : "-";
    table.AddRow({Field(item, "id"), what, Field(item, "split"), SampleLabels(item), guess,
                  Field(item, "lease_expires_at")});
  }
  Print(table.rows() == 0 ? "Nothing left to label\n" : table.Render());
  return OkStatus();
}

// Pre-labels the task's open samples with a model (a prelabel job), waiting for it.
Status Prelabel(const LabelFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string path, TaskPath(f));
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_ASSIGN_OR_RETURN(Json accepted, client->Post(path + "/prelabel", {{"model", f.model}}));
  const std::string job_id = StringField(accepted, "job_id", "");
  EASEL_ASSIGN_OR_RETURN(std::string project, ProjectPath(f.project));
  const std::string job_path = project + "/jobs/" + EncodeComponent(job_id);
  EASEL_RETURN_IF_ERROR(WaitForJob(*client, job_path, job_id, f.timeout, f.common.json));
  if (!f.common.json) {
    EASEL_ASSIGN_OR_RETURN(Json job, client->Get(job_path));
    const Json& r = Member(job, "result");
    Print("Pre-labeled " + Field(r, "prelabeled") + " samples with " + Field(r, "model") + " v" +
          Field(r, "version") + " (" + Field(r, "unmatched") +
          " predicted a class that is not a task label)\n");
  }
  return OkStatus();
}

Status AcceptPrelabels(const LabelFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string path, TaskPath(f));
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_ASSIGN_OR_RETURN(Json r,
                         client->Post(path + "/prelabels/accept", {{"threshold", f.threshold}}));
  if (f.common.json) {
    PrintJson(r);
  } else {
    Print("Accepted " + Field(r, "accepted") + " pre-labels; " + Field(r, "remaining") +
          " left for people\n");
  }
  return OkStatus();
}

// "label,x,y,w,h" (the label may itself hold commas: the numbers are the last four fields).
Result<Json> ParseBox(const std::string& text) {
  std::vector<std::string> numbers;
  std::string rest = text;
  for (int i = 0; i < 4; ++i) {
    const size_t comma = rest.rfind(',');
    if (comma == std::string::npos) return UsageError("--box is label,x,y,w,h: " + text);
    numbers.insert(numbers.begin(), rest.substr(comma + 1));
    rest.resize(comma);
  }
  Json box = {{"label", rest}};
  const char* keys[] = {"x", "y", "w", "h"};
  for (int i = 0; i < 4; ++i) {
    char* end = nullptr;
    const double v = std::strtod(numbers[i].c_str(), &end);
    if (numbers[i].empty() || *end != '\0') {
      return UsageError(std::string("--box ") + keys[i] + " is not a number: " + text);
    }
    box[keys[i]] = v;
  }
  return box;
}

Status Annotate(const LabelFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string path, TaskPath(f));
  if (!f.label.empty() && !f.boxes.empty()) return UsageError("give --label or --box, not both");
  Json body = Json::object();
  if (!f.label.empty()) body["labels"] = Json::array({f.label});
  if (!f.boxes.empty()) {
    Json boxes = Json::array();
    for (const std::string& b : f.boxes) {
      EASEL_ASSIGN_OR_RETURN(Json box, ParseBox(b));
      boxes.push_back(std::move(box));
    }
    body["boxes"] = std::move(boxes);
  }
  if (!f.status.empty()) body["status"] = f.status;
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_ASSIGN_OR_RETURN(Json a,
                         client->Put(path + "/annotations/" + EncodeComponent(f.sample), body));
  if (f.common.json) {
    PrintJson(a);
  } else {
    Print("Sample " + f.sample + ": " + Field(a, "status") + " (" + SampleLabels(a) + ")\n");
  }
  return OkStatus();
}

Status ListAnnotations(const LabelFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string path, TaskPath(f));
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_ASSIGN_OR_RETURN(Json list,
                         ListAll(*client, path + "/annotations", {{"status", f.status}}, f.list));
  if (f.common.json) {
    PrintJson(list);
    return OkStatus();
  }
  Table table({{"sample"}, {"status"}, {"labels", 40}, {"author"}, {"updated"}});
  for (const Json& a : list["items"]) {
    table.AddRow({Field(a, "sample_id"), Field(a, "status"), SampleLabels(a), Field(a, "author"),
                  Field(a, "updated_at")});
  }
  Print(table.rows() == 0 ? "No annotations\n" : table.Render());
  return OkStatus();
}

Status Commit(const LabelFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string path, TaskPath(f));
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_ASSIGN_OR_RETURN(Json v, client->Post(path + "/commit"));
  if (f.common.json) {
    PrintJson(v);
  } else {
    Print("Committed " + Field(v, "dataset") + " version " + Field(v, "version") + " (" +
          Field(v, "num_samples") + " samples, " + Field(v, "content_hash") + ")\n");
  }
  return OkStatus();
}

// Polls the export job until it ends (or --timeout passes) and answers it.
Result<Json> WaitForExport(ApiClient& client, const std::string& job_path,
                           const std::string& timeout) {
  std::optional<std::chrono::steady_clock::time_point> deadline;
  if (!timeout.empty()) {
    Result<int64_t> seconds = ParseDurationSeconds(timeout);
    if (!seconds.ok()) return UsageError("--timeout: " + seconds.status().message());
    deadline = std::chrono::steady_clock::now() + std::chrono::seconds(*seconds);
  }
  auto interval = std::chrono::milliseconds(200);
  for (;;) {
    EASEL_ASSIGN_OR_RETURN(Json job, client.Get(job_path));
    const std::string state = StringField(job, "state");
    if (state == "succeeded") return job;
    if (state == "failed" || state == "cancelled") {
      const Json& error = Member(job, "error");
      StatusCode code =
          StatusCodeFromName(StringField(error, "code")).value_or(StatusCode::kUnknown);
      if (code == StatusCode::kOk) code = StatusCode::kUnknown;
      if (state == "cancelled") code = StatusCode::kCancelled;
      return Status(code, "export job " + StringField(job, "id") + " " + state +
                              (error.is_object() ? ": " + StringField(error, "message") : ""));
    }
    if (deadline && std::chrono::steady_clock::now() >= *deadline) {
      return DeadlineExceeded("timed out after " + timeout + " waiting for export job " +
                              StringField(job, "id") + " (state: " + state + ")");
    }
    std::this_thread::sleep_for(interval);
    interval = std::min(interval * 3 / 2, std::chrono::milliseconds(2000));
  }
}

Status Export(const LabelFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string project, ProjectPath(f.project));
  EASEL_ASSIGN_OR_RETURN(std::string path, TaskPath(f));
  Json body = {{"format", f.format}};
  if (!f.params.empty()) {
    Result<Json> params = ParseJson(f.params);
    if (!params.ok() || !params->is_object()) return UsageError("--params must be a JSON object");
    body["params"] = *params;
  }
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_ASSIGN_OR_RETURN(Json submitted, client->Post(path + "/exports", body));
  const std::string job_id = StringField(submitted, "job_id");
  if (!f.wait) {
    if (f.common.json) {
      PrintJson(submitted);
    } else {
      Print("Submitted export job " + job_id + " (wait with: easel job wait " + job_id + ")\n");
    }
    return OkStatus();
  }
  EASEL_ASSIGN_OR_RETURN(
      Json job, WaitForExport(*client, project + "/jobs/" + EncodeComponent(job_id), f.timeout));
  const Json& result = Member(job, "result");
  if (f.common.json) {
    PrintJson(result);
  } else {
    Print("Exported " + Field(result, "num_samples") + " samples to artifact " +
          Field(result, "artifact_id") + " (" + Field(result, "name") + ", " +
          Field(result, "size") + " bytes)\n");
  }
  return OkStatus();
}

// The task positional and -p of every command that names one task.
CLI::App* ForOneTask(CLI::App* cmd, LabelFlags& f) {
  cmd->add_option("task", f.task, "Labeling task name")->required();
  AddProjectFlag(cmd, f.project);
  return cmd;
}

}  // namespace

void AddLabelingCommands(CLI::App& app, int& exit_code) {
  auto f = std::make_shared<LabelFlags>();
  CLI::App* group = app.add_subcommand("label", "Label datasets: tasks, queue, annotations");
  group->alias("labeling");
  group->require_subcommand(1);

  CLI::App* task = group->add_subcommand("task", "Create, list, show and delete labeling tasks");
  task->require_subcommand(1);
  CLI::App* create =
      ForOneTask(AddCommand(task, "create", "Create a labeling task over a dataset version", f,
                            exit_code, CreateTask),
                 *f);
  create->add_option("--dataset", f->dataset, "Dataset to label")->required();
  create->add_option("--version", f->version, "Dataset version (default: latest)");
  create->add_option("--kind", f->kind, "What annotators produce")
      ->required()
      ->check(CLI::IsMember({"classification", "detection", "text_classification"}));
  create->add_option("--labels", f->labels, "Comma-separated labels, e.g. cat,dog")->required();
  create->add_option("--instructions", f->instructions, "Guidelines shown to annotators");
  create->add_option("--seed", f->seed, "Seed of the queue's random order")
      ->check(CLI::NonNegativeNumber);

  CLI::App* list =
      AddCommand(task, "list", "List a project's labeling tasks", f, exit_code, ListTasks);
  list->alias("ls");
  AddProjectFlag(list, f->project);
  AddListFlags(list, f->list);

  ForOneTask(AddCommand(task, "show", "Show a task and its progress", f, exit_code, ShowTask), *f)
      ->alias("get");
  ForOneTask(AddCommand(task, "delete", "Delete a task and its annotations", f, exit_code,
                        DeleteTask, /*json_output=*/false),
             *f);

  CLI::App* queue = ForOneTask(
      AddCommand(group, "queue", "Take the next samples to label (leased to you for 10 minutes)", f,
                 exit_code, Queue),
      *f);
  queue->add_option("--limit", f->limit, "How many samples (1-100)")->check(CLI::Range(1, 100));
  queue->add_option("--strategy", f->strategy, "random or uncertainty (least certain first)");
  queue->add_option("--measure", f->measure,
                    "With uncertainty: least_confidence (default), margin or entropy");

  CLI::App* prelabel = ForOneTask(
      AddCommand(group, "prelabel", "Pre-label open samples with a model", f, exit_code, Prelabel),
      *f);
  prelabel->add_option("--model", f->model, "MODEL or MODEL@VERSION (version or alias)")
      ->required();
  prelabel->add_option("--timeout", f->timeout, "Give up waiting after this long (e.g. 10m)");

  CLI::App* accept = ForOneTask(AddCommand(group, "accept", "Accept confident pre-labels", f,
                                           exit_code, AcceptPrelabels),
                                *f);
  accept->add_option("--threshold", f->threshold, "Minimum confidence, in (0, 1]")->required();

  CLI::App* annotate =
      ForOneTask(AddCommand(group, "annotate", "Label one sample", f, exit_code, Annotate), *f);
  annotate->add_option("sample", f->sample, "Sample id (from `label queue`)")->required();
  annotate->add_option("--label", f->label, "The sample's label (classification)");
  annotate->add_option("--box", f->boxes, "A box label,x,y,w,h in pixels (detection; repeat)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  annotate->add_option("--status", f->status, "labeled (default), reviewed, rejected, unlabeled")
      ->check(CLI::IsMember({"labeled", "reviewed", "rejected", "unlabeled"}));

  CLI::App* annotations = ForOneTask(
      AddCommand(group, "annotations", "List a task's annotations", f, exit_code, ListAnnotations),
      *f);
  annotations->add_option("--status", f->status, "Only annotations with this status")
      ->check(CLI::IsMember({"labeled", "reviewed", "rejected", "unlabeled"}));
  AddListFlags(annotations, f->list);

  ForOneTask(AddCommand(group, "commit", "Make a new dataset version from the annotations", f,
                        exit_code, Commit),
             *f);

  CLI::App* exp = ForOneTask(
      AddCommand(group, "export", "Export the task's samples with its annotations as a zip", f,
                 exit_code, Export),
      *f);
  exp->add_option("--format", f->format, "coco, voc, yolo, csv, ...")->required();
  exp->add_option("--params", f->params, "Exporter options as a JSON object");
  exp->add_flag("--wait", f->wait, "Wait for the export and print the artifact");
  exp->add_option("--timeout", f->timeout, "With --wait: give up after this long (e.g. 10m)");
}

}  // namespace easel::cli
