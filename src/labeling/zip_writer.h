#pragma once
// The export archive: a data::ExportWriter that writes a ZIP file with libarchive straight
// into a new blob, so an export of any size is never held in memory or written twice.
// Generated files (JSON, XML, CSV, text) are deflated and stream without a known size (the
// entry ends with a data descriptor); images are copied from their blobs as stored entries.
// libarchive stays behind this header (zip_writer.cc).
//
// Entry paths must be relative, '/'-separated, normalized (no ".", "..", empty segments,
// backslashes or control characters) and unique: anything else is INVALID_ARGUMENT, an
// exporter bug that must not reach a user's archive.
//
// Not thread-safe; one exporter writes at a time.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "data/exporter.h"
#include "store/blob_store.h"

namespace easel::labeling {

class ZipExportWriter final : public data::ExportWriter {
 public:
  // `progress` and `cancelled` may be empty. The caller holds blobs.gc_mutex() shared until
  // the blob Finish() returns is referenced.
  static Result<std::unique_ptr<ZipExportWriter>> Create(
      store::BlobStore& blobs, std::function<void(double, std::string)> progress,
      std::function<bool()> cancelled);
  ~ZipExportWriter() override;

  Result<std::unique_ptr<data::ExportFile>> Open(const std::string& path) override;
  Status AddBytes(const std::string& path, std::string_view bytes) override;
  Status AddBlob(const std::string& path, const std::string& digest) override;
  void Progress(double fraction, std::string message) override;
  bool cancelled() const override;

  // Writes the central directory and publishes the archive as a blob. After an error in any
  // earlier call (or an entry left open) it fails, and nothing is published.
  Result<store::BlobInfo> Finish();
  uint64_t entries() const;

  struct State;  // libarchive handle and the blob being written; zip_writer.cc

 private:
  explicit ZipExportWriter(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace easel::labeling
