#pragma once
// Committing a labeling task: its dataset version with the labeled and reviewed annotations
// applied becomes the dataset's next version.
//
//  - Every sample of the task's version is kept, in its split (VersionBuilder::AddWithSplit),
//    so models trained before and after are tested on the same samples.
//  - Rejected and unlabeled annotations change nothing: the sample keeps the labels it has in
//    the task's version. Labeling never removes samples.
//  - The new version's classes are the task version's classes plus the task's labels.
//  - The version's source is {kind: "labeling", task, task_name, parent_version, annotations}.
//  - Committing again without changes gives a version with the same content_hash.
//
// The task stays on its version (annotations refer to it) and remembers the version made.

#include <string>

#include "common/status.h"
#include "data/datasets.h"
#include "labeling/task.h"
#include "store/blob_store.h"
#include "store/sql.h"

namespace easel::labeling {

// FAILED_PRECONDITION when the task's version no longer exists. Synchronous: the caller waits
// while the manifest is read and written once.
Result<data::DatasetVersion> CommitTask(store::Database& db, store::BlobStore& blobs,
                                        const Task& task, const std::string& user_id);

}  // namespace easel::labeling
