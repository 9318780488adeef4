#pragma once
// Reference counts of blobs, kept in the metadata store in the same transaction as the rows
// that point at a blob, and the garbage collector that removes blobs nobody references.

#include <cstdint>

#include "store/blob_store.h"
#include "store/sql.h"

namespace easel::store {

// Counts one more reference to a stored blob (creating its record on first use).
Status AddBlobRef(SqlSession& s, const BlobInfo& blob);
// Drops one reference; the blob stays on disk until garbage collection.
Status ReleaseBlobRef(SqlSession& s, const std::string& digest);

struct GcReport {
  int64_t blobs_deleted = 0;
  int64_t bytes_deleted = 0;
  int64_t orphans_deleted = 0;  // files with no record (crash between write and reference)
  int64_t missing_files = 0;    // referenced blobs whose file is gone (reported, kept)
  int64_t refcounts_fixed = 0;  // counts that disagreed with the referencing rows
};

// Recounts every blob's references from the columns in BlobReferenceColumns(), then removes
// unreferenced blobs, and files without a record that are older than `orphan_grace_ms`.
// Safe to run while the server is serving: holds the blob store's gc_mutex exclusively.
Result<GcReport> CollectGarbage(Database& db, BlobStore& blobs, int64_t orphan_grace_ms);

}  // namespace easel::store
