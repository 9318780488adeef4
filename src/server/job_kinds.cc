#include "server/job_kinds.h"

#include "automl/automl_kind.h"
#include "automl/hpo_kind.h"
#include "automl/trial_kind.h"
#include "jobs/kinds/dataset_import.h"
#include "labeling/export_kind.h"
#include "labeling/prelabel_kind.h"
#include "models/model_ref.h"
#include "serving/backend.h"
#include "serving/batch_predict_kind.h"
#include "train/evaluate_kind.h"
#include "train/sample_predictor.h"
#include "train/train_kind.h"

namespace easel::server {

const data::Formats& BuiltinFormats() {
  static const data::Formats* formats = [] {
    auto* f = new data::Formats;
    data::RegisterBuiltinFormats(*f);
    return f;
  }();
  return *formats;
}

const train::AlgorithmRegistry& BuiltinAlgorithms() {
  static const train::AlgorithmRegistry* algorithms = [] {
    auto* a = new train::AlgorithmRegistry;
    train::RegisterBuiltinAlgorithms(*a);
    return a;
  }();
  return *algorithms;
}

const serving::BackendRegistry& BuiltinBackends() {
  static const serving::BackendRegistry* backends = [] {
    auto* b = new serving::BackendRegistry;
    serving::RegisterBuiltinBackends(*b, BuiltinAlgorithms());
    return b;
  }();
  return *backends;
}

labeling::PrelabelModelLoader PrelabelLoader() {
  return [](store::Database& db, store::BlobStore& blobs, const std::string& project_id,
            const std::string& model, const std::string& version,
            const data::DatasetVersion& dataset_version) -> Result<labeling::PrelabelModel> {
    models::ModelStore registry(db);
    // "name@alias" carries its own version; the route's default "latest" then means nothing.
    bool inline_version = model.find('@') != std::string::npos;
    EASEL_ASSIGN_OR_RETURN(
        models::ModelRef ref,
        models::ParseModelRef(model,
                              inline_version && version == "latest" ? std::string() : version));
    EASEL_ASSIGN_OR_RETURN(models::ModelVersion v,
                           models::ResolveModelRef(registry, project_id, ref));
    EASEL_ASSIGN_OR_RETURN(data::Dataset d,
                           data::DatasetStore(db).GetById(dataset_version.dataset_id));
    EASEL_ASSIGN_OR_RETURN(
        train::SamplePredictor p,
        train::LoadSamplePredictor(BuiltinAlgorithms(), blobs, v, d, dataset_version));
    return labeling::PrelabelModel{v.model_name, v.version, v.id, std::move(p.classes),
                                   std::move(p.predict)};
  };
}

void RegisterJobKinds(jobs::JobKindRegistry& registry, bool enable_test_kinds) {
  jobs::RegisterBuiltinJobKinds(registry, enable_test_kinds);
  registry.Register(jobs::DatasetImportJobKind(BuiltinFormats())).IgnoreError();
  registry.Register(labeling::ExportJobKind(BuiltinFormats())).IgnoreError();
  registry.Register(train::TrainJobKind(BuiltinAlgorithms())).IgnoreError();
  registry.Register(train::EvaluateJobKind(BuiltinAlgorithms())).IgnoreError();
  registry.Register(labeling::PrelabelJobKind(PrelabelLoader())).IgnoreError();
  registry.Register(automl::HpoJobKind(BuiltinAlgorithms())).IgnoreError();
  registry.Register(automl::AutomlJobKind(BuiltinAlgorithms())).IgnoreError();
  registry.Register(automl::TrialJobKind(BuiltinAlgorithms())).IgnoreError();
  registry.Register(serving::BatchPredictJobKind(BuiltinAlgorithms(), BuiltinBackends()))
      .IgnoreError();
}

}  // namespace easel::server
