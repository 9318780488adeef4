#pragma once
// One import, start to end, independent of how it is driven (the `import` job kind runs it in
// a worker; tests call it directly): unpack the upload if it is an archive, pick the importer,
// feed a VersionBuilder, and hand back the draft plus what was rejected.

#include <functional>
#include <string>

#include "common/json.h"
#include "common/status.h"
#include "data/archive.h"
#include "data/datasets.h"
#include "data/formats.h"
#include "data/version_builder.h"

namespace easel::data {

struct ImportRequest {
  DatasetType type = DatasetType::kTabular;
  std::string upload_digest;
  uint64_t upload_size = 0;
  std::string file_name;  // as the user sent it: decides single file vs archive with the bytes
  std::string format;     // "" to detect
  Json params = Json::object();
  SplitSpec split;
  ArchiveLimits limits;
};

struct ImportOutcome {
  VersionDraft draft;
  std::string format;
  std::vector<RejectedEntry> rejected;
  uint64_t rejected_count = 0;
  uint64_t files = 0;  // files in the upload
};

// `progress` and `cancelled` may be empty. Errors: INVALID_ARGUMENT (unusable upload, unknown
// or unsuitable format, nothing importable: details list the rejections), RESOURCE_EXHAUSTED
// (an archive limit), CANCELLED.
Result<ImportOutcome> RunImport(const Formats& formats, store::BlobStore& blobs,
                                const ImportRequest& request,
                                const std::function<void(double, std::string)>& progress,
                                const std::function<bool()>& cancelled);

// True when the bytes (first 512) or the name say the upload is an archive libarchive reads.
bool LooksLikeArchive(std::string_view head, std::string_view file_name);

// The API's rejection list: [{file, reason}].
Json RejectedToJson(const std::vector<RejectedEntry>& rejected);

}  // namespace easel::data
