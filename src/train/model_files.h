#pragma once
// Reading a registered model version back into what its loader takes.

#include "common/status.h"
#include "models/model_store.h"
#include "store/blob_store.h"
#include "train/trainer_api.h"

namespace easel::train {

// Every file of the version, read from the blob store. DATA_LOSS when a blob is missing.
Result<ModelFiles> ReadModelFiles(store::BlobStore& blobs, const models::ModelVersion& version);

}  // namespace easel::train
