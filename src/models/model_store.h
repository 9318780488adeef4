#pragma once
// The model registry in the metadata store: models, their immutable versions (files,
// parameters, metrics, signature, lineage), evaluations, and aliases.
//
// A model is created by registering its first version (as a training job or an import does);
// versions count from 1 per model. A version's files are counted blob references written in
// the same transaction as its row, so a version exists whole or not at all. Aliases
// ("production", "staging", any name) point at one version of their model each.
//
// Thread-safety: a ModelStore holds only a Database reference; it may be used from any number
// of threads.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "store/blob_store.h"
#include "store/sql.h"

namespace easel::models {

struct Model {
  std::string id;
  std::string project_id;
  std::string name;
  std::string description;
  std::string created_by;
  int64_t created_at = 0;
  int64_t latest_version = 0;  // 0: no version (only while the first one is registered)
  std::map<std::string, int64_t> aliases;
};

struct ModelFile {
  std::string name;    // [a-z0-9][a-z0-9_.-]*: "model.json", "weights.safetensors"
  std::string digest;  // hex SHA-256 of the blob
  int64_t size = 0;
};

struct ModelVersion {
  std::string id;
  std::string model_id;
  std::string model_name;
  int64_t version = 0;
  std::string algorithm;  // trainer name, or "import"
  std::string task;       // binary | multiclass | regression | image_classification
  std::string format;     // xgboost | torch_tabular | torch_image | torchscript | onnx ...
  Json params = Json::object();
  Json metrics = Json::object();    // headline metrics of the evaluation made at training time
  Json signature = Json::object();  // {inputs: [{name, type, shape}], outputs: [...], classes?}
  // {dataset: {name, version, content_hash}, split_seed, algorithm, params, easel_version,
  //  seed, job_id, parent: {model, version}?, ...}: everything needed to reproduce the run.
  Json lineage = Json::object();
  std::optional<std::string> dataset_id;
  std::optional<int64_t> dataset_version;
  std::string job_id;
  std::optional<std::string> parent_id;  // the version this one was fine-tuned from
  std::vector<ModelFile> files;
  std::vector<std::string> aliases;
  std::string created_by;
  int64_t created_at = 0;

  const ModelFile* FindFile(const std::string& name) const;
};

// What registering a version takes. `files` must already be in the blob store.
struct NewModelVersion {
  std::string algorithm;
  std::string task;
  std::string format;
  Json params = Json::object();
  Json metrics = Json::object();
  Json signature = Json::object();
  Json lineage = Json::object();
  std::optional<std::string> dataset_id;
  std::optional<int64_t> dataset_version;
  std::string job_id;
  std::optional<std::string> parent_id;
  std::vector<std::pair<std::string, store::BlobInfo>> files;  // name -> stored blob
  std::string description;  // used only when the model is created
  // The evaluation made at training time, recorded in the same transaction.
  struct FirstEvaluation {
    std::string dataset_id;
    int64_t dataset_version = 0;
    std::string split;
    store::BlobInfo document;
  };
  std::optional<FirstEvaluation> evaluation;
};

struct Evaluation {
  std::string id;
  std::string version_id;
  std::string dataset_id;
  int64_t dataset_version = 0;
  std::string split;   // "test", "val", "train" or "all"
  std::string digest;  // the evaluation document (JSON) blob
  std::string job_id;
  int64_t created_at = 0;
};

class ModelStore {
 public:
  explicit ModelStore(store::Database& db) : db_(db) {}

  // Registers the next version of `model_name` in the project, creating the model first when
  // it does not exist. INVALID_ARGUMENT for a bad model name or file name.
  Result<ModelVersion> Register(const std::string& project_id, const std::string& model_name,
                                const NewModelVersion& version, const std::string& user_id);

  // NOT_FOUND "model 'x' not found".
  Result<Model> Get(const std::string& project_id, const std::string& name);
  // Sorted by name; names after `after_name` (paging).
  Result<std::vector<Model>> List(const std::string& project_id, const std::string& after_name,
                                  int64_t limit);
  // Deletes the model, its versions, evaluations and aliases; releases their blobs.
  // FAILED_PRECONDITION while an alias of it is in use (see SetReferenceCheck).
  Status Delete(const std::string& project_id, const std::string& name);

  // NOT_FOUND "model 'x' has no version 3".
  Result<ModelVersion> GetVersion(const Model& model, int64_t version);
  Result<ModelVersion> GetVersionById(const std::string& version_id);
  // The version a job registered, if any (a retried job registers once).
  Result<std::optional<ModelVersion>> VersionFromJob(const std::string& job_id);
  // Newest first; versions below `before` (0: from the newest).
  Result<std::vector<ModelVersion>> ListVersions(const Model& model, int64_t before,
                                                 int64_t limit);
  // FAILED_PRECONDITION naming the aliases that point at it, or the versions fine-tuned from
  // it, or what the reference check reports.
  Status DeleteVersion(const Model& model, int64_t version);

  // Points `alias` at `version` (creating or moving it). INVALID_ARGUMENT for a bad alias
  // name or one that is a number or "latest"; NOT_FOUND for a missing version.
  Status SetAlias(const Model& model, const std::string& alias, int64_t version);
  // NOT_FOUND when the alias does not exist.
  Status DeleteAlias(const Model& model, const std::string& alias);

  // Lineage: the versions (of any model in the project) trained on a dataset, optionally on
  // one version of it, newest first.
  Result<std::vector<ModelVersion>> VersionsTrainedOn(const std::string& project_id,
                                                      const std::string& dataset_id,
                                                      std::optional<int64_t> dataset_version);

  Result<Evaluation> AddEvaluation(const std::string& version_id, const std::string& dataset_id,
                                   int64_t dataset_version, const std::string& split,
                                   const store::BlobInfo& document, const std::string& job_id);
  // Newest first.
  Result<std::vector<Evaluation>> ListEvaluations(const std::string& version_id);

  // Something outside the registry that may hold a version (an endpoint, a labeling task).
  // Returns FAILED_PRECONDITION naming the holder when the version must not be deleted.
  using ReferenceCheck = std::function<Status(const ModelVersion& version)>;
  void AddReferenceCheck(ReferenceCheck check) { checks_.push_back(std::move(check)); }

 private:
  Result<std::vector<ModelVersion>> QueryVersions(const std::string& where,
                                                  const store::SqlParams& params);
  Status LoadFilesAndAliases(store::SqlSession& s, ModelVersion& v);
  // FAILED_PRECONDITION naming the endpoint that serves `v` (serving/endpoint_store.h).
  Status CheckNotServed(const ModelVersion& v);

  store::Database& db_;
  std::vector<ReferenceCheck> checks_;
};

// Every file name a version may hold: [a-z0-9][a-z0-9_.-]{0,127}.
Status ValidateFileName(const std::string& name);

}  // namespace easel::models
