#include "train/train_kind.h"

#include <regex>

#include "common/names.h"
#include "common/version.h"
#include "data/dataset_type.h"
#include "data/datasets.h"
#include "jobs/job_context.h"
#include "models/model_ref.h"
#include "models/model_store.h"
#include "train/dataset_problem.h"
#include "train/evaluate.h"
#include "train/job_hooks.h"
#include "train/params.h"

namespace easel::train {

namespace {

constexpr const char* kSpecFields[] = {
    "algorithm", "dataset",    "target", "task",   "params",      "transforms",
    "resources", "model_name", "seed",   "parent", "description", "train_on_validation"};

Status FieldError(const std::string& field, const std::string& message) {
  return Status(StatusCode::kInvalidArgument, message, Json{{"field", field}});
}

// A dataset or parent reference: {name|model, version: integer >= 1 | "latest" | alias}.
Result<std::pair<std::string, std::string>> GetRef(const Json& spec, const char* field,
                                                   const char* name_key, bool aliases) {
  const Json& ref = spec[field];
  if (!ref.is_object()) {
    return FieldError(field, std::string(field) + " must be an object {" + name_key + ", version}");
  }
  EASEL_ASSIGN_OR_RETURN(std::string name, GetString(ref, name_key));
  std::string version = "latest";
  if (auto v = ref.find("version"); v != ref.end() && !v->is_null()) {
    if (v->is_number_integer() && v->get<int64_t>() >= 1) {
      version = std::to_string(v->get<int64_t>());
    } else if (v->is_string() && (aliases || v->get<std::string>() == "latest")) {
      version = v->get<std::string>();
    } else {
      return FieldError(field, std::string(field) + ".version must be an integer from 1 or " +
                                   (aliases ? "\"latest\" or an alias" : "\"latest\""));
    }
  }
  return std::make_pair(name, version);
}

struct TrainSpec {
  const Algorithm* algorithm = nullptr;
  Json params;
  std::string dataset, dataset_version;
  std::string target, task;
  Json transforms;
  Resources resources;
  std::string model_name;
  std::string description;
  uint64_t seed = 0;
  std::optional<std::pair<std::string, std::string>> parent;
  bool train_on_validation = false;
};

Result<TrainSpec> ParseSpec(const AlgorithmRegistry& algorithms, const Json& spec) {
  for (const auto& [key, value] : spec.items()) {
    if (std::find(std::begin(kSpecFields), std::end(kSpecFields), key) == std::end(kSpecFields)) {
      return FieldError(key, "unknown field '" + key + "' in a train spec");
    }
  }
  TrainSpec t;
  EASEL_ASSIGN_OR_RETURN(std::string algorithm, GetString(spec, "algorithm"));
  auto found = algorithms.Find(algorithm);
  if (!found.ok()) return FieldError("algorithm", found.status().message());
  t.algorithm = *found;
  if (!spec.contains("dataset")) return FieldError("dataset", "field 'dataset' is required");
  EASEL_ASSIGN_OR_RETURN(auto dataset, GetRef(spec, "dataset", "name", false));
  EASEL_RETURN_IF_ERROR(ValidateName("dataset", dataset.first));
  t.dataset = dataset.first;
  t.dataset_version = dataset.second;
  EASEL_ASSIGN_OR_RETURN(auto target, GetOptionalString(spec, "target"));
  t.target = target.value_or("");
  EASEL_ASSIGN_OR_RETURN(auto task, GetOptionalString(spec, "task"));
  t.task = task.value_or("");
  if (!t.task.empty() && t.task != "binary" && t.task != "multiclass" &&
      t.task != "classification" && t.task != "regression") {
    return FieldError("task", "task must be binary, multiclass, classification or regression");
  }
  EASEL_ASSIGN_OR_RETURN(t.params,
                         ResolveParams(t.algorithm->params_schema, spec.value("params", Json())));
  t.transforms = spec.value("transforms", Json());
  if (!t.transforms.is_null()) {
    if (!t.transforms.is_object()) return FieldError("transforms", "transforms must be an object");
    if (t.algorithm->input != InputKind::kTabular) {
      return FieldError("transforms", "algorithm '" + algorithm +
                                          "' builds its own image pipeline from its params");
    }
  }
  if (auto r = spec.find("resources"); r != spec.end() && !r->is_null()) {
    if (!r->is_object()) return FieldError("resources", "resources must be an object");
    EASEL_ASSIGN_OR_RETURN(auto device, GetOptionalString(*r, "device"));
    t.resources.device = device.value_or("cpu");
    static const std::regex kDevice("cpu|cuda(:[0-9]{1,2})?");
    if (!std::regex_match(t.resources.device, kDevice)) {
      return FieldError("resources", "resources.device must be \"cpu\", \"cuda\" or \"cuda:N\"");
    }
    if (t.resources.device != "cpu" && !t.algorithm->cuda) {
      return FieldError("resources", "algorithm '" + algorithm + "' runs on the CPU only");
    }
    EASEL_ASSIGN_OR_RETURN(auto threads, GetOptionalInt(*r, "threads", 0, 1024));
    t.resources.threads = static_cast<int>(threads.value_or(0));
  }
  EASEL_ASSIGN_OR_RETURN(auto model_name, GetOptionalString(spec, "model_name"));
  t.model_name = model_name.value_or(t.dataset + "-" + algorithm);
  if (t.model_name.size() > 63) t.model_name.resize(63);
  EASEL_RETURN_IF_ERROR(ValidateName("model", t.model_name));
  EASEL_ASSIGN_OR_RETURN(auto description, GetOptionalString(spec, "description"));
  t.description = description.value_or("");
  EASEL_ASSIGN_OR_RETURN(auto seed, GetOptionalInt(spec, "seed", 0, INT64_MAX));
  t.seed = static_cast<uint64_t>(seed.value_or(0));
  if (spec.contains("parent") && !spec["parent"].is_null()) {
    if (t.algorithm->input != InputKind::kImage) {
      return FieldError("parent", "fine-tuning from a parent version is for image algorithms");
    }
    EASEL_ASSIGN_OR_RETURN(t.parent, GetRef(spec, "parent", "model", true));
  }
  EASEL_ASSIGN_OR_RETURN(auto merge, GetOptionalBool(spec, "train_on_validation"));
  t.train_on_validation = merge.value_or(false);
  return t;
}

Result<std::pair<data::Dataset, data::DatasetVersion>> ResolveDataset(store::Database& db,
                                                                      const std::string& project_id,
                                                                      const TrainSpec& t) {
  data::DatasetStore datasets(db);
  EASEL_ASSIGN_OR_RETURN(data::Dataset d, datasets.Get(project_id, t.dataset));
  EASEL_ASSIGN_OR_RETURN(int64_t n, data::ParseVersionRef(t.dataset_version));
  if (n == 0) n = d.latest_version;
  if (n == 0) return FailedPrecondition("dataset '" + d.name + "' has no version yet");
  EASEL_ASSIGN_OR_RETURN(data::DatasetVersion v, datasets.GetVersion(d.id, n));
  return std::make_pair(std::move(d), std::move(v));
}

// What can be known about the data before training: the algorithm reads this dataset type,
// and the target is one of the version's columns.
Status CheckInputs(const TrainSpec& t, const data::Dataset& d, const data::DatasetVersion& v) {
  bool images = data::IsImageType(d.type);
  if (images != (t.algorithm->input == InputKind::kImage)) {
    return FieldError("algorithm", "algorithm '" + t.algorithm->name + "' does not train on " +
                                       std::string(data::ToString(d.type)) + " datasets");
  }
  if (images) return OkStatus();
  std::vector<std::string> columns = v.columns();
  if (!t.target.empty() && std::find(columns.begin(), columns.end(), t.target) == columns.end()) {
    std::string known;
    for (const std::string& c : columns) known += (known.empty() ? "" : ", ") + c;
    return FieldError(
        "target", "dataset '" + d.name + "' has no column '" + t.target + "'; columns: " + known);
  }
  if (t.target.empty() && d.type == data::DatasetType::kTabular) {
    return FieldError("target", "a tabular dataset needs a target: the column to predict");
  }
  return OkStatus();
}

Result<models::ModelVersion> ResolveParent(store::Database& db, const std::string& project_id,
                                           const TrainSpec& t) {
  models::ModelStore store(db);
  models::ModelRef ref{t.parent->first, t.parent->second};
  EASEL_ASSIGN_OR_RETURN(models::ModelVersion v, models::ResolveModelRef(store, project_id, ref));
  if (v.format != t.algorithm->format) {
    return FieldError("parent", "model '" + v.model_name + "' version " +
                                    std::to_string(v.version) + " is a " + v.format + " model; " +
                                    t.algorithm->name + " fine-tunes " + t.algorithm->format +
                                    " models");
  }
  return v;
}

Json ResultJson(const models::ModelVersion& v, const std::string& split) {
  return {{"model", v.model_name},
          {"version", v.version},
          {"metrics", v.metrics},
          {"evaluation_split", split}};
}

// The inputs a served model takes and what it answers (KServe v2 datatypes).
Json Signature(const data::DatasetVersion& version, const TrainSpec& t, Task task,
               const std::vector<std::string>& classes, bool images) {
  Json inputs = Json::array();
  if (images) {
    inputs.push_back({{"name", "image"}, {"datatype", "BYTES"}, {"shape", {-1}}});
  } else {
    for (const Json& c : version.stats.value("columns", Json::array())) {
      std::string name = c.value("name", "");
      if (name == t.target) continue;
      std::string type = c.value("type", "text");
      inputs.push_back({{"name", name},
                        {"datatype", type == "numeric" || type == "boolean" ? "FP32" : "BYTES"},
                        {"shape", {-1}}});
    }
  }
  Json outputs = Json::array();
  if (task == Task::kRegression) {
    outputs.push_back({{"name", "value"}, {"datatype", "FP32"}, {"shape", {-1}}});
  } else {
    outputs.push_back({{"name", "probabilities"},
                       {"datatype", "FP32"},
                       {"shape", {-1, static_cast<int64_t>(classes.size())}}});
    outputs.push_back({{"name", "label"}, {"datatype", "BYTES"}, {"shape", {-1}}});
  }
  Json s = {{"inputs", inputs}, {"outputs", outputs}};
  if (task != Task::kRegression) s["classes"] = classes;
  return s;
}

// The validation rows join the training rows (a final refit); the pipeline stays the one fitted
// on the train split, so the model reads inputs exactly as the run it repeats did.
void MergeValidationIntoTrain(TabularProblem& p) {
  data::transforms::FeatureMatrix& x = p.train.x;
  const data::transforms::FeatureMatrix& v = p.val.x;
  x.data.insert(x.data.end(), v.data.begin(), v.data.end());
  x.rows += v.rows;
  p.train.y.insert(p.train.y.end(), p.val.y.begin(), p.val.y.end());
  p.val = TabularSplit{};
  p.val.x.cols = x.cols;
}

struct Trained {
  ModelFiles files;
  Json evaluation;
  std::string split;
  Task task = Task::kMulticlass;
  std::vector<std::string> classes;
};

// Picks the split to evaluate on: test, else val, else train (the evaluation says which).
template <typename Split>
std::pair<const Split*, std::string> EvaluationSplit(const Split& train, const Split& val,
                                                     const Split& test,
                                                     bool (*empty)(const Split&)) {
  if (!empty(test)) return {&test, "test"};
  if (!empty(val)) return {&val, "val"};
  return {&train, "train"};
}

Result<Trained> TrainTabular(const AlgorithmRegistry& algorithms, jobs::JobContext& ctx,
                             store::BlobStore& blobs, const TrainSpec& t,
                             const data::Dataset& dataset, const data::DatasetVersion& version) {
  TabularOptions options{t.target, t.task, t.transforms, t.algorithm->needs_scaled_inputs};
  EASEL_ASSIGN_OR_RETURN(TabularData data, LoadTabularData(blobs, dataset, version, options));
  for (const std::string& note : data.notes) ctx.Log(note);
  if (t.train_on_validation) MergeValidationIntoTrain(data.problem);
  const TabularProblem& p = data.problem;
  ctx.Log("training " + t.algorithm->name + " (" + std::string(TaskName(p.task)) + ") on " +
          std::to_string(p.train.rows()) + " rows, " + std::to_string(p.feature_names.size()) +
          " features; val " + std::to_string(p.val.rows()) + ", test " +
          std::to_string(p.test.rows()) + " rows");
  if (data.rows_without_target > 0) {
    ctx.Log(std::to_string(data.rows_without_target) + " rows without a target were left out");
  }
  JobHooks hooks(ctx, p.task == Task::kRegression ? "rmse" : "accuracy", 0.05, 0.9);
  EASEL_ASSIGN_OR_RETURN(ModelFiles files,
                         t.algorithm->train_tabular(p, t.params, t.seed, t.resources, hooks));
  files["pipeline.json"] = DumpJson(data.pipeline.ToJson());
  EASEL_ASSIGN_OR_RETURN(const ModelLoader* loader, algorithms.FindLoader(t.algorithm->format));
  EASEL_ASSIGN_OR_RETURN(auto model, loader->tabular(files));
  auto [split, name] = EvaluationSplit<TabularSplit>(
      p.train, p.val, p.test, [](const TabularSplit& s) { return s.rows() == 0; });
  ctx.SetProgress(0.9, "evaluating on the " + name + " split");
  EASEL_ASSIGN_OR_RETURN(Json evaluation,
                         EvaluateTabular(*model, p.task, p.classes, *split, p.feature_names));
  evaluation["training"] = hooks.History();
  return Trained{std::move(files), std::move(evaluation), name, p.task, p.classes};
}

Result<Trained> TrainImages(const AlgorithmRegistry& algorithms, jobs::JobContext& ctx,
                            store::BlobStore& blobs, const TrainSpec& t,
                            const data::Dataset& dataset, const data::DatasetVersion& version) {
  EASEL_ASSIGN_OR_RETURN(ImageProblem p, LoadImageProblem(blobs, dataset, version));
  if (t.train_on_validation) {
    p.train.insert(p.train.end(), p.val.begin(), p.val.end());
    p.val.clear();
  }
  std::optional<std::string> initial;
  if (t.parent) {
    EASEL_ASSIGN_OR_RETURN(models::ModelVersion parent,
                           ResolveParent(ctx.db(), ctx.project_id(), t));
    const models::ModelFile* weights = parent.FindFile("weights.safetensors");
    if (weights == nullptr) return FailedPrecondition("the parent version has no weights file");
    EASEL_ASSIGN_OR_RETURN(initial, blobs.ReadAll(weights->digest));
    ctx.Log("fine-tuning from '" + parent.model_name + "' version " +
            std::to_string(parent.version));
  }
  ctx.Log("training " + t.algorithm->name + " on " + std::to_string(p.train.size()) +
          " images of " + std::to_string(p.classes.size()) + " classes; val " +
          std::to_string(p.val.size()) + ", test " + std::to_string(p.test.size()));
  JobHooks hooks(ctx, "accuracy", 0.05, 0.9);
  std::optional<std::string_view> initial_view;
  if (initial) initial_view = *initial;
  EASEL_ASSIGN_OR_RETURN(
      ModelFiles files,
      t.algorithm->train_image(p, t.params, t.seed, t.resources, hooks, initial_view));
  EASEL_ASSIGN_OR_RETURN(const ModelLoader* loader, algorithms.FindLoader(t.algorithm->format));
  EASEL_ASSIGN_OR_RETURN(auto model, loader->image(files, t.resources));
  auto [split, name] = EvaluationSplit<std::vector<ImageItem>>(
      p.train, p.val, p.test, [](const std::vector<ImageItem>& s) { return s.empty(); });
  ctx.SetProgress(0.9, "evaluating on the " + name + " split");
  EASEL_ASSIGN_OR_RETURN(
      Json evaluation, EvaluateImages(*model, p.classes, *split, [&] { return ctx.cancelled(); }));
  evaluation["training"] = hooks.History();
  return Trained{std::move(files), std::move(evaluation), name, Task::kMulticlass, p.classes};
}

Result<Json> RunTrain(const AlgorithmRegistry& algorithms, jobs::JobContext& ctx) {
  models::ModelStore registry(ctx.db());
  EASEL_ASSIGN_OR_RETURN(auto registered, registry.VersionFromJob(ctx.job_id()));
  if (registered) {
    ctx.Log("this job already registered '" + registered->model_name + "' version " +
            std::to_string(registered->version));
    return ResultJson(*registered, "");
  }
  EASEL_ASSIGN_OR_RETURN(TrainedVersion trained, TrainForJob(algorithms, ctx, ctx.spec()));
  ctx.SetProgress(0.95, "registering the model");
  EASEL_ASSIGN_OR_RETURN(
      models::ModelVersion v,
      registry.Register(ctx.project_id(), trained.model_name, trained.version, ctx.created_by()));
  ctx.Log("registered '" + v.model_name + "' version " + std::to_string(v.version) + ": " +
          DumpJson(v.metrics));
  return ResultJson(v, trained.version.evaluation ? trained.version.evaluation->split : "");
}

}  // namespace

Status ValidateTrainSpec(const AlgorithmRegistry& algorithms, const Json& spec) {
  return ParseSpec(algorithms, spec).status();
}

Status CheckTrainSpec(const AlgorithmRegistry& algorithms, const Json& spec, store::Database& db,
                      const std::string& project_id) {
  EASEL_ASSIGN_OR_RETURN(TrainSpec t, ParseSpec(algorithms, spec));
  EASEL_ASSIGN_OR_RETURN(auto dataset, ResolveDataset(db, project_id, t));
  EASEL_RETURN_IF_ERROR(CheckInputs(t, dataset.first, dataset.second));
  if (t.parent) EASEL_RETURN_IF_ERROR(ResolveParent(db, project_id, t));
  return OkStatus();
}

Result<TrainedVersion> TrainForJob(const AlgorithmRegistry& algorithms, jobs::JobContext& ctx,
                                   const Json& spec) {
  EASEL_ASSIGN_OR_RETURN(TrainSpec t, ParseSpec(algorithms, spec));
  EASEL_ASSIGN_OR_RETURN(store::BlobStore * blobs, ctx.blobs());
  EASEL_ASSIGN_OR_RETURN(auto dataset, ResolveDataset(ctx.db(), ctx.project_id(), t));
  const auto& [d, version] = dataset;
  ctx.SetProgress(0.01,
                  "loading dataset '" + d.name + "' version " + std::to_string(version.version));
  Result<Trained> trained = t.algorithm->input == InputKind::kTabular
                                ? TrainTabular(algorithms, ctx, *blobs, t, d, version)
                                : TrainImages(algorithms, ctx, *blobs, t, d, version);
  EASEL_RETURN_IF_ERROR(trained);
  if (ctx.cancelled()) return Cancelled("training cancelled");

  models::NewModelVersion nv;
  nv.algorithm = t.algorithm->name;
  nv.task = std::string(TaskName(trained->task));
  nv.format = t.algorithm->format;
  nv.params = t.params;
  nv.metrics = HeadlineMetrics(trained->evaluation);
  nv.signature = Signature(version, t, trained->task, trained->classes,
                           t.algorithm->input == InputKind::kImage);
  nv.lineage = {
      {"dataset",
       {{"name", d.name}, {"version", version.version}, {"content_hash", version.content_hash}}},
      {"splits", version.splits},
      {"algorithm", t.algorithm->name},
      {"params", t.params},
      {"seed", t.seed},
      {"easel_version", kVersion},
      {"job_id", ctx.job_id()},
      {"resources", {{"device", t.resources.device}}}};
  if (t.train_on_validation) nv.lineage["train_on_validation"] = true;
  if (!t.target.empty()) nv.lineage["target"] = t.target;
  if (!t.transforms.is_null()) nv.lineage["transforms"] = t.transforms;
  if (t.parent) {
    EASEL_ASSIGN_OR_RETURN(models::ModelVersion parent,
                           ResolveParent(ctx.db(), ctx.project_id(), t));
    nv.parent_id = parent.id;
    nv.lineage["parent"] = {{"model", parent.model_name}, {"version", parent.version}};
  }
  nv.dataset_id = d.id;
  nv.dataset_version = version.version;
  nv.job_id = ctx.job_id();
  nv.description = t.description;
  for (const auto& [name, bytes] : trained->files) {
    EASEL_ASSIGN_OR_RETURN(store::BlobInfo blob, blobs->Put(bytes));
    nv.files.emplace_back(name, blob);
  }
  EASEL_ASSIGN_OR_RETURN(store::BlobInfo doc, blobs->Put(DumpJson(trained->evaluation)));
  nv.evaluation =
      models::NewModelVersion::FirstEvaluation{d.id, version.version, trained->split, doc};
  return TrainedVersion{t.model_name, std::move(nv)};
}

jobs::JobKind TrainJobKind(const AlgorithmRegistry& algorithms) {
  jobs::JobKind kind;
  kind.name = "train";
  kind.description =
      "Trains an algorithm on a dataset version and registers the model as a new version.";
  kind.params_schema = {
      {"type", "object"},
      {"required", {"algorithm", "dataset"}},
      {"properties",
       {{"algorithm", {{"type", "string"}, {"description", "a trainer of GET /api/v1/algorithms"}}},
        {"dataset",
         {{"type", "object"}, {"description", "{name, version}: the dataset version to learn"}}},
        {"target", {{"type", "string"}, {"description", "the column to predict (tabular)"}}},
        {"task",
         {{"type", "string"},
          {"enum", {"binary", "multiclass", "classification", "regression"}},
          {"description", "inferred from the target when absent"}}},
        {"params", {{"type", "object"}, {"description", "the algorithm's parameters"}}},
        {"transforms", {{"type", "object"}, {"description", "a transform pipeline spec"}}},
        {"resources", {{"type", "object"}, {"description", "{device: cpu | cuda, threads}"}}},
        {"model_name", {{"type", "string"}, {"description", "default <dataset>-<algorithm>"}}},
        {"seed", {{"type", "integer"}, {"minimum", 0}, {"default", 0}}},
        {"parent", {{"type", "object"}, {"description", "{model, version} to fine-tune from"}}},
        {"train_on_validation",
         {{"type", "boolean"},
          {"default", false},
          {"description",
           "learn from the validation split too (a final refit; no early "
           "stopping, so fix the epoch count)"}}}}}};
  kind.validate = [&algorithms](const Json& spec) { return ValidateTrainSpec(algorithms, spec); };
  kind.check = [&algorithms](const Json& spec, store::Database& db, const std::string& project_id) {
    return CheckTrainSpec(algorithms, spec, db, project_id);
  };
  kind.run = [&algorithms](jobs::JobContext& ctx) { return RunTrain(algorithms, ctx); };
  return kind;
}

}  // namespace easel::train
