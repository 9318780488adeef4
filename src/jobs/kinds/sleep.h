#pragma once
// The test-only `sleep` kind: sleeps `seconds` in `steps` equal slices, checkpointing after each
// slice, so tests can kill its worker and watch the next attempt resume. Spec:
// {seconds: number 0..3600, steps?: integer 1..10000 (default 10), fail?: boolean}. Result:
// {steps: N, resumed_from: K} where K is the step the attempt started at.

#include "common/json.h"
#include "common/status.h"
#include "jobs/job_kind.h"

namespace easel::jobs {

Status ValidateSleepSpec(const Json& spec);
JobKind SleepJobKind();

}  // namespace easel::jobs
