// dataset create|import|list|show|versions|diff|samples|export.

#include <filesystem>
#include <memory>

#include "cli/command.h"
#include "cli/command_groups.h"
#include "cli/table.h"

namespace easel::cli {
namespace {

namespace fs = std::filesystem;

struct DatasetFlags {
  CommonFlags common;
  ListFlags list;
  std::string project;
  std::string name;
  std::string type;
  std::string description;
  std::string file;
  std::string format;
  std::string params;
  std::string split;
  std::string version = "latest";
  std::string from;
  std::string to;
  std::string label;
  std::string timeout;
  bool no_wait = false;
};

Result<std::string> DatasetPath(const DatasetFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string project, ProjectPath(f.project));
  return project + "/datasets/" + EncodeComponent(f.name);
}

// Validates a JSON-object flag locally so a typo is a usage error, not a server round trip.
Status CheckJsonFlag(const std::string& flag, const std::string& value) {
  if (value.empty()) return OkStatus();
  auto j = ParseJson(value);
  if (!j.ok() || !j->is_object()) return UsageError(flag + " must be a JSON object");
  return OkStatus();
}

Status Create(const DatasetFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string project, ProjectPath(f.project));
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  Json body = {{"name", f.name}, {"type", f.type}};
  if (!f.description.empty()) body["description"] = f.description;
  EASEL_ASSIGN_OR_RETURN(Json d, client->Post(project + "/datasets", body));
  if (f.common.json) {
    PrintJson(d);
  } else {
    Print("Created dataset " + Field(d, "name") + " (" + Field(d, "type") + ")\n");
  }
  return OkStatus();
}

// Prints what an import job made: the version, counts, and the first rejected files.
void PrintImportResult(const Json& job) {
  const Json& r = Member(job, "result");
  Print("Version " + Field(r, "version") + ": " + Field(r, "num_samples") + " samples (" +
        Field(r, "format") + "), " + Field(r, "rejected_count") + " rejected\n");
  const Json& rejected = Member(r, "rejected");
  if (rejected.is_array() && !rejected.empty()) {
    Table table({{"rejected file", 50}, {"reason", 60}});
    size_t shown = 0;
    for (const Json& e : rejected) {
      if (++shown > 20) break;
      table.AddRow({Field(e, "file"), Field(e, "reason")});
    }
    Print(table.Render());
    if (rejected.size() > 20) Print("... (see `easel job show` for the whole list)\n");
  }
}

Status Import(const DatasetFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string path, DatasetPath(f));
  EASEL_RETURN_IF_ERROR(CheckJsonFlag("--params", f.params));
  EASEL_RETURN_IF_ERROR(CheckJsonFlag("--split", f.split));
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  const std::string query = QueryString({{"file_name", fs::path(f.file).filename().string()},
                                         {"format", f.format},
                                         {"params", f.params},
                                         {"split", f.split}});
  EASEL_ASSIGN_OR_RETURN(Json accepted, UploadFile(*client, path + "/imports" + query, f.file,
                                                   "application/octet-stream"));
  const std::string job_id = StringField(accepted, "job_id", "");
  if (f.no_wait) {
    if (f.common.json) {
      PrintJson(accepted);
    } else {
      Print("Uploaded; import job " + job_id + " queued\n");
    }
    return OkStatus();
  }
  EASEL_ASSIGN_OR_RETURN(std::string project, ProjectPath(f.project));
  const std::string job_path = project + "/jobs/" + EncodeComponent(job_id);
  Status outcome = WaitForJob(*client, job_path, job_id, f.timeout, f.common.json);
  if (!f.common.json) {
    auto job = client->Get(job_path);
    if (job.ok() && outcome.ok()) PrintImportResult(*job);
  }
  return outcome;
}

Status List(const DatasetFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string project, ProjectPath(f.project));
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_ASSIGN_OR_RETURN(Json list, ListAll(*client, project + "/datasets", {}, f.list));
  if (f.common.json) {
    PrintJson(list);
    return OkStatus();
  }
  Table table({{"name", 40}, {"type"}, {"latest version"}, {"created"}});
  for (const Json& d : list["items"]) {
    table.AddRow(
        {Field(d, "name"), Field(d, "type"), Field(d, "latest_version"), Field(d, "created_at")});
  }
  Print(table.rows() == 0 ? "No datasets\n" : table.Render());
  return OkStatus();
}

std::string Number(const Json& stats, const char* key) {
  const Json& v = Member(stats, key);
  if (!v.is_number()) return v.is_string() ? v.get<std::string>() : "";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v.get<double>());
  return buf;
}

