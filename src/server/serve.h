#pragma once
// `easel serve`: the composition root. The only place that builds every service and wires
// them together.

#include "server/options.h"

namespace easel::server {

// Runs the server until SIGTERM or SIGINT, then drains: stops accepting at once, lets
// in-flight requests finish (up to --drain-timeout-s), puts running jobs back in the queue,
// and returns the process exit code (0 after a drain, non-zero when start-up fails).
int RunServe(const ServeOptions& opts);

}  // namespace easel::server
