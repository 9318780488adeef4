// The record exporters: `csv` (tabular, text classification, time series) and `jsonl` (text
// classification). Each writes one file, <dataset name>.csv or .jsonl, streamed through
// ExportWriter::Open in large writes; nothing holds the whole file.
//
// They write what the importers read back to the same samples (formats.h):
//  - CSV: a header line, LF line ends, RFC 4180 quoting. A missing value is an empty field; a
//    value that would read back as missing ("" or "NA"...) or that holds a comma, quote, CR or
//    LF is quoted (header names also when they hold ; tab or |, so delimiter detection cannot
//    be misled). Text classification appends the label as a last column "label" (empty when
//    unlabeled).
//  - JSON lines: {"<text column>": text, "label": label (absent when unlabeled), other columns,
//    then the sample's meta fields}. A meta field named like the text or label is dropped.

#include "common/log.h"
#include "data/tabular/cells.h"
#include "data/tabular/formats.h"

namespace easel::data {

void AppendCsvField(std::string& out, std::string_view value, bool header, bool first) {
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  const bool quote = IsMissingMarker(value) ||
                     value.find_first_of(header ? ",;\t|\"\r\n" : ",\"\r\n") != value.npos ||
                     (header && first && value.starts_with(kBom));
  if (!quote) {
    out += value;
    return;
  }
  out += '"';
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

namespace {

constexpr size_t kBufferBytes = size_t{256} << 10;
constexpr uint64_t kProgressEvery = 4096;  // samples

// Gathers small appends into large writes.
class BufferedFile {
 public:
  explicit BufferedFile(std::unique_ptr<ExportFile> file) : file_(std::move(file)) {
    buffer_.reserve(kBufferBytes + 4096);
  }
  std::string& buffer() { return buffer_; }
  Status MaybeFlush() { return buffer_.size() >= kBufferBytes ? Flush() : OkStatus(); }
  Status Close() {
    EASEL_RETURN_IF_ERROR(Flush());
    return file_->Close();
  }

 private:
  Status Flush() {
    Status status = file_->Write(buffer_);
    buffer_.clear();
    return status;
  }
  std::unique_ptr<ExportFile> file_;
  std::string buffer_;
};

// The dataset name made safe as a file name.
std::string FileName(const ExportSource& source, std::string_view extension) {
  std::string name = source.dataset_name.empty() ? "dataset" : source.dataset_name;
  for (char& c : name) {
    if (c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20) c = '_';
  }
  if (name == "." || name == "..") name = "dataset";
  return name + std::string(extension);
}

// Calls `fn` for every sample, checking cancellation and reporting progress.
Status ForEachSample(const ExportSource& source, ExportWriter& out, const std::string& message,
                     const std::function<Status(const Sample&)>& fn) {
  uint64_t done = 0;
  EASEL_RETURN_IF_ERROR(source.for_each([&](const Sample& sample, Split) -> Status {
    if (++done % kProgressEvery == 0) {
      if (out.cancelled()) return Cancelled("export cancelled");
      if (source.num_samples > 0) {
        out.Progress(std::min(1.0, static_cast<double>(done) / source.num_samples), message);
      }
    }
    if (sample.values.size() != source.columns.size()) {
      return FailedPrecondition("sample " + sample.id + " has " +
                                std::to_string(sample.values.size()) + " values for " +
                                std::to_string(source.columns.size()) + " columns");
    }
    return fn(sample);
  }));
  out.Progress(1.0, message);
  return OkStatus();
}

Status ExportCsv(const ExportSource& source, const Json& params, ExportWriter& out) {
  if (IsImageType(source.type)) {
    return InvalidArgument("the csv exporter writes record datasets only");
  }
  const bool labeled = source.type == DatasetType::kTextClassification;
  const std::string name = FileName(source, ".csv");
  EASEL_ASSIGN_OR_RETURN(std::unique_ptr<ExportFile> opened, out.Open(name));
  BufferedFile file(std::move(opened));
  std::string& buf = file.buffer();

  bool first = true;
  for (const std::string& column : source.columns) {
    if (!first) buf += ',';
    AppendCsvField(buf, column, /*header=*/true, first);
    first = false;
  }
  if (labeled) {
    if (!first) buf += ',';
    buf += "label";
  }
  buf += '\n';

  EASEL_RETURN_IF_ERROR(ForEachSample(source, out, "writing " + name, [&](const Sample& sample) {
    for (size_t i = 0; i < sample.values.size(); ++i) {
      if (i > 0) buf += ',';
      if (sample.values[i]) AppendCsvField(buf, *sample.values[i], false, false);
    }
    if (labeled) {
      if (!sample.values.empty()) buf += ',';
      if (!sample.labels.empty()) AppendCsvField(buf, sample.labels[0], false, false);
    }
    buf += '\n';
    return file.MaybeFlush();
  }));
  return file.Close();
}

Status ExportJsonl(const ExportSource& source, const Json& params, ExportWriter& out) {
  if (source.type != DatasetType::kTextClassification || source.columns.empty()) {
    return InvalidArgument("the jsonl exporter writes text classification datasets only");
  }
  const std::string name = FileName(source, ".jsonl");
  EASEL_ASSIGN_OR_RETURN(std::unique_ptr<ExportFile> opened, out.Open(name));
  BufferedFile file(std::move(opened));
  std::string& buf = file.buffer();
  const std::string& text_key = source.columns[0];
  const std::string label_key = "label";

  EASEL_RETURN_IF_ERROR(ForEachSample(source, out, "writing " + name, [&](const Sample& sample) {
    auto field = [&](const std::string& key, const Json& value) {
      buf += buf.back() == '{' ? "" : ",";
      buf += DumpJson(key);
      buf += ':';
      buf += DumpJson(value);
    };
    buf += '{';
    field(text_key, sample.values[0] ? Json(*sample.values[0]) : Json());
    if (!sample.labels.empty()) field(label_key, sample.labels[0]);
    for (size_t i = 1; i < source.columns.size(); ++i) {
      if (source.columns[i] == label_key) continue;
      field(source.columns[i], sample.values[i] ? Json(*sample.values[i]) : Json());
    }
    if (sample.meta.is_object()) {
      for (const auto& [key, value] : sample.meta.items()) {
        if (key == text_key || key == label_key) continue;
        field(key, value);
      }
    }
    buf += "}\n";
    return file.MaybeFlush();
  }));
  return file.Close();
}

}  // namespace

void RegisterTabularExporters(ExporterRegistry& registry) {
  Exporter csv;
  csv.name = "csv";
  csv.description =
      "One CSV file <dataset>.csv with a header line; text classification adds a label column.";
  csv.types = {DatasetType::kTabular, DatasetType::kTextClassification, DatasetType::kTimeSeries};
  csv.importer = "csv";
  csv.run = ExportCsv;

  Exporter jsonl;
  jsonl.name = "jsonl";
  jsonl.description = "One JSON lines file <dataset>.jsonl of {text, label, ...} objects.";
  jsonl.types = {DatasetType::kTextClassification};
  jsonl.importer = "jsonl";
  jsonl.run = ExportJsonl;

  for (Exporter exporter : {csv, jsonl}) {
    Status status = registry.Register(std::move(exporter));
    if (!status.ok()) EASEL_LOG_ERROR("registering an exporter: {}", status.ToString());
  }
}

}  // namespace easel::data
