#pragma once
// The `import` job kind: turns an uploaded file (kept as a dataset upload) into a new dataset
// version. Spec: {dataset_id, upload_id, format?, params?: object, split?: {train, val, test,
// seed, stratify}}. Result: {dataset, version, num_samples, content_hash, format, files,
// rejected: [{file, reason}], rejected_count, splits}.
//
// A failed import leaves no version (the version and its blob references are one transaction)
// and releases the upload. A retry after a crash finds the version its previous attempt
// committed, if any, instead of importing twice.

#include "data/formats.h"
#include "jobs/job_kind.h"

namespace easel::jobs {

// `formats` must outlive the registry.
JobKind DatasetImportJobKind(const data::Formats& formats);

}  // namespace easel::jobs
