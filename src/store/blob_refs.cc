#include "store/blob_refs.h"

#include <fmt/format.h>

#include <set>

#include "common/log.h"
#include "common/time.h"
#include "store/schema.h"

namespace easel::store {

Status AddBlobRef(SqlSession& s, const BlobInfo& blob) {
  return s
      .Exec(
          "INSERT INTO blobs (digest, size, refcount, created_at) VALUES (?, ?, 1, ?) "
          "ON CONFLICT (digest) DO UPDATE SET refcount = blobs.refcount + 1",
          {blob.digest, static_cast<int64_t>(blob.size), NowMillis()})
      .status();
}

Status ReleaseBlobRef(SqlSession& s, const std::string& digest) {
  return s
      .Exec("UPDATE blobs SET refcount = refcount - 1 WHERE digest = ? AND refcount > 0", {digest})
      .status();
}

Result<GcReport> CollectGarbage(Database& db, BlobStore& blobs, int64_t orphan_grace_ms) {
  std::unique_lock gc_lock(blobs.gc_mutex());
  GcReport report;

  std::string counted = "0";
  for (const auto& [table, column] : BlobReferenceColumns()) {
    counted +=
        fmt::format(" + (SELECT COUNT(*) FROM {0} WHERE {0}.{1} = blobs.digest)", table, column);
  }
  std::vector<std::pair<std::string, int64_t>> doomed;
  EASEL_RETURN_IF_ERROR(db.Transaction([&](SqlSession& s) -> Status {
    EASEL_ASSIGN_OR_RETURN(report.refcounts_fixed,
                           s.Exec(fmt::format("UPDATE blobs SET refcount = {0} WHERE refcount <> "
                                              "{0}",
                                              counted)));
    EASEL_ASSIGN_OR_RETURN(auto rows, s.Query("SELECT digest, size FROM blobs WHERE refcount = 0"));
    for (const Row& r : rows) doomed.emplace_back(r.Str(0), r.Int(1));
    EASEL_RETURN_IF_ERROR(s.Exec("DELETE FROM blobs WHERE refcount = 0"));
    return OkStatus();
  }));
  for (const auto& [digest, size] : doomed) {
    EASEL_RETURN_IF_ERROR(blobs.Remove(digest));
    ++report.blobs_deleted;
    report.bytes_deleted += size;
  }

  EASEL_ASSIGN_OR_RETURN(auto rows, db.Query("SELECT digest FROM blobs"));
  std::set<std::string> known;
  for (const Row& r : rows) known.insert(r.Str(0));
  EASEL_ASSIGN_OR_RETURN(auto files, blobs.List());
  std::set<std::string> on_disk;
  for (const auto& [digest, age_ms] : files) {
    on_disk.insert(digest);
    if (known.count(digest) || age_ms < orphan_grace_ms) continue;
    auto size = blobs.Size(digest);
    EASEL_RETURN_IF_ERROR(blobs.Remove(digest));
    ++report.orphans_deleted;
    report.bytes_deleted += size.ok() ? static_cast<int64_t>(*size) : 0;
  }
  for (const std::string& digest : known) {
    if (!on_disk.count(digest)) {
      EASEL_LOG_ERROR("blob {} is referenced but missing on disk", digest);
      ++report.missing_files;
    }
  }
  EASEL_LOG_INFO("gc: {} blobs and {} orphans removed, {} bytes freed, {} counts fixed",
                 report.blobs_deleted, report.orphans_deleted, report.bytes_deleted,
                 report.refcounts_fixed);
  return report;
}

}  // namespace easel::store
