#pragma once
// Labeling tasks (Label Studio projects, CVAT tasks, ModelArts labeling jobs): a set of
// annotators labeling one fixed dataset version with a fixed list of labels. The task never
// changes its version; annotations are kept beside it and become a new dataset version only
// when the task is committed (commit.h).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "data/dataset_type.h"

namespace easel::labeling {

// What annotators produce: one label per sample (classification, text classification) or
// boxes (detection).
enum class TaskKind { kClassification, kDetection, kTextClassification };

std::string_view ToString(TaskKind kind);  // "classification", "detection", "text_classification"
// INVALID_ARGUMENT listing the kinds.
Result<TaskKind> ParseTaskKind(std::string_view name);
// The dataset type a kind labels: image_classification, object_detection, text_classification.
data::DatasetType DatasetTypeFor(TaskKind kind);

// Limits on a task's label list.
inline constexpr size_t kMaxLabels = 1000;
inline constexpr size_t kMaxLabelBytes = 256;
inline constexpr size_t kMaxInstructionsBytes = 16 * 1024;

// A label as datasets accept it: 1..256 bytes, no control characters.
bool IsValidLabel(std::string_view label);
// The label list of a new task: non-empty, at most kMaxLabels, each valid and unique.
// INVALID_ARGUMENT naming the first offender (field "labels").
Status ValidateLabels(const std::vector<std::string>& labels);

struct Task {
  std::string id;
  std::string project_id;
  std::string dataset_id;
  std::string dataset_name;  // filled by the store's reads
  int64_t version = 0;
  std::string name;
  TaskKind kind = TaskKind::kClassification;
  std::vector<std::string> labels;  // in the order the task was created with
  std::string instructions;
  uint64_t seed = 0;  // decides the queue's random order
  int64_t num_samples = 0;
  std::string created_by;
  int64_t created_at = 0;
  std::optional<int64_t> committed_version;  // the last version a commit made

  bool HasLabel(std::string_view label) const;
};

// Annotation counts by status; unlabeled counts samples without an annotation too.
struct StatusCounts {
  int64_t unlabeled = 0;
  int64_t labeled = 0;
  int64_t reviewed = 0;
  int64_t rejected = 0;
};

// {id, name, dataset, version, kind, labels, instructions, seed, num_samples, created_by,
// created_at, committed_version, counts: {unlabeled, labeled, reviewed, rejected}}
Json TaskToJson(const Task& task, const StatusCounts& counts);

}  // namespace easel::labeling
