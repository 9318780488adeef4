#include "train/model_files.h"

namespace easel::train {

Result<ModelFiles> ReadModelFiles(store::BlobStore& blobs, const models::ModelVersion& version) {
  ModelFiles files;
  for (const models::ModelFile& f : version.files) {
    auto bytes = blobs.ReadAll(f.digest);
    if (!bytes.ok()) {
      return DataLoss("file '" + f.name + "' of model '" + version.model_name + "' version " +
                      std::to_string(version.version) + " cannot be read: " +
                      bytes.status().message());
    }
    files.emplace(f.name, std::move(*bytes));
  }
  return files;
}

Result<Task> ParseTask(std::string_view name) {
  if (name == "binary") return Task::kBinary;
  if (name == "multiclass") return Task::kMulticlass;
  if (name == "regression") return Task::kRegression;
  return InvalidArgument("unknown task '" + std::string(name) + "'");
}

}  // namespace easel::train
