#include "jobs/job_files.h"

#include "common/files.h"
#include "common/random.h"

namespace easel::jobs {
namespace {

Result<std::filesystem::path> Under(const std::filesystem::path& data_dir,
                                    const std::string& job_id, const char* leaf) {
  if (!LooksLikeId(job_id)) return InvalidArgument("malformed job id");
  std::string relative = "jobs/" + job_id;
  if (leaf != nullptr) relative += std::string("/") + leaf;
  return ResolveUnder(data_dir, relative);
}

}  // namespace

Result<std::filesystem::path> JobDir(const std::filesystem::path& data_dir,
                                     const std::string& job_id) {
  return Under(data_dir, job_id, nullptr);
}

Result<std::filesystem::path> JobLogPath(const std::filesystem::path& data_dir,
                                         const std::string& job_id) {
  return Under(data_dir, job_id, "log");
}

Result<std::filesystem::path> JobCheckpointPath(const std::filesystem::path& data_dir,
                                                const std::string& job_id) {
  return Under(data_dir, job_id, "checkpoint");
}

}  // namespace easel::jobs
