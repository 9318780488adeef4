#pragma once
// A task's dataset version as its annotations say it should be: every sample in manifest order
// with its split, the labeled and reviewed annotations applied (classification: the label
// replaces the sample's labels; detection: the boxes replace its boxes). Commits build a new
// version from it; exports of a task write it without committing.
//
// Opening takes a snapshot of the applied annotations (about 100 bytes each plus their boxes),
// so every walk over the samples sees the same annotations even while annotators keep working.
// The samples themselves stream from the manifest.

#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "data/datasets.h"
#include "data/manifest.h"
#include "data/sample.h"
#include "data/split.h"
#include "labeling/annotations.h"
#include "labeling/task.h"
#include "store/blob_store.h"
#include "store/sql.h"

namespace easel::labeling {

class AnnotatedVersion {
 public:
  // FAILED_PRECONDITION when the task's version no longer exists.
  static Result<AnnotatedVersion> Open(store::Database& db, store::BlobStore& blobs,
                                       const Task& task);

  const data::Dataset& dataset() const { return dataset_; }
  const data::DatasetVersion& version() const { return version_; }
  // The new version's classes, sorted: the version's classes and the task's labels.
  std::vector<std::string> classes() const;
  // Annotations that change a sample.
  size_t applied() const { return annotations_.size(); }

  // Calls `fn` for every sample in manifest order with its split; stops at the first error.
  // May be called several times; every call sees the same samples.
  Status ForEach(const std::function<Status(const data::Sample&, data::Split)>& fn) const;

 private:
  AnnotatedVersion(Task task, data::Dataset dataset, data::DatasetVersion version,
                   data::ManifestReader reader, std::vector<Annotation> annotations)
      : task_(std::move(task)),
        dataset_(std::move(dataset)),
        version_(std::move(version)),
        reader_(std::move(reader)),
        annotations_(std::move(annotations)) {}

  Task task_;
  data::Dataset dataset_;
  data::DatasetVersion version_;
  data::ManifestReader reader_;
  std::vector<Annotation> annotations_;  // applied ones, by position
};

// Applies one annotation to a sample of a task of `kind`.
void ApplyAnnotation(TaskKind kind, const Annotation& annotation, data::Sample& sample);

}  // namespace easel::labeling
