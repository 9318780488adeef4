#pragma once
// Test helpers of the image formats: images made in memory, uploads in a temporary blob store,
// a recording ImportSink and an in-memory ExportWriter, and round trips through both.

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "data/exporter.h"
#include "data/importer.h"
#include "data/source_files.h"
#include "store/blob_store.h"
#include "testing/temp_dir.h"

namespace easel::data::testing {

// Encoded images of a given size (OpenCV's encoders; content varies with `seed`).
std::string Png(int width, int height, int seed = 0);
std::string Jpeg(int width, int height, int seed = 0);
std::string Webp(int width, int height, int seed = 0);
std::string Bmp(int width, int height, int seed = 0);

// A PNG signature and IHDR chunk claiming width x height, and nothing else.
std::string PngHeaderOnly(uint32_t width, uint32_t height);

class RecordingSink : public ImportSink {
 public:
  Status SetColumns(std::vector<std::string> columns) override;
  void DeclareClasses(const std::vector<std::string>& classes) override;
  Status Add(Sample sample) override;
  void Reject(std::string what, std::string reason) override;
  void Progress(double fraction, std::string message) override;
  bool cancelled() const override { return cancel_; }

  std::vector<Sample> samples;
  std::vector<std::string> declared;
  std::vector<std::pair<std::string, std::string>> rejected;  // what, reason
  double last_progress = -1;
  bool cancel_ = false;

  // The samples sorted by file, for comparisons.
  std::vector<Sample> Sorted() const;
  // The reason given for `what`, "" when it was not rejected.
  std::string ReasonFor(const std::string& what) const;
};

class MemoryWriter : public ExportWriter {
 public:
  explicit MemoryWriter(store::BlobStore& blobs) : blobs_(blobs) {}
  Result<std::unique_ptr<ExportFile>> Open(const std::string& path) override;
  Status AddBytes(const std::string& path, std::string_view bytes) override;
  Status AddBlob(const std::string& path, const std::string& digest) override;
  void Progress(double fraction, std::string message) override {}
  bool cancelled() const override { return false; }

  std::map<std::string, std::string> files;
  bool open_ = false;

 private:
  store::BlobStore& blobs_;
};

// An upload being assembled in a temporary blob store.
class Upload {
 public:
  Upload();
  store::BlobStore& blobs() { return *blobs_; }
  void Add(const std::string& path, std::string_view bytes);
  void AddAll(const std::map<std::string, std::string>& files);
  SourceFiles Files() const;

  // Runs importer `format` on the upload.
  Status Import(const std::string& format, DatasetType type, RecordingSink& sink,
                const Json& params = Json::object());

 private:
  ::easel::testing::TempDir dir_;
  std::unique_ptr<store::BlobStore> blobs_;
  std::vector<SourceFile> files_;
};

// The exporter `format` run over `samples` (splits assigned round-robin train, val, test when
// `splits` is empty) with classes = every label used plus `declared`.
Result<std::map<std::string, std::string>> Export(const std::string& format, DatasetType type,
                                                  store::BlobStore& blobs,
                                                  const std::vector<Sample>& samples,
                                                  const std::vector<std::string>& declared = {});

// Exports `first`'s samples (their blobs in `blobs`) with `format`, imports the archive's files
// with the importer of the same name, and expects the very same samples back, and no
// rejections. Returns the exported files for further checks.
std::map<std::string, std::string> ExpectRoundTrip(const std::string& format, DatasetType type,
                                                   store::BlobStore& blobs,
                                                   const RecordingSink& first);

}  // namespace easel::data::testing
