// The one list of built-in serving backends (see backend.h): easel's own formats, and imported
// XGBoost, TorchScript and ONNX models.

#include "serving/tabular_backend.h"

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

// An imported XGBoost booster (booster.json, and model.json holding what the import's check
// read: objective, num_class, num_features) served as easel's own xgboost versions are: one
// FP32 input per feature, named as in the version's signature (or, past the import's limit on
// named inputs, one `features` tensor), and for a classifier
// probabilities and a label (the class ids as names unless the signature lists classes), for
// a regressor its value. The
// xgboost loader gets what a trained version carries beside the booster: a descriptor, and a
// pipeline that passes the features through. It checks the booster's structure against the
// descriptor before XGBoost reads it. Objectives other than the three easel trains are
// FAILED_PRECONDITION.
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
  auto integer = [&info](const char* key) {
    auto it = info.find(key);
    return it != info.end() && it->is_number_integer() ? it->get<int64_t>() : int64_t{0};
  };
  auto objective_it = info.find("objective");
  const std::string objective = objective_it != info.end() && objective_it->is_string()
                                    ? objective_it->get<std::string>()
                                    : std::string();
  const int64_t num_class = integer("num_class");
  const int64_t num_features = integer("num_features");
  std::string task;
  int64_t classes = 0;
  if (objective == "binary:logistic") {
    task = "binary";
    classes = 2;
  } else if (objective == "multi:softprob" && num_class >= 2) {
    task = "multiclass";
    classes = num_class;
  } else if (objective == "reg:squarederror") {
    task = "regression";
  } else {
    return FailedPrecondition("an imported booster with objective '" + objective +
                              "' cannot be served; served objectives: binary:logistic, "
                              "multi:softprob, reg:squarederror");
  }

  const std::vector<TensorSpec> inputs = MetadataOf(version, "").inputs;
  Json features = Json::array();
  if (inputs.size() == 1 && inputs[0].shape == std::vector<int64_t>{-1, num_features}) {
    // Too wide for the import to name an input per feature: requests send the one `features`
    // tensor [n, F] the tabular backend reads, and the columns are only counted.
    for (int64_t i = 0; i < num_features; ++i) features.push_back("f" + std::to_string(i));
  } else {
    for (const TensorSpec& input : inputs) features.push_back(input.name);
  }
  if (num_features < 1 || features.size() != static_cast<size_t>(num_features)) {
    return FailedPrecondition("the signature names " + std::to_string(features.size()) +
                              " inputs but the booster reads " + std::to_string(num_features) +
                              " features; re-import it with one FP32 input per feature");
  }
  Json class_names = version.signature.value("classes", Json::array());
  if (!class_names.is_array() || class_names.size() != static_cast<size_t>(classes)) {
    class_names = Json::array();
    for (int64_t k = 0; k < classes; ++k) class_names.push_back(std::to_string(k));
  }
  const int64_t rounds = std::max<int64_t>(1, integer("rounds"));
  const Json model = {{"format", "xgboost"},          {"task", task},
                      {"feature_names", features},    {"classes", class_names},
                      {"num_features", num_features}, {"best_iteration", rounds - 1},
                      {"num_rounds", rounds},         {"rounds_trained", rounds}};
  const Json pipeline = {{"format", 1},
                         {"dataset_type", "tabular"},
                         {"columns", features},
                         {"features", features},
                         {"spec", {{"steps", Json::array()}}},
                         {"state", {{"format", 1}, {"steps", Json::array()}}}};
  const train::ModelFiles served = {{"booster.json", booster->second},
                                    {"model.json", model.dump()},
                                    {"pipeline.json", pipeline.dump()}};

  Json signature = {{"inputs", Json::array()}};
  if (task != "regression") signature["classes"] = class_names;
  for (const Json& name : features) {
    signature["inputs"].push_back({{"name", name}, {"datatype", "FP32"}, {"shape", {-1}}});
  }
  signature["outputs"] =
      task == "regression"
          ? Json::array({{{"name", "value"}, {"datatype", "FP32"}, {"shape", {-1}}}})
          : Json::array(
                {{{"name", "probabilities"}, {"datatype", "FP32"}, {"shape", {-1, classes}}},
                 {{"name", "label"}, {"datatype", "BYTES"}, {"shape", {-1}}}});
  models::ModelVersion as_served = version;
  as_served.signature = std::move(signature);
  EASEL_ASSIGN_OR_RETURN(const train::ModelLoader* loader, algorithms.FindLoader("xgboost"));
  return LoadTabularBackend(*loader, as_served, served,
                            MetadataOf(as_served, "easel_xgboost_json"));
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
