#include "train/sample_predictor.h"

#include <memory>

#include "data/dataset_type.h"
#include "data/transforms/pipeline.h"
#include "train/model_files.h"

namespace easel::train {

Result<SamplePredictor> LoadSamplePredictor(const AlgorithmRegistry& algorithms,
                                            store::BlobStore& blobs,
                                            const models::ModelVersion& model,
                                            const data::Dataset& dataset,
                                            const data::DatasetVersion& version) {
  if (model.task == "regression") {
    return FailedPrecondition("model '" + model.model_name +
                              "' predicts numbers; labels come from a classifier");
  }
  EASEL_ASSIGN_OR_RETURN(const ModelLoader* loader, algorithms.FindLoader(model.format));
  SamplePredictor out;
  for (const Json& c : model.signature.value("classes", Json::array())) {
    if (c.is_string()) out.classes.push_back(c.get<std::string>());
  }
  EASEL_ASSIGN_OR_RETURN(ModelFiles files, ReadModelFiles(blobs, model));
  const bool images = data::IsImageType(dataset.type);
  if (images != bool(loader->image)) {
    return FailedPrecondition("model '" + model.model_name + "' (" + model.format +
                              ") does not read " + std::string(data::ToString(dataset.type)) +
                              " samples");
  }
  if (images) {
    EASEL_ASSIGN_OR_RETURN(std::shared_ptr<ImagePredictor> m, loader->image(files, Resources{}));
    store::BlobStore* store = &blobs;
    out.predict = [m, store](const std::vector<data::Sample>& samples) -> Result<std::vector<float>> {
      std::vector<std::string> bytes;
      bytes.reserve(samples.size());
      for (const data::Sample& s : samples) {
        EASEL_ASSIGN_OR_RETURN(std::string b, store->ReadAll(s.blob));
        bytes.push_back(std::move(b));
      }
      std::vector<std::string_view> views(bytes.begin(), bytes.end());
      return m->Predict(views);
    };
    return out;
  }
  auto stored = files.find("pipeline.json");
  if (stored == files.end()) return FailedPrecondition("the model has no stored pipeline");
  EASEL_ASSIGN_OR_RETURN(Json pipeline_json, ParseJson(stored->second, 256));
  EASEL_ASSIGN_OR_RETURN(auto pipeline, data::transforms::Pipeline::FromJson(pipeline_json));
  if (pipeline.columns() != version.columns()) {
    return InvalidArgument("dataset '" + dataset.name + "' version " +
                           std::to_string(version.version) +
                           " has other columns than the model was trained on");
  }
  EASEL_ASSIGN_OR_RETURN(std::shared_ptr<TabularPredictor> m, loader->tabular(files));
  auto shared = std::make_shared<data::transforms::Pipeline>(std::move(pipeline));
  out.predict = [m, shared](const std::vector<data::Sample>& samples) -> Result<std::vector<float>> {
    EASEL_ASSIGN_OR_RETURN(auto x, shared->TransformBatch(samples));
    return m->Predict(x);
  };
  return out;
}

}  // namespace easel::train
