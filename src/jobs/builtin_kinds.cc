// The one list of job kinds built into easel (DESIGN.md §4: explicit registration). Modules
// above jobs (train, automl, data...) register their kinds from the server's composition root.

#include "common/log.h"
#include "jobs/job_kind.h"
#include "jobs/kinds/sleep.h"

namespace easel::jobs {

void RegisterBuiltinJobKinds(JobKindRegistry& registry, bool enable_test_kinds) {
  auto add = [&](JobKind kind) {
    Status st = registry.Register(std::move(kind));
    // Only a programming error (a duplicate name) gets here; say so loudly and carry on.
    if (!st.ok()) EASEL_LOG_ERROR("job kind not registered: {}", st.ToString());
  };
  if (enable_test_kinds) add(SleepJobKind());
}

}  // namespace easel::jobs
