#pragma once
// The `prelabel` job kind: runs a classifier over the samples of a labeling task that no person
// has answered yet and stores its guesses as pre-labels (prelabel_store.h), which the
// uncertainty queue orders work by and which users can accept above a confidence threshold.
//
// Spec: {task_id, model, version?}; version is a number, "latest" (the default) or an alias,
// resolved by the PrelabelModelLoader (prelabel_model.h) the composition root supplies.
// Result: {task, model, version, model_version_id, prelabeled, skipped, unmatched}.
//
// What it does:
//  - samples: those with no annotation or an unlabeled one, in batches of kPrelabelBatch;
//    rejected samples are left to people (a reviewer refused an answer for them);
//  - a sample that already has a pre-label from the same model version is skipped (counted in
//    `skipped`), so running a version again only fills what is missing; pre-labels from other
//    model versions are replaced;
//  - progress is reported after every batch, cancellation is honoured between batches, and a
//    retried attempt resumes: the rows an earlier attempt of the same job wrote carry its job
//    id and count as `prelabeled`, not `skipped`;
//  - classes: the model may know classes the task does not. A sample whose most probable class
//    is not a task label gets no pre-label (and loses any older one, which came from another
//    model version and no longer reflects the latest model); it is counted in `unmatched`. A
//    model with no class at all among the task's labels is FAILED_PRECONDITION;
//  - classification and text_classification tasks only: a detection task is
//    FAILED_PRECONDITION (easel has no detector yet).

#include <functional>
#include <string>

#include "common/json.h"
#include "common/status.h"
#include "jobs/job_kind.h"
#include "labeling/prelabel_model.h"
#include "labeling/task.h"
#include "store/blob_store.h"
#include "store/sql.h"

namespace easel::labeling {

// FAILED_PRECONDITION when the task's kind cannot be pre-labeled (detection).
Status CheckPrelabelTask(const Task& task);
// FAILED_PRECONDITION when what a loader returned cannot pre-label the task: no classes, no
// predict function, no registry id, or no class that is one of the task's labels.
Status CheckModelFitsTask(const Task& task, const PrelabelModel& model);

// The spec's shape (no lookups). INVALID_ARGUMENT naming the field.
Status ValidatePrelabelSpec(const Json& spec);

struct PrelabelRequest {
  std::string project_id;
  std::string job_id;  // stored with each pre-label; "" when not run as a job
  std::string task_id;
  std::string model;
  std::string version = "latest";
};

// Runs one pre-labeling pass start to end (the job kind's body; tests call it directly).
// NOT_FOUND when the task is not in the project; the loader's and predict's errors as they
// are; CANCELLED when `cancelled` became true (the batches before it stay written).
Result<Json> RunPrelabel(store::Database& db, store::BlobStore& blobs,
                         const PrelabelModelLoader& loader, const PrelabelRequest& request,
                         const std::function<void(double, std::string)>& progress,
                         const std::function<bool()>& cancelled);

// The kind named "prelabel". Its submit-time check finds the task in the project and refuses a
// detection task; whether the model exists is the API's check (it has the blob store).
jobs::JobKind PrelabelJobKind(PrelabelModelLoader loader);

}  // namespace easel::labeling
