#include "serving/batch_predict_output.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <utility>

#include "common/files.h"
#include "common/json.h"
#include "data/tabular/csv.h"

namespace easel::serving {
namespace {

// The shortest text that reads back as the same float; empty for NaN and infinities.
std::string FloatText(float v) {
  if (!std::isfinite(v)) return "";
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}

std::string JsonNumber(float v) {
  std::string text = FloatText(v);
  return text.empty() ? "null" : text;
}

}  // namespace

OutputWriter::OutputWriter(OutputFormat format, const ModelMetadata& metadata, bool images,
                           bool numeric_ids, std::vector<std::string> kept)
    : format_(format),
      metadata_(metadata),
      images_(images),
      numeric_ids_(numeric_ids),
      kept_(std::move(kept)) {}

std::string_view OutputWriter::ContentType(OutputFormat format) {
  return format == OutputFormat::kCsv ? "text/csv" : "application/x-ndjson";
}

std::string_view OutputWriter::Extension(OutputFormat format) {
  return format == OutputFormat::kCsv ? ".csv" : ".jsonl";
}

std::string OutputWriter::Header() const {
  if (format_ != OutputFormat::kCsv) return "";
  std::string out;
  data::AppendCsvField(out, "id", true, true);
  auto add = [&](std::string_view name) {
    out += ',';
    data::AppendCsvField(out, name, true, false);
  };
  if (images_) add("file");
  for (const std::string& c : kept_) add("input." + c);
  if (metadata_.classes.empty()) {
    add("value");
  } else {
    add("label");
    for (const std::string& c : metadata_.classes) add("p_" + c);
  }
  out += '\n';
  return out;
}

Status OutputWriter::Append(std::string& out, std::span<const InputRow> rows,
                            std::span<const float> values) const {
  const size_t n = rows.size();
  EASEL_ASSIGN_OR_RETURN(std::vector<Tensor> outputs,
                         MakeOutputs(metadata_, InferRequest{}, values, n));
  const bool classifier = !metadata_.classes.empty();
  const size_t width = classifier ? metadata_.classes.size() : 1;
  if (values.size() != n * width) {
    return Internal("the model answered " + std::to_string(values.size()) + " values for " +
                    std::to_string(n) + " rows of " + std::to_string(width));
  }
  const std::vector<std::string>* labels = nullptr;
  for (const Tensor& t : outputs) {
    if (t.name == "label") labels = &t.strings;
  }
  if (classifier && (labels == nullptr || labels->size() != n)) {
    return Internal("no label for every row");
  }
  for (const InputRow& row : rows) {
    if (row.kept.size() != kept_.size()) return Internal("a row lacks a kept column");
  }
  for (size_t r = 0; r < n; ++r) {
    const InputRow& row = rows[r];
    const float* v = values.data() + r * width;
    if (format_ == OutputFormat::kCsv) {
      data::AppendCsvField(out, row.id, false, true);
      if (images_) {
        out += ',';
        data::AppendCsvField(out, row.file, false, false);
      }
      for (const std::optional<std::string>& cell : row.kept) {
        out += ',';
        if (cell) data::AppendCsvField(out, *cell, false, false);
      }
      if (classifier) {
        out += ',';
        data::AppendCsvField(out, (*labels)[r], false, false);
      }
      for (size_t j = 0; j < width; ++j) {
        out += ',';
        out += FloatText(v[j]);
      }
    } else {
      // Every string here is valid UTF-8, as AppendJsonString needs: ids, paths, class names and
      // cells all passed an importer's or a JSON parser's check.
      out += "{\"id\":";
      if (numeric_ids_) {
        out += row.id;
      } else {
        AppendJsonString(out, row.id);
      }
      if (images_) {
        out += ",\"file\":";
        AppendJsonString(out, row.file);
      }
      if (!kept_.empty()) {
        out += ",\"input\":{";
        for (size_t j = 0; j < kept_.size(); ++j) {
          if (j > 0) out += ',';
          AppendJsonString(out, kept_[j]);
          out += ':';
          if (row.kept[j]) {
            AppendJsonString(out, *row.kept[j]);
          } else {
            out += "null";
          }
        }
        out += '}';
      }
      if (classifier) {
        out += ",\"label\":";
        AppendJsonString(out, (*labels)[r]);
        out += ",\"probabilities\":{";
        for (size_t j = 0; j < width; ++j) {
          if (j > 0) out += ',';
          AppendJsonString(out, metadata_.classes[j]);
          out += ':' + JsonNumber(v[j]);
        }
        out += '}';
      } else {
        out += ",\"value\":" + JsonNumber(v[0]);
      }
      out += '}';
    }
    out += '\n';
  }
  return OkStatus();
}

Result<DurableFile> DurableFile::Open(const std::filesystem::path& path, uint64_t keep) {
  const bool existed = std::filesystem::exists(path);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Internal("cannot open the output file: " + ErrnoMessage(errno));
  DurableFile file(fd, 0);
  struct stat st;
  if (::fstat(fd, &st) != 0) return Internal("cannot stat the output file: " + ErrnoMessage(errno));
  if (static_cast<uint64_t>(st.st_size) < keep) {
    return FailedPrecondition("the output file has " + std::to_string(st.st_size) +
                              " bytes, fewer than the checkpoint counted (" + std::to_string(keep) +
                              ")");
  }
  if (::ftruncate(fd, static_cast<off_t>(keep)) != 0 || ::fsync(fd) != 0) {
    return Internal("cannot truncate the output file: " + ErrnoMessage(errno));
  }
  if (::lseek(fd, static_cast<off_t>(keep), SEEK_SET) < 0) {
    return Internal("cannot seek in the output file: " + ErrnoMessage(errno));
  }
  if (!existed) EASEL_RETURN_IF_ERROR(FsyncDir(path.parent_path()));
  file.size_ = keep;
  return file;
}

DurableFile::DurableFile(DurableFile&& other) noexcept : fd_(other.fd_), size_(other.size_) {
  other.fd_ = -1;
}

DurableFile& DurableFile::operator=(DurableFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    size_ = other.size_;
  }
  return *this;
}

DurableFile::~DurableFile() {
  if (fd_ >= 0) ::close(fd_);
}

Status DurableFile::Append(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Internal("cannot write the output file: " + ErrnoMessage(errno));
    bytes.remove_prefix(static_cast<size_t>(n));
    size_ += static_cast<uint64_t>(n);
  }
  return OkStatus();
}

Status DurableFile::Sync() {
  if (::fdatasync(fd_) != 0) return Internal("cannot sync the output file: " + ErrnoMessage(errno));
  return OkStatus();
}

}  // namespace easel::serving
