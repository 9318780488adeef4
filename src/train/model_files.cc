#include "train/model_files.h"

namespace easel::train {

Result<ModelFiles> ReadModelFiles(store::BlobStore& blobs, const models::ModelVersion& version) {
  ModelFiles files;
  for (const models::ModelFile& f : version.files) {
    auto bytes = blobs.ReadAll(f.digest);
    if (!bytes.ok()) {
      return DataLoss("file '" + f.name + "' of model '" + version.model_name + "' version " +
                      std::to_string(version.version) +
                      " cannot be read: " + bytes.status().message());
    }
    files.emplace(f.name, std::move(*bytes));
  }
  return files;
}

}  // namespace easel::train
