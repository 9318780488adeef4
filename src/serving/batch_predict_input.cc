#include "serving/batch_predict_input.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <tuple>

#include "data/dataset_type.h"
#include "data/manifest.h"
#include "data/tabular/cells.h"
#include "data/tabular/csv.h"
#include "data/tabular/line_splitter.h"

namespace easel::serving {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

bool Contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::string Quoted(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "'" : ", '") + n + "'";
  return out;
}

// --- dataset versions ---

class DatasetInput final : public InputSource {
 public:
  DatasetInput(data::ManifestReader manifest, std::optional<data::Split> split, bool images,
               std::vector<size_t> value_index, std::vector<size_t> kept_index, std::string name)
      : manifest_(std::move(manifest)),
        split_(split),
        value_index_(std::move(value_index)),
        kept_index_(std::move(kept_index)) {
    images_ = images;
    name_ = std::move(name);
    for (int64_t i = 0; i < manifest_.num_samples(); ++i) {
      if (!split_ || manifest_.split_of(i) == *split_) ++total_;
    }
  }

  Status ForEach(int64_t skip, const std::function<Status(InputRow&)>& fn) const override {
    int64_t index = 0;
    return manifest_.ForEachSample([&](const data::Sample& s, data::Split split) -> Status {
      if (split_ && split != *split_) return OkStatus();
      if (index++ < skip) return OkStatus();
      InputRow row;
      row.id = s.id;
      if (images_) {
        row.file = s.file;
        row.blob = s.blob;
      } else {
        row.cells = CellsAt(s, value_index_);
        row.kept = CellsAt(s, kept_index_);
      }
      return fn(row);
    });
  }

 private:
  // The sample's cells at these indices among the version's columns.
  static RecordCells CellsAt(const data::Sample& s, const std::vector<size_t>& index) {
    RecordCells cells(index.size());
    for (size_t i = 0; i < index.size(); ++i) {
      if (index[i] < s.values.size()) cells[i] = s.values[index[i]];
    }
    return cells;
  }

  data::ManifestReader manifest_;
  std::optional<data::Split> split_;
  std::vector<size_t> value_index_;  // per model input: its index among the version's columns
  std::vector<size_t> kept_index_;   // per kept column: the same
};

// --- uploaded files ---

// Streams an artifact's bytes to `consume` (which may stop the read with an error).
Status ReadArtifact(store::BlobStore& blobs, const store::Artifact& artifact,
                    const std::function<Status(std::string_view)>& consume) {
  if (artifact.size == 0) {
    return InvalidArgument("artifact '" + artifact.name + "' is empty");
  }
  Status status;
  Status read = blobs.Read(artifact.digest, 0, static_cast<uint64_t>(artifact.size),
                           [&](const char* p, size_t n) {
                             status = consume(std::string_view(p, n));
                             return status.ok();
                           });
  EASEL_RETURN_IF_ERROR(status);
  return read;
}

// An uploaded file, read through once to count (and, where it is cheap, check) its rows, then
// again by each ForEach.
class FileInput : public InputSource {
 public:
  // `check_rows`: build every row now, so a bad one fails the job before anything is written
  // (JSON lines: cheap); otherwise only what the scan checks anyway (a CSV header).
  Status Count(bool check_rows) {
    int64_t rows = 0;
    EASEL_RETURN_IF_ERROR(Scan(
        check_rows ? 0 : INT64_MAX, [](InputRow&) { return OkStatus(); }, &rows));
    total_ = rows;
    return OkStatus();
  }

  Status ForEach(int64_t skip, const std::function<Status(InputRow&)>& fn) const override {
    int64_t rows = 0;
    return Scan(skip, fn, &rows);
  }

 protected:
  // Calls `fn` with each row after the first `skip`; `rows` counts every row read.
  virtual Status Scan(int64_t skip, const std::function<Status(InputRow&)>& fn,
                      int64_t* rows) const = 0;
};

class CsvInput final : public FileInput {
 public:
  CsvInput(store::BlobStore& blobs, store::Artifact artifact, InputColumns columns)
      : blobs_(blobs), artifact_(std::move(artifact)), columns_(std::move(columns)) {
    numbered_rows_ = true;
    name_ = artifact_.name;
  }

