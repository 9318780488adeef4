#include "serving/batch_predict_spec.h"

#include <algorithm>

#include "data/dataset_type.h"

namespace easel::serving {
namespace {

Status FieldError(const std::string& field, const std::string& message) {
  return Status(StatusCode::kInvalidArgument, message, Json{{"field", field}});
}

Result<std::string> VersionText(const Json& spec) {
  auto v = spec.find("version");
  if (v == spec.end() || v->is_null()) return std::string();
  if (v->is_number_integer()) return std::to_string(v->get<int64_t>());
  if (v->is_string()) return v->get<std::string>();
  return FieldError("version", "version must be a number, \"latest\" or an alias");
}

Status ParseDataset(const Json& d, BatchPredictSpec& s) {
  if (!d.is_object()) return FieldError("dataset", "dataset must be an object {name, version?}");
  for (const auto& [key, value] : d.items()) {
    if (key != "name" && key != "version") {
      return FieldError("dataset", "unknown field 'dataset." + key + "'; known: name, version");
    }
  }
  EASEL_ASSIGN_OR_RETURN(s.dataset, GetString(d, "name"));
  if (auto v = d.find("version"); v != d.end() && !v->is_null()) {
    if (v->is_number_integer() && v->get<int64_t>() >= 1) {
      s.dataset_version = std::to_string(v->get<int64_t>());
    } else if (!(v->is_string() && v->get<std::string>() == "latest")) {
      return FieldError("dataset", "dataset.version must be an integer from 1 or \"latest\"");
    }
  }
  return OkStatus();
}

}  // namespace

Result<BatchPredictSpec> ParseBatchPredictSpec(const Json& spec) {
  static constexpr std::string_view kFields[] = {"model",      "version",     "dataset",
                                                 "artifact",   "split",       "output_format",
                                                 "batch_size", "output_name", "keep_columns"};
  for (const auto& [key, value] : spec.items()) {
    if (std::find(std::begin(kFields), std::end(kFields), key) == std::end(kFields)) {
      return FieldError(key, "unknown field '" + key + "' in a batch_predict spec");
    }
  }
  BatchPredictSpec s;
  EASEL_ASSIGN_OR_RETURN(std::string model, GetString(spec, "model"));
  EASEL_ASSIGN_OR_RETURN(std::string version, VersionText(spec));
  EASEL_ASSIGN_OR_RETURN(s.model, models::ParseModelRef(model, version));

  const bool has_dataset = spec.contains("dataset") && !spec["dataset"].is_null();
  const bool has_artifact = spec.contains("artifact") && !spec["artifact"].is_null();
  if (has_dataset == has_artifact) {
    return FieldError("dataset",
                      has_dataset ? "give either dataset or artifact, not both"
                                  : "a batch prediction reads either a dataset {name, version} or "
                                    "an artifact (the id of an uploaded CSV or JSON-lines file)");
  }
  if (has_dataset) EASEL_RETURN_IF_ERROR(ParseDataset(spec["dataset"], s));
  if (has_artifact) {
    EASEL_ASSIGN_OR_RETURN(s.artifact, GetString(spec, "artifact"));
    if (s.artifact.empty() || s.artifact.size() > 64) {
      return FieldError("artifact", "artifact must be the id of an uploaded file");
    }
  }

  EASEL_ASSIGN_OR_RETURN(auto split, GetOptionalString(spec, "split"));
  if (split) {
    if (has_artifact) return FieldError("split", "split applies to a dataset, not to a file");
    if (*split != "all" && *split != "train" && *split != "val" && *split != "test") {
      return FieldError("split", "split must be all, train, val or test");
    }
    s.split = *split;
  }
  EASEL_ASSIGN_OR_RETURN(auto format, GetOptionalString(spec, "output_format"));
  if (format && *format == "jsonl") {
    s.format = OutputFormat::kJsonl;
  } else if (format && *format != "csv") {
    return FieldError("output_format", "output_format must be csv or jsonl");
  }
  EASEL_ASSIGN_OR_RETURN(auto batch, GetOptionalInt(spec, "batch_size", 1, kMaxBatchSize));
  s.batch_size = batch.value_or(kDefaultBatchSize);
  EASEL_ASSIGN_OR_RETURN(auto name, GetOptionalString(spec, "output_name"));
  if (name) {
    if (Status st = store::ValidateArtifactName(*name); !st.ok()) {
      return FieldError("output_name", "output_name: " + st.message());
    }
    s.output_name = *name;
  }
  if (auto keep = spec.find("keep_columns"); keep != spec.end() && !keep->is_null()) {
    if (!keep->is_array() || keep->size() > kMaxKeptColumns) {
      return FieldError("keep_columns", "keep_columns must be a list of at most " +
                                            std::to_string(kMaxKeptColumns) + " column names");
    }
    for (const Json& c : *keep) {
      if (!c.is_string() || c.get<std::string>().empty()) {
        return FieldError("keep_columns", "keep_columns must hold column names (strings)");
      }
      const std::string name = c.get<std::string>();
      if (std::find(s.keep_columns.begin(), s.keep_columns.end(), name) != s.keep_columns.end()) {
        return FieldError("keep_columns", "keep_columns names '" + name + "' twice");
      }
      s.keep_columns.push_back(name);
    }
  }
  return s;
}

Result<BatchPredictTargets> ResolveBatchPredict(const train::AlgorithmRegistry& algorithms,
                                                const BackendRegistry& backends,
                                                store::Database& db, const std::string& project_id,
                                                const BatchPredictSpec& s) {
  BatchPredictTargets r;
  models::ModelStore registry(db);
  EASEL_ASSIGN_OR_RETURN(r.model, models::ResolveModelRef(registry, project_id, s.model));
  const std::string model =
      "model '" + r.model.model_name + "' version " + std::to_string(r.model.version);
  EASEL_RETURN_IF_ERROR(backends.Find(r.model.format));
  // Batch predictions send raw rows or images, which only easel's own models (their stored
  // pipelines) prepare; an imported model takes prepared tensors.
  Result<const train::ModelLoader*> loader = algorithms.FindLoader(r.model.format);
  if (!loader.ok()) {
    return FieldError("model", model + " is an imported " + r.model.format +
                                   " model; batch predictions run models trained by easel");
  }
  r.images = static_cast<bool>((*loader)->image);
  if (r.images && !s.keep_columns.empty()) {
    return FieldError("keep_columns", model + " reads images; keep_columns copies table columns");
  }
  if (s.dataset.empty()) {
    EASEL_ASSIGN_OR_RETURN(r.artifact, store::GetArtifact(db, project_id, s.artifact));
    if (r.images) {
      return FieldError("artifact", model +
                                        " reads images; predict over an image dataset "
                                        "version instead of a file");
    }
    return r;
  }
  data::DatasetStore datasets(db);
  EASEL_ASSIGN_OR_RETURN(r.dataset, datasets.Get(project_id, s.dataset));
  EASEL_ASSIGN_OR_RETURN(int64_t n, data::ParseVersionRef(s.dataset_version));
  if (n == 0) n = r.dataset->latest_version;
  if (n == 0) return NotFound("dataset '" + r.dataset->name + "' has no version yet");
  EASEL_ASSIGN_OR_RETURN(r.version, datasets.GetVersion(r.dataset->id, n));
  if (r.images != data::IsImageType(r.dataset->type)) {
    return FieldError("dataset", model + (r.images ? " reads images" : " reads table rows") +
                                     "; dataset '" + r.dataset->name + "' is " +
                                     std::string(data::ToString(r.dataset->type)));
  }
  const std::vector<std::string> have = r.version->columns();
  for (const std::string& c : s.keep_columns) {
    if (std::find(have.begin(), have.end(), c) == have.end()) {
      return FieldError("keep_columns", "dataset '" + r.dataset->name + "' version " +
                                            std::to_string(r.version->version) +
                                            " has no column '" + c + "' to keep");
    }
  }
  return r;
}

}  // namespace easel::serving
