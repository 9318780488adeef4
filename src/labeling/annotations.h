#pragma once
// Annotations: what annotators say about one sample of a task, with a review status.
//
// Statuses (Label Studio / ModelArts team labeling):
//  - unlabeled: nothing to apply (a reset); the sample is back in the queue;
//  - labeled:   an annotator's answer;
//  - reviewed:  a reviewer accepted it;
//  - rejected:  a reviewer refused it; the sample is back in the queue, and a commit keeps the
//               sample's labels from the task's version (a rejection never deletes data).
// Commits and exports apply labeled and reviewed annotations only.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "data/sample.h"
#include "labeling/task.h"
#include "labeling/task_store.h"
#include "store/sql.h"

namespace easel::labeling {

enum class AnnotationStatus { kUnlabeled, kLabeled, kReviewed, kRejected };

std::string_view ToString(AnnotationStatus status);
// INVALID_ARGUMENT listing the statuses.
Result<AnnotationStatus> ParseAnnotationStatus(std::string_view name);
// Whether commits and exports apply it (labeled, reviewed).
inline bool IsApplied(AnnotationStatus s) {
  return s == AnnotationStatus::kLabeled || s == AnnotationStatus::kReviewed;
}

inline constexpr size_t kMaxBoxesPerSample = 1000;

struct Annotation {
  std::string sample_id;
  int64_t position = 0;  // the sample's index in the manifest
  std::vector<std::string> labels;
  std::vector<data::Box> boxes;
  AnnotationStatus status = AnnotationStatus::kLabeled;
  std::string author;  // user id
  int64_t updated_at = 0;
  // Where the answer came from when no person typed it, e.g. {kind: "prelabel", model,
  // version, model_version_id, confidence} for an accepted pre-label; null for a person's.
  Json source;
};

// {sample_id, labels, boxes: [{label, x, y, w, h}], status, author, updated_at, source?}
// (source only when the annotation has one).
Json AnnotationToJson(const Annotation& a);

// Reads a PUT body {labels?, boxes?, status?} (status defaults to labeled; unknown fields are
// refused). Only the shape is checked here; ValidateAnnotation checks it against the task.
Result<Annotation> AnnotationFromJson(const Json& body);

// Checks an annotation against its task and sample, and rounds box coordinates to
// data::kBoxPrecision as importers do (so a commit and an export carry exactly what was
// stored):
//  - every label and box label is one of the task's labels;
//  - classification and text classification: no boxes; exactly one label when labeled or
//    reviewed, at most one when rejected;
//  - detection: no labels; at most kMaxBoxesPerSample boxes, each of positive finite size,
//    inside the image when the sample records its width and height (an empty list when
//    labeled means "nothing to detect here");
//  - unlabeled: neither labels nor boxes.
// INVALID_ARGUMENT naming the field.
Status ValidateAnnotation(const Task& task, const data::Sample& sample, Annotation& a);

// Stores an already validated annotation (replacing any earlier one of the sample) inside the
// caller's transaction, and ends the sample's queue lease. `a` must carry sample_id, position,
// author and updated_at.
Status UpsertAnnotation(store::SqlSession& session, const Task& task, const Annotation& a);

class AnnotationStore {
 public:
  AnnotationStore(store::Database& db, store::BlobStore& blobs) : db_(db), tasks_(db, blobs) {}

  // Validates and stores (replacing any earlier annotation of the sample), and ends the
  // sample's queue lease. NOT_FOUND when the sample is not in the task.
  Result<Annotation> Put(const Task& task, const std::string& sample_id, Annotation a,
                         const std::string& user_id);
  // nullopt when the sample has no annotation yet; NOT_FOUND when it is not in the task.
  Result<std::optional<Annotation>> Get(const Task& task, const std::string& sample_id);
  // Annotations by sample id after `after` (exclusive), optionally of one status; limit
  // clamped to 1..1000. Samples never annotated have no annotation to list.
  Result<std::vector<Annotation>> List(const Task& task, std::optional<AnnotationStatus> status,
                                       const std::string& after, int limit);
  // Labeled and reviewed annotations in manifest order, from position `after + 1` on.
  Result<std::vector<Annotation>> Applied(const Task& task, int64_t after, int limit);

 private:
  store::Database& db_;
  TaskStore tasks_;
};

}  // namespace easel::labeling