 private:
  Status Scan(int64_t skip, const std::function<Status(InputRow&)>& fn,
              int64_t* rows) const override {
    data::CsvOptions options;
    options.file_name = artifact_.name;
    data::CsvParser parser(options);
    bool header = false;
    std::vector<size_t> field_of;  // per model input: its field in the records
    std::vector<size_t> kept_of;   // per kept column: the same
    auto on_record = [&](const data::CsvRecord& record) -> Status {
      if (!header) {
        header = true;
        EASEL_ASSIGN_OR_RETURN(std::tie(field_of, kept_of), Header(record));
        return OkStatus();
      }
      const int64_t index = (*rows)++;
      if (index < skip) return OkStatus();
      InputRow row;
      row.id = std::to_string(index);
      row.cells = CellsAt(record, field_of);
      row.kept = CellsAt(record, kept_of);
      return fn(row);
    };
    EASEL_RETURN_IF_ERROR(ReadArtifact(
        blobs_, artifact_, [&](std::string_view chunk) { return parser.Feed(chunk, on_record); }));
    EASEL_RETURN_IF_ERROR(parser.Finish(on_record));
    if (!header)
      return InvalidArgument(artifact_.name + " is empty: a CSV file needs a header line");
    return OkStatus();
  }

  // The record's cells in these fields; unquoted missing markers are missing values.
  static RecordCells CellsAt(const data::CsvRecord& record, const std::vector<size_t>& fields) {
    RecordCells cells(fields.size());
    for (size_t i = 0; i < fields.size(); ++i) {
      const data::CsvField& f = record.fields[fields[i]];
      if (f.quoted || !data::IsMissingMarker(f.text)) cells[i].emplace(f.text);
    }
    return cells;
  }

  // The fields of the model's inputs and of the kept columns.
  Result<std::pair<std::vector<size_t>, std::vector<size_t>>> Header(
      const data::CsvRecord& record) const {
    std::map<std::string, size_t, std::less<>> field;
    std::vector<std::string> unknown;
    for (size_t i = 0; i < record.fields.size(); ++i) {
      const std::string name(record.fields[i].text);
      if (!field.emplace(name, i).second) {
        return InvalidArgument(artifact_.name + ": duplicate column '" + name + "'");
      }
      const bool known = name == columns_.target || Contains(columns_.inputs, name) ||
                         Contains(columns_.keep, name);
      if (!known) unknown.push_back(name);
    }
    std::vector<std::string> missing;
    auto fields_of = [&](const std::vector<std::string>& names) {
      std::vector<size_t> out;
      for (const std::string& c : names) {
        auto it = field.find(c);
        if (it == field.end()) {
          missing.push_back(c);
        } else {
          out.push_back(it->second);
        }
      }
      return out;
    };
    std::vector<size_t> field_of = fields_of(columns_.inputs);
    std::vector<size_t> kept_of = fields_of(columns_.keep);
    if (missing.empty() && unknown.empty()) return std::make_pair(field_of, kept_of);
    std::string what;
    if (!missing.empty()) what = "has no column " + Quoted(missing);
    if (!unknown.empty()) {
      what += std::string(what.empty() ? "has " : " and has ") + "column " + Quoted(unknown) +
              ", which the model does not read (keep_columns copies a column to the output)";
    }
    return InvalidArgument(artifact_.name + " " + what + "; the model reads the columns " +
                           Quoted(columns_.inputs));
  }

  store::BlobStore& blobs_;
  const store::Artifact artifact_;
  const InputColumns columns_;
};

class JsonlInput final : public FileInput {
 public:
  JsonlInput(store::BlobStore& blobs, store::Artifact artifact, InputColumns columns)
      : blobs_(blobs), artifact_(std::move(artifact)), columns_(std::move(columns)) {
    numbered_rows_ = true;
    name_ = artifact_.name;
  }

 private:
  Status Scan(int64_t skip, const std::function<Status(InputRow&)>& fn,
              int64_t* rows) const override {
    data::LineSplitter lines(artifact_.name, [&](std::string_view line, uint64_t number) -> Status {
      if (line.find_first_not_of(" \t") == std::string_view::npos) return OkStatus();
      const int64_t index = (*rows)++;
      if (index < skip) return OkStatus();
      EASEL_ASSIGN_OR_RETURN(InputRow row, Cells(line, number));
      row.id = std::to_string(index);
      return fn(row);
    });
    EASEL_RETURN_IF_ERROR(
        ReadArtifact(blobs_, artifact_, [&](std::string_view chunk) { return lines.Feed(chunk); }));
    return lines.Finish();
  }

  // The line's cells and kept cells (the target left out unless kept), after checking its
  // columns and values.
  Result<InputRow> Cells(std::string_view line, uint64_t number) const {
    auto error = [&](const std::string& what) {
      return InvalidArgument(artifact_.name + " line " + std::to_string(number) + ": " + what);
    };
    Result<Json> parsed = ParseJson(line, 8);
    if (!parsed.ok()) return error("invalid JSON: " + parsed.status().message());
    if (!parsed->is_object()) return error("expected a JSON object {column: value}");
    InputRow row;
    row.cells.resize(columns_.inputs.size());
    row.kept.resize(columns_.keep.size());
    for (auto& [key, value] : parsed->items()) {
      auto input = std::find(columns_.inputs.begin(), columns_.inputs.end(), key);
      auto kept = std::find(columns_.keep.begin(), columns_.keep.end(), key);
      if (input == columns_.inputs.end() && kept == columns_.keep.end()) {
        if (key == columns_.target) continue;
        return error("column '" + key + "', which the model does not read; the model reads " +
                     Quoted(columns_.inputs) + " (keep_columns copies a column to the output)");
      }
      Result<std::optional<std::string>> cell = RowValueCell(value);
      if (!cell.ok()) return error("column '" + key + "': " + cell.status().message());
      if (kept != columns_.keep.end()) row.kept[kept - columns_.keep.begin()] = *cell;
      if (input != columns_.inputs.end()) {
        row.cells[input - columns_.inputs.begin()] = std::move(*cell);
      }
    }
    return row;
  }

