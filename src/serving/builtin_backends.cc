// The one list of built-in serving backends (see backend.h): easel's own formats, and imported
// XGBoost, TorchScript and ONNX models.

#include "serving/tabular_backend.h"
#include "train/trainers/xgboost/booster_import.h"

namespace easel::serving {
namespace {

// The model's inputs, outputs and classes as its signature records them.
ModelMetadata MetadataOf(const models::ModelVersion& version, std::string platform) {
  ModelMetadata m;
  m.platform = std::move(platform);
  auto specs = [](const Json& list) {
    std::vector<TensorSpec> out;
    if (!list.is_array()) return out;
    for (const Json& s : list) {
      TensorSpec t{s.value("name", ""), s.value("datatype", "FP32"), {}};
      for (const Json& d : s.value("shape", Json::array())) {
        if (d.is_number_integer()) t.shape.push_back(d.get<int64_t>());
      }
      out.push_back(std::move(t));
    }
    return out;
  };
  m.inputs = specs(version.signature.value("inputs", Json::array()));
  m.outputs = specs(version.signature.value("outputs", Json::array()));
  for (const Json& c : version.signature.value("classes", Json::array())) {
    if (c.is_string()) m.classes.push_back(c.get<std::string>());
  }
  return m;
}

BackendFactory Native(const train::AlgorithmRegistry& algorithms, std::string format, bool images) {
  return [&algorithms, format, images](
             const models::ModelVersion& version, const train::ModelFiles& files,
             const train::Resources& resources) -> Result<std::unique_ptr<Backend>> {
    EASEL_ASSIGN_OR_RETURN(const train::ModelLoader* loader, algorithms.FindLoader(format));
    ModelMetadata metadata = MetadataOf(version, "easel_" + format);
    if (images) return LoadImageBackend(*loader, files, resources, std::move(metadata));
    return LoadTabularBackend(*loader, version, files, std::move(metadata));
  };
}

// An imported XGBoost booster served as easel's own xgboost versions are: the xgboost loader
// gets the booster in its trained form (train::xgboost::AsTrainedModel), so it checks the
// trees against the descriptor before XGBoost reads them. Requests carry one FP32 column per
// feature, named as in the signature (or, past the import's limit on named inputs, the one
// `features` tensor [n, F], whose columns are only counted); a classifier answers
// probabilities and a label, a regressor its value.
Result<std::unique_ptr<Backend>> LoadImportedBooster(const train::AlgorithmRegistry& algorithms,
                                                     const models::ModelVersion& version,
                                                     const train::ModelFiles& files) {
  auto booster = files.find("booster.json");
  auto descriptor = files.find("model.json");
  if (booster == files.end() || descriptor == files.end()) {
    return FailedPrecondition("the imported version lacks booster.json or model.json");
  }
  EASEL_ASSIGN_OR_RETURN(Json imported, ParseJson(descriptor->second));
  const Json info = imported.is_object() ? imported.value("info", Json::object()) : Json();
  if (!info.is_object()) return FailedPrecondition("the imported version's model.json has no info");

  const ModelMetadata declared = MetadataOf(version, "");
  std::vector<std::string> features;
  if (declared.inputs.size() == 1 && declared.inputs[0].shape.size() == 2 &&
      declared.inputs[0].shape[0] == -1 && declared.inputs[0].shape[1] >= 1) {
    for (int64_t i = 0; i < declared.inputs[0].shape[1]; ++i) {
      features.push_back("f" + std::to_string(i));
    }
  } else {
    for (const TensorSpec& input : declared.inputs) features.push_back(input.name);
  }
  EASEL_ASSIGN_OR_RETURN(
      train::xgboost::TrainedForm trained,
      train::xgboost::AsTrainedModel(booster->second, info, features, declared.classes));

  ModelMetadata metadata;
  metadata.platform = "easel_xgboost_json";
  for (const std::string& name : features) metadata.inputs.push_back({name, "FP32", {-1}});
  metadata.classes = trained.classes;  // none for a regressor
  metadata.outputs = ClassOutputs(metadata.classes);
  EASEL_ASSIGN_OR_RETURN(const train::ModelLoader* loader, algorithms.FindLoader("xgboost"));
  return LoadTabularBackend(*loader, version, trained.files, std::move(metadata));
}

}  // namespace

void RegisterBuiltinBackends(BackendRegistry& registry,
                             const train::AlgorithmRegistry& algorithms) {
  for (const char* format : {"xgboost", "extra_trees", "torch_tabular", "ensemble"}) {
    registry.Register(format, Native(algorithms, format, false)).IgnoreError();
  }
  for (const char* format : {"torch_image", "image_ensemble"}) {
    registry.Register(format, Native(algorithms, format, true)).IgnoreError();
  }
  registry
      .Register("xgboost_json",
                [&algorithms](const models::ModelVersion& version, const train::ModelFiles& files,
                              const train::Resources&) {
                  return LoadImportedBooster(algorithms, version, files);
                })
      .IgnoreError();
  for (const char* format : {"torchscript", "onnx"}) {
    registry
        .Register(format,
                  [format](const models::ModelVersion& version, const train::ModelFiles& files,
                           const train::Resources& resources) {
                    return LoadTensorBackend(version, files, resources,
                                             MetadataOf(version, std::string("easel_") + format));
                  })
        .IgnoreError();
  }
}

}  // namespace easel::serving
