#pragma once
// The entry point of `easel worker --job ID`: the child process the executor starts for each
// attempt of a job. It runs the job's kind and records the attempt's final state itself.
//
// Signals: SIGTERM (and SIGINT) set the cancel flag the kind polls. After the kind returns, the
// worker tells a user's cancel (cancel_requested in the store → `cancelled`) from a shutdown or
// a timeout (nothing recorded, exit kWorkerExitInterrupted: the executor, which sent the
// signal, records what it means). kChildEndedSignal wakes JobContext::WaitForChildren.

#include <csignal>
#include <cstdint>
#include <filesystem>
#include <string>

#include "jobs/job_kind.h"

namespace easel::jobs {

struct WorkerOptions {
  std::string job_id;
  int64_t attempt = 0;  // the attempt the executor started (`--attempt N`); 0: the current one
  std::filesystem::path data_dir;
  std::string db_url;
  int wake_fd = -1;  // `--wake-fd N`: the executor's eventfd (JobContext::WakeScheduler)
};

// The signal the executor sends a worker when one of its child jobs has ended
// (JobContext::WaitForChildren). SIGWINCH: ignored by default, so it is harmless to a worker
// that has not installed its handler yet, and nothing else sends it to a process without a
// terminal.
inline constexpr int kChildEndedSignal = SIGWINCH;

inline constexpr int kWorkerExitRecorded = 0;      // the final state is in the store
inline constexpr int kWorkerExitError = 1;         // the store could not be reached or updated
inline constexpr int kWorkerExitInterrupted = 75;  // stopped by a signal; no state recorded
inline constexpr int kWorkerExitNotCurrent = 76;   // the job is not running this attempt

// Runs one attempt and returns the process exit code. Call once per process, from main():
// installs process-wide SIGTERM/SIGINT handlers and makes stdout line-buffered.
int RunWorker(const WorkerOptions& options, const JobKindRegistry& registry);

}  // namespace easel::jobs
