#pragma once
// The output file of a batch prediction: its lines (CSV or JSON lines, one per input row), and
// the file itself, which grows by whole batches and is synced to disk before a checkpoint says
// how many of its bytes are good.

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "serving/backend.h"
#include "serving/batch_predict_input.h"

namespace easel::serving {

enum class OutputFormat { kCsv, kJsonl };

// Lines of the output. Tabular classifiers: id, label, then p_<class> per class (JSON lines:
// {"id", "label", "probabilities": {class: p}}); regressors: id, value; image classifiers add
// the sample's file after the id. Kept input columns come after the id as input.<column> (JSON
// lines: "input": {column: text | null}), as the input held them. Numbers are the shortest text
// that reads back as the same float, so the file holds exactly what the model answered.
class OutputWriter {
 public:
  // `numeric_ids`: ids are row numbers (files), written as JSON numbers. `kept`: the names of
  // InputRow::kept's cells.
  OutputWriter(OutputFormat format, const ModelMetadata& metadata, bool images, bool numeric_ids,
               std::vector<std::string> kept = {});

  // The CSV header line; empty for JSON lines.
  std::string Header() const;
  // Appends one line per row: `values` holds rows.size() x width outputs, as Backend::Execute
  // answers them (labels are chosen by MakeOutputs, as online).
  Status Append(std::string& out, std::span<const InputRow> rows,
                std::span<const float> values) const;

  static std::string_view ContentType(OutputFormat format);
  static std::string_view Extension(OutputFormat format);

 private:
  OutputFormat format_;
  const ModelMetadata& metadata_;
  bool images_;
  bool numeric_ids_;
  std::vector<std::string> kept_;
};

// A file that only grows by Append; Sync puts what was appended on the disk (fdatasync).
// Not thread-safe.
class DurableFile {
 public:
  // Opens or creates `path` and cuts it to its first `keep` bytes (what the last checkpoint
  // counted). FAILED_PRECONDITION when the file is shorter than that: the caller starts over.
  static Result<DurableFile> Open(const std::filesystem::path& path, uint64_t keep);
  DurableFile(DurableFile&& other) noexcept;
  DurableFile& operator=(DurableFile&& other) noexcept;
  ~DurableFile();

  Status Append(std::string_view bytes);
  Status Sync();
  uint64_t size() const { return size_; }

 private:
  DurableFile(int fd, uint64_t size) : fd_(fd), size_(size) {}
  int fd_ = -1;
  uint64_t size_ = 0;
};

}  // namespace easel::serving
