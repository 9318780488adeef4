#pragma once
// Where a job's files live while it may still run: DATA_DIR/jobs/<job id>/ holds `log` (the
// worker's stdout and stderr, appended across attempts) and `checkpoint` (the kind's last
// saved state). The directory goes away once the job is final and its log is archived.

#include <filesystem>
#include <string>

#include "common/status.h"

namespace easel::jobs {

// INVALID_ARGUMENT unless `job_id` has the shape of a server-generated id, so a path can never
// be steered by a request.
Result<std::filesystem::path> JobDir(const std::filesystem::path& data_dir,
                                     const std::string& job_id);
Result<std::filesystem::path> JobLogPath(const std::filesystem::path& data_dir,
                                         const std::string& job_id);
Result<std::filesystem::path> JobCheckpointPath(const std::filesystem::path& data_dir,
                                                const std::string& job_id);

}  // namespace easel::jobs
