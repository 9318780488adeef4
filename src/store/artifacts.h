#pragma once
// Artifacts: files a user or a job stores in a project (MLflow's run artifacts). The bytes are
// a blob; the record holds the user's file name as a label only, never as a path.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/blob_store.h"
#include "store/sql.h"

namespace easel::store {

struct Artifact {
  std::string id;
  std::string project_id;
  std::string name;
  std::string digest;
  int64_t size = 0;
  std::string content_type;
  std::string created_by;
  int64_t created_at = 0;
};

// File names shown to users: 1..255 bytes, no control characters, no '/' or '\'.
Status ValidateArtifactName(const std::string& name);

// Records `blob` as a new artifact and counts its reference, in one transaction.
Result<Artifact> CreateArtifact(Database& db, const std::string& project_id,
                                const std::string& name, const std::string& content_type,
                                const BlobInfo& blob, const std::string& user_id);
Result<Artifact> GetArtifact(Database& db, const std::string& project_id, const std::string& id);
// Artifacts of a project in creation order, after the id `after` (exclusive).
Result<std::vector<Artifact>> ListArtifacts(Database& db, const std::string& project_id,
                                            const std::string& after, int limit);
// Deletes the record and releases its blob reference (the bytes go at the next gc).
Status DeleteArtifact(Database& db, const std::string& project_id, const std::string& id);

}  // namespace easel::store