// The statistics of a version as tables: classes, then columns or images.
void PrintStats(const Json& stats) {
  const Json& classes = Member(stats, "class_counts");
  if (classes.is_object() && !classes.empty()) {
    Table t({{"class", 40}, {"samples"}});
    for (const auto& [name, n] : classes.items()) t.AddRow({name, n.dump()});
    Print("\n" + t.Render());
  }
  const Json& columns = Member(stats, "columns");
  if (columns.is_array() && !columns.empty()) {
    Table t({{"column", 30}, {"type"}, {"missing"}, {"distinct"}, {"min"}, {"max"}, {"mean"}});
    for (const Json& c : columns) {
      t.AddRow({Field(c, "name"), Field(c, "type"), Field(c, "missing"), Field(c, "distinct"),
                Number(c, "min"), Number(c, "max"), Number(c, "mean")});
    }
    Print("\n" + t.Render());
  }
  const Json& images = Member(stats, "images");
  if (images.is_object()) {
    const Json& w = Member(images, "width");
    const Json& h = Member(images, "height");
    Print("\nImage width " + Number(w, "min") + ".." + Number(w, "max") + ", height " +
          Number(h, "min") + ".." + Number(h, "max") + "\n");
  }
  const Json& boxes = Member(stats, "boxes");
  if (boxes.is_object()) Print("Boxes: " + Field(boxes, "count") + "\n");
  const Json& time = Member(stats, "time");
  if (time.is_object()) {
    Print("\nTime " + Field(time, "start") + " .. " + Field(time, "end") + ", frequency " +
          Field(time, "frequency") + ", " + Field(time, "series") + " series\n");
  }
}

Status Show(const DatasetFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string path, DatasetPath(f));
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_ASSIGN_OR_RETURN(Json d, client->Get(path));
  Json v;
  if (!d["latest_version"].is_null()) {
    EASEL_ASSIGN_OR_RETURN(v, client->Get(path + "/versions/" + EncodeComponent(f.version)));
  }
  if (f.common.json) {
    PrintJson({{"dataset", d}, {"version", v}});
    return OkStatus();
  }
  std::vector<std::pair<std::string, std::string>> fields = {
      {"Name", Field(d, "name")}, {"Type", Field(d, "type")}, {"Created", Field(d, "created_at")}};
  if (v.is_null()) {
    fields.push_back({"Versions", "none yet (easel dataset import)"});
    Print(RenderFields(fields));
    return OkStatus();
  }
  const Json& splits = Member(v, "splits");
  fields.push_back({"Version", Field(v, "version") + " of " + Field(d, "latest_version")});
  fields.push_back({"Samples", Field(v, "num_samples")});
  fields.push_back({"Content hash", Field(v, "content_hash")});
  fields.push_back({"Splits", "train " + Field(splits, "train") + ", val " + Field(splits, "val") +
                                  ", test " + Field(splits, "test")});
  Print(RenderFields(fields));
  PrintStats(Member(v, "stats"));
  return OkStatus();
}

Status Versions(const DatasetFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string path, DatasetPath(f));
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_ASSIGN_OR_RETURN(Json list, ListAll(*client, path + "/versions", {}, f.list));
  if (f.common.json) {
    PrintJson(list);
    return OkStatus();
  }
  Table table({{"version"}, {"samples"}, {"source"}, {"content hash", 16}, {"created"}});
  for (const Json& v : list["items"]) {
    table.AddRow({Field(v, "version"), Field(v, "num_samples"), Field(Member(v, "source"), "kind"),
                  Field(v, "content_hash"), Field(v, "created_at")});
  }
  Print(table.rows() == 0 ? "No versions\n" : table.Render());
  return OkStatus();
}

Status Diff(const DatasetFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string path, DatasetPath(f));
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_ASSIGN_OR_RETURN(
      Json d, client->Get(path + "/diff" + QueryString({{"from", f.from}, {"to", f.to}})));
  if (f.common.json) {
    PrintJson(d);
    return OkStatus();
  }
  const Json& c = Member(d, "counts");
  Print("From version " + Field(d, "from") + " to " + Field(d, "to") + ": " + Field(c, "added") +
        " added, " + Field(c, "removed") + " removed, " + Field(c, "relabelled") + " relabelled, " +
        Field(c, "unchanged") + " unchanged\n");
  const Json& relabelled = Member(d, "relabelled");
  if (relabelled.is_array() && !relabelled.empty()) {
    Table t({{"sample"}, {"from", 30}, {"to", 30}});
    for (const Json& r : relabelled) {
      t.AddRow({Field(r, "id"), Member(Member(r, "from"), "labels").dump(),
                Member(Member(r, "to"), "labels").dump()});
    }
    Print(t.Render());
  }
  return OkStatus();
}

Status Samples(const DatasetFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string path, DatasetPath(f));
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  ListFlags list_flags = f.list;
  if (list_flags.limit == 0) list_flags.limit = 50;
  EASEL_ASSIGN_OR_RETURN(
      Json list, ListAll(*client, path + "/versions/" + EncodeComponent(f.version) + "/samples",
                         {{"split", f.split}, {"label", f.label}}, list_flags));
  if (f.common.json) {
    PrintJson(list);
    return OkStatus();
  }
  Table table({{"id"}, {"split"}, {"labels", 30}, {"file / values", 60}});
  for (const Json& s : list["items"]) {
    std::string what = Field(s, "file");
    if (what == "-") what = Member(s, "values").dump();
    std::string labels = Member(s, "labels").dump();
    if (const Json& boxes = Member(s, "boxes"); boxes.is_array()) {
      labels += " +" + std::to_string(boxes.size()) + " boxes";
    }
    table.AddRow({Field(s, "id"), Field(s, "split"), labels, what});
  }
  Print(table.rows() == 0 ? "No samples\n" : table.Render());
  return OkStatus();
}

