#pragma once
// Labeling tasks in the metadata store, and the index of each task's samples.
//
// Creating a task reads its dataset version's manifest once and records every sample id with
// where its manifest line is, its split and its place in the task's random queue order
// (labeling_task_samples). Checks on one sample (does it belong to the task, what size is the
// image) then cost one indexed lookup and one short blob read, never a manifest scan.
//
// Thread-safe as Database and BlobStore are.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "data/datasets.h"
#include "data/sample.h"
#include "data/split.h"
#include "labeling/task.h"
#include "store/blob_store.h"
#include "store/sql.h"

namespace easel::labeling {

// What a user asks for when creating a task.
struct NewTask {
  std::string name;
  std::string dataset;  // dataset name in the project
  int64_t version = 0;  // 0: the latest
  TaskKind kind = TaskKind::kClassification;
  std::vector<std::string> labels;
  std::string instructions;
  std::optional<uint64_t> seed;  // default: random
};

// One sample of a task's version, read from the manifest.
struct TaskSample {
  data::Sample sample;
  data::Split split = data::Split::kTrain;
  int64_t position = 0;  // index in the manifest
};

class TaskStore {
 public:
  TaskStore(store::Database& db, store::BlobStore& blobs) : db_(db), blobs_(blobs) {}

  // INVALID_ARGUMENT for a bad name (names.h rules), labels (ValidateLabels), instructions over
  // 16 KiB, or a kind that does not fit the dataset's type (classification needs an
  // image_classification dataset, detection object_detection, text_classification
  // text_classification); NOT_FOUND when the dataset or version does not exist in the project;
  // ALREADY_EXISTS when the project has a task of that name.
  Result<Task> Create(const std::string& project_id, const NewTask& request,
                      const std::string& user_id);
  // By name. NOT_FOUND.
  Result<Task> Get(const std::string& project_id, const std::string& name);
  // By id, any project (for jobs, which check the project themselves). NOT_FOUND.
  Result<Task> GetById(const std::string& task_id);
  // By name after `after_name` (exclusive); limit clamped to 1..1000.
  Result<std::vector<Task>> List(const std::string& project_id, const std::string& after_name,
                                 int limit);
  // Removes the task with its annotations and leases. NOT_FOUND.
  Status Delete(const std::string& project_id, const std::string& name);

  Result<StatusCounts> Counts(const Task& task);
  // Records the version the last commit made.
  Status SetCommittedVersion(const Task& task, int64_t version);

  // The dataset version the task labels. NOT_FOUND if it is gone (the dataset was deleted).
  Result<data::DatasetVersion> Version(const Task& task);
  // One sample of the task. NOT_FOUND when the task has no such sample.
  Result<TaskSample> GetSample(const Task& task, const std::string& sample_id);
  // Reads the sample whose manifest line is at [offset, offset + length) of `version`.
  Result<data::Sample> ReadSample(const data::DatasetVersion& version, int64_t offset,
                                  int64_t length);

 private:
  store::Database& db_;
  store::BlobStore& blobs_;
};

// The queue order of a sample: a 63-bit number from SHA-256 of the task's seed and the sample
// id, so the same seed gives the same order on every server and engine.
int64_t QueueRank(uint64_t seed, const std::string& sample_id);

}  // namespace easel::labeling
