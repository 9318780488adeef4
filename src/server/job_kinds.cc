#include "server/job_kinds.h"

#include "jobs/kinds/dataset_import.h"
#include "labeling/export_kind.h"

namespace easel::server {

const data::Formats& BuiltinFormats() {
  static const data::Formats* formats = [] {
    auto* f = new data::Formats;
    data::RegisterBuiltinFormats(*f);
    return f;
  }();
  return *formats;
}

void RegisterJobKinds(jobs::JobKindRegistry& registry, bool enable_test_kinds) {
  jobs::RegisterBuiltinJobKinds(registry, enable_test_kinds);
  registry.Register(jobs::DatasetImportJobKind(BuiltinFormats())).IgnoreError();
  registry.Register(labeling::ExportJobKind(BuiltinFormats())).IgnoreError();
}

}  // namespace easel::server
