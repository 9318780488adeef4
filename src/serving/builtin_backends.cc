// The one list of built-in serving backends (see backend.h): easel's own formats, and imported
// TorchScript and ONNX models.

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

}  // namespace

void RegisterBuiltinBackends(BackendRegistry& registry,
                             const train::AlgorithmRegistry& algorithms) {
  for (const char* format : {"xgboost", "extra_trees", "torch_tabular", "ensemble"}) {
    registry.Register(format, Native(algorithms, format, false)).IgnoreError();
  }
  for (const char* format : {"torch_image", "image_ensemble"}) {
    registry.Register(format, Native(algorithms, format, true)).IgnoreError();
  }
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