Status Export(const DatasetFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string path, DatasetPath(f));
  EASEL_RETURN_IF_ERROR(CheckJsonFlag("--params", f.params));
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  Json body = {{"format", f.format}};
  if (!f.params.empty()) body["params"] = *ParseJson(f.params);
  EASEL_ASSIGN_OR_RETURN(
      Json accepted,
      client->Post(path + "/versions/" + EncodeComponent(f.version) + "/exports", body));
  const std::string job_id = StringField(accepted, "job_id", "");
  EASEL_ASSIGN_OR_RETURN(std::string project, ProjectPath(f.project));
  const std::string job_path = project + "/jobs/" + EncodeComponent(job_id);
  EASEL_RETURN_IF_ERROR(WaitForJob(*client, job_path, job_id, f.timeout, f.common.json));
  if (!f.common.json) {
    EASEL_ASSIGN_OR_RETURN(Json job, client->Get(job_path));
    const Json& r = Member(job, "result");
    Print("Exported to artifact " + Field(r, "artifact_id") + " (" + Field(r, "name") +
          "); download it with: easel artifact download " + Field(r, "artifact_id") + "\n");
  }
  return OkStatus();
}

CLI::App* ForOneDataset(CLI::App* cmd, DatasetFlags& f) {
  cmd->add_option("name", f.name, "Dataset name")->required();
  AddProjectFlag(cmd, f.project);
  return cmd;
}

}  // namespace

void AddDatasetCommands(CLI::App& app, int& exit_code) {
  auto f = std::make_shared<DatasetFlags>();
  CLI::App* group = app.add_subcommand("dataset", "Create, import, inspect and export datasets");
  group->alias("datasets");
  group->require_subcommand(1);

  CLI::App* create =
      ForOneDataset(AddCommand(group, "create", "Create a dataset", f, exit_code, Create), *f);
  create->add_option("--type", f->type, "Dataset type")
      ->required()
      ->check(CLI::IsMember({"image_classification", "object_detection", "tabular",
                             "text_classification", "time_series"}));
  create->add_option("--description", f->description, "What the dataset holds");

  CLI::App* import =
      ForOneDataset(AddCommand(group, "import", "Import a file or archive as a new version", f,
                               exit_code, Import),
                    *f);
  import->add_option("file", f->file, "CSV, JSONL, JSON, image, or a zip/tar(.gz) archive")
      ->required();
  import->add_option("--format", f->format,
                     "image_folder, image_csv, coco, voc, yolo, csv, jsonl (detected when absent)");
  import->add_option("--params", f->params, "Importer options as a JSON object");
  import->add_option("--split", f->split,
                     "Split as JSON, e.g. {\"train\":0.8,\"val\":0.1,\"test\":0.1,\"seed\":42}");
  import->add_flag("--no-wait", f->no_wait, "Return once uploaded, without waiting for the import");
  import->add_option("--timeout", f->timeout, "Give up waiting after this long (e.g. 30m)");

  CLI::App* list = AddCommand(group, "list", "List a project's datasets", f, exit_code, List);
  list->alias("ls");
  AddProjectFlag(list, f->project);
  AddListFlags(list, f->list);

  CLI::App* show = ForOneDataset(
      AddCommand(group, "show", "Show a dataset version with its statistics", f, exit_code, Show),
      *f);
  show->add_option("--version", f->version, "Version number or latest");

  CLI::App* versions = ForOneDataset(
      AddCommand(group, "versions", "List a dataset's versions", f, exit_code, Versions), *f);
  AddListFlags(versions, f->list);

  CLI::App* diff = ForOneDataset(
      AddCommand(group, "diff", "What changed between two versions", f, exit_code, Diff), *f);
  diff->add_option("from", f->from, "Older version")->required();
  diff->add_option("to", f->to, "Newer version")->required();

  CLI::App* samples = ForOneDataset(
      AddCommand(group, "samples", "List a version's samples", f, exit_code, Samples), *f);
  samples->add_option("--version", f->version, "Version number or latest");
  samples->add_option("--split", f->split, "Only this split")
      ->check(CLI::IsMember({"train", "val", "test"}));
  samples->add_option("--label", f->label, "Only samples with this label");
  AddListFlags(samples, f->list);

  CLI::App* exp = ForOneDataset(
      AddCommand(group, "export", "Export a version (COCO, VOC, YOLO, CSV...) as an artifact", f,
                 exit_code, Export),
      *f);
  exp->add_option("--format", f->format, "Export format")->required();
  exp->add_option("--version", f->version, "Version number or latest");
  exp->add_option("--params", f->params, "Exporter options as a JSON object");
  exp->add_option("--timeout", f->timeout, "Give up waiting after this long");
}

}  // namespace easel::cli