  store::BlobStore& blobs_;
  const store::Artifact artifact_;
  const InputColumns columns_;
};

enum class FileFormat { kCsv, kJsonl };

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// By name, then content type, then the first byte that is not blank.
Result<FileFormat> DetectFormat(store::BlobStore& blobs, const store::Artifact& a) {
  const std::string name = Lower(a.name);
  for (const char* ext : {".csv", ".tsv"}) {
    if (name.ends_with(ext)) return FileFormat::kCsv;
  }
  for (const char* ext : {".jsonl", ".ndjson"}) {
    if (name.ends_with(ext)) return FileFormat::kJsonl;
  }
  const std::string type = Lower(a.content_type.substr(0, a.content_type.find(';')));
  if (type == "text/csv" || type == "text/tab-separated-values") return FileFormat::kCsv;
  if (type == "application/x-ndjson" || type == "application/jsonl" ||
      type == "application/x-jsonlines" || type == "application/json-lines") {
    return FileFormat::kJsonl;
  }
  std::optional<char> first;
  bool start = true;
  Status st = ReadArtifact(blobs, a, [&](std::string_view chunk) {
    if (start && chunk.starts_with(kBom)) chunk.remove_prefix(kBom.size());
    start = false;
    const size_t at = chunk.find_first_not_of(" \t\r\n");
    if (at != std::string_view::npos) first = chunk[at];
    // Stops the read once the byte is known (an error nobody sees).
    return first ? Cancelled("") : OkStatus();
  });
  if (!st.ok() && st.code() != StatusCode::kCancelled) return st;
  return first == '{' ? FileFormat::kJsonl : FileFormat::kCsv;
}

}  // namespace

Result<std::unique_ptr<InputSource>> OpenDatasetInput(store::BlobStore& blobs,
                                                      const data::Dataset& dataset,
                                                      const data::DatasetVersion& version,
                                                      std::optional<data::Split> split,
                                                      const InputColumns& columns) {
  const std::string name =
      "dataset '" + dataset.name + "' version " + std::to_string(version.version);
  const bool images = data::IsImageType(dataset.type);
  std::vector<size_t> value_index, kept_index;
  if (!images) {
    const std::vector<std::string> have = version.columns();
    std::vector<std::string> missing;
    auto index_of = [&](const std::vector<std::string>& names) {
      std::vector<size_t> out;
      for (const std::string& c : names) {
        auto it = std::find(have.begin(), have.end(), c);
        if (it == have.end()) {
          missing.push_back(c);
        } else {
          out.push_back(static_cast<size_t>(it - have.begin()));
        }
      }
      return out;
    };
    value_index = index_of(columns.inputs);
    kept_index = index_of(columns.keep);
    if (!missing.empty()) {
      return Status(StatusCode::kInvalidArgument,
                    name + " has no column " + Quoted(missing) + "; the model reads " +
                        Quoted(columns.inputs),
                    Json{{"field", "dataset"}});
    }
  }
  EASEL_ASSIGN_OR_RETURN(data::ManifestReader manifest, data::ManifestReader::Open(blobs, version));
  return std::unique_ptr<InputSource>(std::make_unique<DatasetInput>(
      std::move(manifest), split, images, std::move(value_index), std::move(kept_index), name));
}

Result<std::unique_ptr<InputSource>> OpenFileInput(store::BlobStore& blobs,
                                                   const store::Artifact& artifact,
                                                   const InputColumns& columns) {
  EASEL_ASSIGN_OR_RETURN(FileFormat format, DetectFormat(blobs, artifact));
  if (format == FileFormat::kCsv) {
    auto csv = std::make_unique<CsvInput>(blobs, artifact, columns);
    EASEL_RETURN_IF_ERROR(csv->Count(/*check_rows=*/false));
    return std::unique_ptr<InputSource>(std::move(csv));
  }
  auto jsonl = std::make_unique<JsonlInput>(blobs, artifact, columns);
  EASEL_RETURN_IF_ERROR(jsonl->Count(/*check_rows=*/true));
  return std::unique_ptr<InputSource>(std::move(jsonl));
}

}  // namespace easel::serving
