#include "server/job_kinds.h"

namespace easel::server {

void RegisterJobKinds(jobs::JobKindRegistry& registry, bool enable_test_kinds) {
  jobs::RegisterBuiltinJobKinds(registry, enable_test_kinds);
}

}  // namespace easel::server
