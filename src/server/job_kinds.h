#pragma once
// The explicit list of every job kind the server and its workers know (DESIGN.md §4: one list
// file, no static registration).

#include "jobs/job_kind.h"

namespace easel::server {

void RegisterJobKinds(jobs::JobKindRegistry& registry, bool enable_test_kinds);

}  // namespace easel::server
