#pragma once
// Test-only: the jobs test binary doubles as the `easel worker` program and as a stand-in
// server, so executor tests fork and exec real processes (test_main.cc).
//
//   <binary> --easel-test-worker --data-dir D --db URL --job ID --attempt N
//   <binary> --easel-test-server --data-dir D --db URL --runner R   (runs until killed)

#include <filesystem>
#include <string>
#include <vector>

#include "jobs/job_kind.h"

namespace easel::jobs::testing {

inline constexpr const char* kWorkerFlag = "--easel-test-worker";
inline constexpr const char* kServerFlag = "--easel-test-server";

// The built-in kinds with test kinds enabled, plus `stubborn`: sleeps `seconds` and ignores
// cancellation, to exercise SIGKILL after the grace period.
void RegisterTestJobKinds(JobKindRegistry& registry);

// worker_argv for an executor under test.
std::vector<std::string> TestWorkerArgv(const std::filesystem::path& data_dir,
                                        const std::string& db_url);

}  // namespace easel::jobs::testing
