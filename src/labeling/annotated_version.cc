#include "labeling/annotated_version.h"

#include <algorithm>
#include <set>

#include "labeling/task_store.h"

namespace easel::labeling {

namespace {
constexpr int kAnnotationPage = 5000;
}  // namespace

void ApplyAnnotation(TaskKind kind, const Annotation& annotation, data::Sample& sample) {
  if (kind == TaskKind::kDetection) {
    sample.boxes = annotation.boxes;
  } else {
    sample.labels = annotation.labels;
  }
}

Result<AnnotatedVersion> AnnotatedVersion::Open(store::Database& db, store::BlobStore& blobs,
                                                const Task& task) {
  TaskStore tasks(db, blobs);
  EASEL_ASSIGN_OR_RETURN(data::DatasetVersion version, tasks.Version(task));
  data::DatasetStore datasets(db);
  EASEL_ASSIGN_OR_RETURN(data::Dataset dataset, datasets.GetById(task.dataset_id));
  EASEL_ASSIGN_OR_RETURN(data::ManifestReader reader, data::ManifestReader::Open(blobs, version));
  AnnotationStore store(db, blobs);
  std::vector<Annotation> annotations;
  int64_t after = -1;
  for (;;) {
    EASEL_ASSIGN_OR_RETURN(auto page, store.Applied(task, after, kAnnotationPage));
    if (page.empty()) break;
    after = page.back().position;
    for (Annotation& a : page) annotations.push_back(std::move(a));
    if (static_cast<int>(page.size()) < kAnnotationPage) break;
  }
  return AnnotatedVersion(task, std::move(dataset), std::move(version), std::move(reader),
                          std::move(annotations));
}

std::vector<std::string> AnnotatedVersion::classes() const {
  std::set<std::string> all;
  for (const std::string& c : version_.classes()) all.insert(c);
  for (const std::string& l : task_.labels) all.insert(l);
  return {all.begin(), all.end()};
}

Status AnnotatedVersion::ForEach(
    const std::function<Status(const data::Sample&, data::Split)>& fn) const {
  size_t next = 0;  // the first annotation not yet reached
  int64_t position = 0;
  return reader_.ForEachSample([&](const data::Sample& sample, data::Split split) -> Status {
    const int64_t here = position++;
    while (next < annotations_.size() && annotations_[next].position < here) ++next;
    if (next < annotations_.size() && annotations_[next].position == here) {
      const Annotation& a = annotations_[next];
      if (a.sample_id != sample.id) {
        return DataLoss("labeling task '" + task_.name + "' does not match its dataset version");
      }
      data::Sample changed = sample;
      ApplyAnnotation(task_.kind, a, changed);
      return fn(changed, split);
    }
    return fn(sample, split);
  });
}

}  // namespace easel::labeling
