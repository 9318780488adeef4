#include "train/evaluate_kind.h"

#include "data/dataset_type.h"
#include "data/datasets.h"
#include "jobs/job_context.h"
#include "models/model_ref.h"
#include "train/dataset_problem.h"
#include "train/evaluate.h"
#include "train/model_files.h"

namespace easel::train {

namespace {

struct EvaluateSpec {
  models::ModelRef model;
  std::string dataset;
  std::string dataset_version = "latest";
  std::string split = "test";
};

Status FieldError(const std::string& field, const std::string& message) {
  return Status(StatusCode::kInvalidArgument, message, Json{{"field", field}});
}

Result<EvaluateSpec> ParseSpec(const Json& spec) {
  for (const auto& [key, value] : spec.items()) {
    if (key != "model" && key != "version" && key != "dataset" && key != "split") {
      return FieldError(key, "unknown field '" + key + "' in an evaluate spec");
    }
  }
  EvaluateSpec e;
  EASEL_ASSIGN_OR_RETURN(std::string model, GetString(spec, "model"));
  std::string version;
  if (auto v = spec.find("version"); v != spec.end() && !v->is_null()) {
    if (v->is_number_integer()) {
      version = std::to_string(v->get<int64_t>());
    } else if (v->is_string()) {
      version = v->get<std::string>();
    } else {
      return FieldError("version", "version must be a number, \"latest\" or an alias");
    }
  }
  EASEL_ASSIGN_OR_RETURN(e.model, models::ParseModelRef(model, version));
  const Json& d = spec.value("dataset", Json());
  if (!d.is_object()) return FieldError("dataset", "dataset must be an object {name, version}");
  EASEL_ASSIGN_OR_RETURN(e.dataset, GetString(d, "name"));
  if (auto v = d.find("version"); v != d.end() && !v->is_null()) {
    if (v->is_number_integer() && v->get<int64_t>() >= 1) {
      e.dataset_version = std::to_string(v->get<int64_t>());
    } else if (!(v->is_string() && v->get<std::string>() == "latest")) {
      return FieldError("dataset", "dataset.version must be an integer from 1 or \"latest\"");
    }
  }
  EASEL_ASSIGN_OR_RETURN(auto split, GetOptionalString(spec, "split"));
  e.split = split.value_or("test");
  if (e.split != "test" && e.split != "val" && e.split != "train" && e.split != "all") {
    return FieldError("split", "split must be test, val, train or all");
  }
  return e;
}

struct Resolved {
  models::ModelVersion model;
  data::Dataset dataset;
  data::DatasetVersion version;
};

Result<Resolved> Resolve(store::Database& db, const std::string& project_id,
                         const EvaluateSpec& e) {
  models::ModelStore registry(db);
  EASEL_ASSIGN_OR_RETURN(models::ModelVersion v,
                         models::ResolveModelRef(registry, project_id, e.model));
  data::DatasetStore datasets(db);
  EASEL_ASSIGN_OR_RETURN(data::Dataset d, datasets.Get(project_id, e.dataset));
  EASEL_ASSIGN_OR_RETURN(int64_t n, data::ParseVersionRef(e.dataset_version));
  if (n == 0) n = d.latest_version;
  EASEL_ASSIGN_OR_RETURN(data::DatasetVersion dv, datasets.GetVersion(d.id, n));
  return Resolved{std::move(v), std::move(d), std::move(dv)};
}

std::vector<std::string> Classes(const models::ModelVersion& v) {
  std::vector<std::string> out;
  for (const Json& c : v.signature.value("classes", Json::array())) {
    if (c.is_string()) out.push_back(c.get<std::string>());
  }
  return out;
}

// The rows of one split, or of all three.
TabularSplit Pick(TabularProblem& p, const std::string& split) {
  if (split == "train") return std::move(p.train);
  if (split == "val") return std::move(p.val);
  if (split == "test") return std::move(p.test);
  TabularSplit all;
  all.x.cols = p.train.x.cols;
  for (TabularSplit* s : {&p.train, &p.val, &p.test}) {
    all.x.data.insert(all.x.data.end(), s->x.data.begin(), s->x.data.end());
    all.x.rows += s->x.rows;
    all.y.insert(all.y.end(), s->y.begin(), s->y.end());
  }
  return all;
}

std::vector<ImageItem> Pick(ImageProblem& p, const std::string& split) {
  if (split == "train") return std::move(p.train);
  if (split == "val") return std::move(p.val);
  if (split == "test") return std::move(p.test);
  std::vector<ImageItem> all = std::move(p.train);
  all.insert(all.end(), p.val.begin(), p.val.end());
  all.insert(all.end(), p.test.begin(), p.test.end());
  return all;
}

Result<Json> RunEvaluate(const AlgorithmRegistry& algorithms, jobs::JobContext& ctx) {
  EASEL_ASSIGN_OR_RETURN(EvaluateSpec e, ParseSpec(ctx.spec()));
  EASEL_ASSIGN_OR_RETURN(Resolved r, Resolve(ctx.db(), ctx.project_id(), e));
  EASEL_ASSIGN_OR_RETURN(store::BlobStore * blobs, ctx.blobs());
  EASEL_ASSIGN_OR_RETURN(const ModelLoader* loader, algorithms.FindLoader(r.model.format));
  EASEL_ASSIGN_OR_RETURN(ModelFiles files, ReadModelFiles(*blobs, r.model));
  const std::vector<std::string> classes = Classes(r.model);
  ctx.SetProgress(0.1, "loading the model and the data");
  Result<Json> evaluation = Status();
  int64_t skipped = 0;
  if (loader->tabular) {
    auto stored = files.find("pipeline.json");
    if (stored == files.end()) return FailedPrecondition("the model has no stored pipeline");
    EASEL_ASSIGN_OR_RETURN(Json pipeline_json, ParseJson(stored->second, 256));
    EASEL_ASSIGN_OR_RETURN(auto pipeline, data::transforms::Pipeline::FromJson(pipeline_json));
    EASEL_ASSIGN_OR_RETURN(Task task, ParseTask(r.model.task));
    EASEL_ASSIGN_OR_RETURN(AppliedData applied,
                           ApplyTabular(*blobs, r.dataset, r.version, pipeline,
                                        r.model.lineage.value("target", ""), task, classes));
    skipped = applied.skipped;
    TabularSplit split = Pick(applied.problem, e.split);
    if (split.rows() == 0) {
      return FailedPrecondition("the " + e.split + " split has no rows the model can be scored on");
    }
    EASEL_ASSIGN_OR_RETURN(auto model, loader->tabular(files));
    ctx.SetProgress(0.5, "predicting " + std::to_string(split.rows()) + " rows");
    evaluation = EvaluateTabular(*model, task, classes, split, applied.problem.feature_names);
  } else {
    if (!data::IsImageType(r.dataset.type)) {
      return FailedPrecondition("an image model cannot be evaluated on a " +
                                std::string(data::ToString(r.dataset.type)) + " dataset");
    }
    EASEL_ASSIGN_OR_RETURN(ImageProblem p,
                           LoadImageProblem(*blobs, r.dataset, r.version, &classes));
    std::vector<ImageItem> items = Pick(p, e.split);
    if (items.empty()) {
      return FailedPrecondition("the " + e.split + " split has no images of the model's classes");
    }
    EASEL_ASSIGN_OR_RETURN(auto model, loader->image(files, Resources{}));
    ctx.SetProgress(0.5, "predicting " + std::to_string(items.size()) + " images");
    evaluation = EvaluateImages(*model, classes, items, [&] { return ctx.cancelled(); });
  }
  EASEL_RETURN_IF_ERROR(evaluation.status());
  if (skipped > 0) {
    ctx.Log(std::to_string(skipped) + " samples had no target or a class the model does not know");
  }
  EASEL_ASSIGN_OR_RETURN(store::BlobInfo doc, blobs->Put(DumpJson(*evaluation)));
  models::ModelStore registry(ctx.db());
  EASEL_ASSIGN_OR_RETURN(models::Evaluation saved,
                         registry.AddEvaluation(r.model.id, r.dataset.id, r.version.version,
                                                e.split, doc, ctx.job_id()));
  return Json{{"evaluation_id", saved.id},
              {"model", r.model.model_name},
              {"version", r.model.version},
              {"dataset", {{"name", r.dataset.name}, {"version", r.version.version}}},
              {"split", e.split},
              {"num_samples", evaluation->value("num_samples", 0)},
              {"skipped", skipped},
              {"metrics", HeadlineMetrics(*evaluation)}};
}

}  // namespace

jobs::JobKind EvaluateJobKind(const AlgorithmRegistry& algorithms) {
  jobs::JobKind kind;
  kind.name = "evaluate";
  kind.description = "Evaluates a model version on a dataset version and records the result.";
  kind.params_schema = {
      {"type", "object"},
      {"required", {"model", "dataset"}},
      {"properties",
       {{"model", {{"type", "string"}, {"description", "model name, or name@version"}}},
        {"version", {{"type", "string"}, {"description", "a number, latest or an alias"}}},
        {"dataset", {{"type", "object"}, {"description", "{name, version}"}}},
        {"split",
         {{"type", "string"}, {"enum", {"test", "val", "train", "all"}}, {"default", "test"}}}}}};
  kind.validate = [](const Json& spec) { return ParseSpec(spec).status(); };
  kind.check = [](const Json& spec, store::Database& db, const std::string& project_id) {
    EASEL_ASSIGN_OR_RETURN(EvaluateSpec e, ParseSpec(spec));
    return Resolve(db, project_id, e).status();
  };
  kind.run = [&algorithms](jobs::JobContext& ctx) { return RunEvaluate(algorithms, ctx); };
  return kind;
}

}  // namespace easel::train
