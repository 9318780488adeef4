#include "data/images/image_export.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace easel::data {
namespace {
constexpr size_t kChunk = 64 * 1024;
}  // namespace

Result<ImageHeader> SampleImageHeader(const ExportSource& source, const Sample& sample) {
  // Importers store {"width", "height", "format"}: no need to read the blob.
  const Json& meta = sample.meta;
  if (meta.is_object()) {
    auto w = meta.find("width"), h = meta.find("height"), f = meta.find("format");
    if (w != meta.end() && h != meta.end() && f != meta.end() && w->is_number_integer() &&
        h->is_number_integer() && f->is_string() && w->get<int64_t>() > 0 &&
        h->get<int64_t>() > 0) {
      if (std::optional<ImageFormat> format = ParseImageFormat(f->get<std::string>())) {
        return ImageHeader{*format, w->get<int64_t>(), h->get<int64_t>()};
      }
    }
  }
  if (source.blobs == nullptr) return FailedPrecondition("no blob store to read images from");
  EASEL_ASSIGN_OR_RETURN(uint64_t size, source.blobs->Size(sample.blob));
  Result<ImageHeader> header = ProbeImage([&](uint64_t offset, uint64_t n) -> Result<std::string> {
    std::string out;
    if (offset >= size) return out;
    n = std::min(n, size - offset);
    EASEL_RETURN_IF_ERROR(source.blobs->Read(sample.blob, offset, n, [&](const char* p, size_t k) {
      out.append(p, k);
      return true;
    }));
    return out;
  });
  if (!header.ok()) {
    return InvalidArgument(fmt::format("{}: {}", sample.file, header.status().message()));
  }
  return header;
}

std::string FormatCoordinate(double v) {
  if (v == 0) return "0";  // also turns -0 into 0
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}

Status CheckFolderName(std::string_view name) {
  auto bad = [&](std::string_view why) {
    return InvalidArgument(fmt::format(
        "class '{}' cannot be a folder name ({}); export this dataset as image_csv instead", name,
        why));
  };
  if (name.empty()) return bad("empty");
  if (name.front() == '.') return bad("starts with '.'");
  for (unsigned char c : name) {
    if (c == '/' || c == '\\') return bad("contains a slash");
    if (c < 0x20 || c == 0x7f) return bad("contains a control character");
  }
  return OkStatus();
}

Result<BufferedExportFile> BufferedExportFile::Open(ExportWriter& out, const std::string& path) {
  EASEL_ASSIGN_OR_RETURN(std::unique_ptr<ExportFile> file, out.Open(path));
  return BufferedExportFile(std::move(file));
}

Status BufferedExportFile::Append(std::string_view text) {
  buffer_.append(text);
  if (buffer_.size() < kChunk) return OkStatus();
  Status s = file_->Write(buffer_);
  buffer_.clear();
  return s;
}

Status BufferedExportFile::Close() {
  if (!buffer_.empty()) {
    EASEL_RETURN_IF_ERROR(file_->Write(buffer_));
    buffer_.clear();
  }
  return file_->Close();
}

Status ExportProgress::Step() {
  ++done_;
  if (done_ % 256 != 0) return OkStatus();
  if (out_.cancelled()) return Cancelled("export cancelled");
  out_.Progress(std::min(1.0, static_cast<double>(done_) / total_), "writing samples");
  return OkStatus();
}

}  // namespace easel::data
