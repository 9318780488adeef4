#pragma once
// What the image exporters share: image sizes for formats that store them, exact number
// formatting, class names as folder names, buffered streaming of generated files, and progress
// over several passes of the samples. Internal to src/data/images.

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "data/exporter.h"
#include "data/images/image_probe.h"

namespace easel::data {

// The image's size from the sample's meta, or (for a sample without it) from its blob's header.
Result<ImageHeader> SampleImageHeader(const ExportSource& source, const Sample& sample);

// The shortest decimal text that reads back as exactly `v` ("12.5", "0.30000000000000004"), so
// coordinates survive export and re-import bit for bit.
std::string FormatCoordinate(double v);

// OK when `name` can be one folder name in an archive (image_folder's class folders).
// INVALID_ARGUMENT naming the class otherwise: empty, '/', '\', control characters, "." / ".."
// or a leading '.' (such folders are skipped as hidden on import).
Status CheckFolderName(std::string_view name);

// A generated file (JSON, XML, CSV, text) written through ExportWriter::Open in 64 KiB chunks.
class BufferedExportFile {
 public:
  static Result<BufferedExportFile> Open(ExportWriter& out, const std::string& path);
  Status Append(std::string_view text);
  Status Close();

 private:
  explicit BufferedExportFile(std::unique_ptr<ExportFile> file) : file_(std::move(file)) {}
  std::unique_ptr<ExportFile> file_;
  std::string buffer_;
};

// Progress over `passes` walks of the samples: Step() once per sample per pass.
class ExportProgress {
 public:
  ExportProgress(ExportWriter& out, const ExportSource& source, int passes)
      : out_(out), total_(std::max<uint64_t>(source.num_samples, 1) * passes) {}
  // Reports every 256 samples; CANCELLED once the writer is cancelled.
  Status Step();

 private:
  ExportWriter& out_;
  uint64_t total_;
  uint64_t done_ = 0;
};

}  // namespace easel::data
