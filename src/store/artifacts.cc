#include "store/artifacts.h"

#include "common/random.h"
#include "common/time.h"
#include "store/blob_refs.h"

namespace easel::store {
namespace {

constexpr const char* kColumns =
    "id, project_id, name, digest, size, content_type, created_by, created_at";

Artifact FromRow(const Row& r) {
  return Artifact{r.Str(0), r.Str(1), r.Str(2), r.Str(3), r.Int(4), r.Str(5), r.Str(6), r.Int(7)};
}

}  // namespace

Status ValidateArtifactName(const std::string& name) {
  if (name.empty() || name.size() > 255) {
    return InvalidArgument("artifact name must be 1 to 255 bytes");
  }
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f || c == '/' || c == '\\') {
      return InvalidArgument("artifact name may not contain '/', '\\' or control characters");
    }
  }
  return OkStatus();
}

Result<Artifact> CreateArtifact(Database& db, const std::string& project_id,
                                const std::string& name, const std::string& content_type,
                                const BlobInfo& blob, const std::string& user_id) {
  Artifact a{NewId(),      project_id, name,       blob.digest, static_cast<int64_t>(blob.size),
             content_type, user_id,    NowMillis()};
  EASEL_RETURN_IF_ERROR(db.Transaction([&](SqlSession& s) -> Status {
    EASEL_RETURN_IF_ERROR(AddBlobRef(s, blob));
    return s
        .Exec(
            std::string("INSERT INTO artifacts (") + kColumns + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            {a.id, a.project_id, a.name, a.digest, a.size, a.content_type, a.created_by,
             a.created_at})
        .status();
  }));
  return a;
}

Result<Artifact> GetArtifact(Database& db, const std::string& project_id, const std::string& id) {
  EASEL_ASSIGN_OR_RETURN(auto row,
                         db.QueryOne(std::string("SELECT ") + kColumns +
                                         " FROM artifacts WHERE project_id = ? AND id = ?",
                                     {project_id, id}));
  if (!row) return NotFound("artifact '" + id + "' does not exist");
  return FromRow(*row);
}

Result<std::vector<Artifact>> ListArtifacts(Database& db, const std::string& project_id,
                                            const std::string& after, int limit) {
  EASEL_ASSIGN_OR_RETURN(auto rows, db.Query(std::string("SELECT ") + kColumns +
                                                 " FROM artifacts WHERE project_id = ? AND id > ? "
                                                 "ORDER BY id LIMIT ?",
                                             {project_id, after, int64_t{limit}}));
  std::vector<Artifact> out;
  for (const Row& r : rows) out.push_back(FromRow(r));
  return out;
}

Status DeleteArtifact(Database& db, const std::string& project_id, const std::string& id) {
  return db.Transaction([&](SqlSession& s) -> Status {
    EASEL_ASSIGN_OR_RETURN(
        auto row, s.QueryOne("SELECT digest FROM artifacts WHERE project_id = ? AND id = ?",
                             {project_id, id}));
    if (!row) return NotFound("artifact '" + id + "' does not exist");
    EASEL_RETURN_IF_ERROR(s.Exec("DELETE FROM artifacts WHERE id = ?", {id}));
    return ReleaseBlobRef(s, row->Str(0));
  });
}

}  // namespace easel::store
