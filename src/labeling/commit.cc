#include "labeling/commit.h"

#include <shared_mutex>

#include "data/split.h"
#include "data/version_builder.h"
#include "labeling/annotated_version.h"
#include "labeling/task_store.h"

namespace easel::labeling {

Result<data::DatasetVersion> CommitTask(store::Database& db, store::BlobStore& blobs,
                                        const Task& task, const std::string& user_id) {
  // Blobs written below are referenced only once the version commits: hold off collection.
  std::shared_lock gc_guard(blobs.gc_mutex());
  EASEL_ASSIGN_OR_RETURN(AnnotatedVersion view, AnnotatedVersion::Open(db, blobs, task));
  const data::DatasetVersion& parent = view.version();

  data::VersionBuilder::Options options;
  options.type = view.dataset().type;
  // Samples keep their splits; the spec is carried along for the record.
  options.split =
      data::ParseSplitSpec(parent.splits.value("spec", Json())).value_or(data::SplitSpec());
  data::VersionBuilder builder(blobs, options);
  if (data::IsRecordType(options.type)) EASEL_RETURN_IF_ERROR(builder.SetColumns(parent.columns()));
  builder.DeclareClasses(view.classes());
  EASEL_RETURN_IF_ERROR(view.ForEach([&](const data::Sample& sample, data::Split split) {
    return builder.AddWithSplit(sample, split);
  }));
  if (builder.rejected_count() > 0) {
    // Annotations are checked when stored, and the rest comes from a version that was accepted.
    const data::RejectedEntry& first = builder.rejected().front();
    return Internal("the committed version would drop '" + first.name + "': " + first.reason);
  }
  EASEL_ASSIGN_OR_RETURN(data::VersionDraft draft, builder.Finish());

  data::DatasetStore datasets(db);
  const Json source = {{"kind", "labeling"},
                       {"task", task.id},
                       {"task_name", task.name},
                       {"parent_version", parent.version},
                       {"annotations", view.applied()}};
  EASEL_ASSIGN_OR_RETURN(data::DatasetVersion version,
                         datasets.CommitVersion(view.dataset(), draft, source, user_id));
  EASEL_RETURN_IF_ERROR(TaskStore(db, blobs).SetCommittedVersion(task, version.version));
  return version;
}

}  // namespace easel::labeling
