#pragma once
// A job's log over its life: a file under DATA_DIR/jobs/<id>/log while the job may still run
// (the worker's stdout and stderr, appended across attempts), then a blob in the artifact
// store once the job is final (jobs.log_digest). Readers follow it by offset across that
// hand-over, which is what `GET …/jobs/{id}/logs?follow=true` needs.

#include <cstdint>
#include <filesystem>
#include <string>

#include "common/status.h"
#include "store/blob_store.h"
#include "store/sql.h"

namespace easel::jobs {

struct LogChunk {
  std::string data;
  uint64_t next_offset = 0;  // pass back as `offset` to continue
  // No byte will ever follow next_offset: the job is final and its whole log has been read.
  // A follower stops here; otherwise it waits a little and reads again.
  bool finished = false;
};

// Up to `max_bytes` (at most 1 MiB) of the log of job `job_id` of `project_id` from byte
// `offset` (an offset past the end reads nothing). NOT_FOUND for a job of another project;
// DATA_LOSS when the archived blob fails its hash check. Thread-safe; reads race safely with
// archiving.
Result<LogChunk> ReadJobLog(store::Database& db, store::BlobStore& blobs,
                            const std::filesystem::path& data_dir, const std::string& project_id,
                            const std::string& job_id, uint64_t offset,
                            size_t max_bytes = 64 * 1024);

// Executor side, once a job is final: stores its log file as a blob, records log_digest with
// its blob reference in one transaction, then removes DATA_DIR/jobs/<id>/ (checkpoints
// included). Idempotent: an already archived job only loses its leftover directory.
// FAILED_PRECONDITION for a job that is not final (it may still need its checkpoint).
Status ArchiveJobLog(store::Database& db, store::BlobStore& blobs,
                     const std::filesystem::path& data_dir, const std::string& job_id);

}  // namespace easel::jobs
