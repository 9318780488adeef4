// The `csv` importer: one CSV file (csv.h parses it) to record samples, mapping the header to
// columns per dataset type (importers.h).

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "data/tabular/cells.h"
#include "data/tabular/csv.h"
#include "data/tabular/importers.h"
#include "data/tabular/source_reading.h"
#include "data/timestamps.h"

namespace easel::data {
namespace {

// More columns than this is refused: statistics keep state per column.
constexpr size_t kMaxColumns = 10'000;

// Appends the cell of `field` to `values`: nullopt for a missing-value marker (cells.h).
void AppendCell(std::vector<std::optional<std::string>>& values, const CsvField& field) {
  if (!field.quoted && IsMissingMarker(field.text)) {
    values.emplace_back();
  } else {
    values.emplace_back(std::in_place, field.text);
  }
}

Result<char> ParseDelimiter(const Json& params) {
  EASEL_ASSIGN_OR_RETURN(std::string d, StringParam(params, "delimiter", ""));
  if (d.empty()) return '\0';
  if (d == "tab" || d == "\\t") return '\t';
  if (d.size() != 1 || d[0] == '"' || d[0] == '\r' || d[0] == '\n') {
    return InvalidArgument(
        "params.delimiter must be one character other than a quote or a line "
        "end (\",\", \";\", \"tab\", \"|\"...)");
  }
  return d[0];
}

// Turns records into samples: the header decides the columns, every later record is a row.
class RowMapper {
 public:
  RowMapper(DatasetType type, std::string path, std::string text_column,
            std::optional<std::string> label_column, ImportSink& sink)
      : type_(type),
        path_(std::move(path)),
        text_column_(std::move(text_column)),
        label_column_(std::move(label_column)),
        sink_(sink) {}

  bool saw_header() const { return saw_header_; }

  Status Record(const CsvRecord& record) {
    if (!saw_header_) {
      saw_header_ = true;
      return Header(record);
    }
    return Row(record);
  }

 private:
  Status LineError(uint64_t line, const std::string& what) const {
    return InvalidArgument(path_ + " line " + std::to_string(line) + ": " + what);
  }

  Status Header(const CsvRecord& record) {
    if (record.fields.size() > kMaxColumns) {
      return LineError(record.line, "more than " + std::to_string(kMaxColumns) + " columns");
    }
    std::vector<std::string> names;
    std::unordered_map<std::string_view, size_t> seen;
    for (const CsvField& f : record.fields) {
      names.emplace_back(f.text);
      const size_t column = names.size();
      if (f.text.empty()) {
        return LineError(record.line, "column " + std::to_string(column) + " has no name");
      }
      auto [it, inserted] = seen.emplace(f.text, column);
      if (!inserted) {
        return LineError(record.line, "duplicate column name '" + names.back() + "' (columns " +
                                          std::to_string(it->second) + " and " +
                                          std::to_string(column) + ")");
      }
    }
    Result<std::vector<std::string>> columns = std::move(names);
    if (type_ == DatasetType::kTextClassification) {
      columns = TextClassificationColumns(record.line, std::move(*columns), seen);
    } else if (type_ == DatasetType::kTimeSeries) {
      columns = TimeSeriesColumns(record.line, std::move(*columns));
    }
    if (!columns.ok()) return columns.status();
    return sink_.SetColumns(std::move(*columns));
  }

  // The text column first, then the others but the label; decides order_ and label_index_.
  Result<std::vector<std::string>> TextClassificationColumns(
      uint64_t line, std::vector<std::string> names,
      const std::unordered_map<std::string_view, size_t>& seen) {
    auto find = [&](std::string_view name) -> std::optional<size_t> {
      auto it = seen.find(name);
      return it == seen.end() ? std::nullopt : std::optional<size_t>(it->second - 1);
    };
    if (label_column_) {
      label_index_ = find(*label_column_);
      if (!label_index_) return LineError(line, "no label column '" + *label_column_ + "'");
    } else {
      label_index_ = find("label");
    }
    std::optional<size_t> text = text_column_.empty() ? find("text") : find(text_column_);
    if (!text_column_.empty() && !text) {
      return LineError(line, "no text column '" + text_column_ + "'");
    }
    for (size_t i = 0; !text && i < names.size(); ++i) {
      if (i != label_index_) text = i;
    }
    if (!text || text == label_index_) return LineError(line, "no text column besides the label");
    order_.push_back(*text);
    for (size_t i = 0; i < names.size(); ++i) {
      if (i != *text && i != label_index_) order_.push_back(i);
    }
    std::vector<std::string> columns;
    for (size_t i : order_) columns.push_back(std::move(names[i]));
    return columns;
  }

  // timestamp, value[, series_id], covariates: the first names checked and made lower case.
  Result<std::vector<std::string>> TimeSeriesColumns(uint64_t line,
                                                     std::vector<std::string> names) const {
    if (names.size() < 2 || AsciiLower(names[0]) != "timestamp" ||
        AsciiLower(names[1]) != "value") {
      return LineError(line,
                       "a time series CSV starts with the columns timestamp,value[,series_id] "
                       "(then covariates)");
    }
    names[0] = "timestamp";
    names[1] = "value";
    if (names.size() > 2 && AsciiLower(names[2]) == "series_id") names[2] = "series_id";
    return names;
  }

  Status Row(const CsvRecord& record) {
    Sample sample;
    const auto& fields = record.fields;
    if (type_ == DatasetType::kTextClassification) {
      sample.values.reserve(order_.size());
      for (size_t i : order_) AppendCell(sample.values, fields[i]);
      if (!sample.values[0]) {
        sink_.Reject(path_ + ":" + std::to_string(record.line), "missing text");
        return OkStatus();
      }
      if (label_index_) {
        // A missing or empty label leaves the row unlabeled.
        const CsvField& label = fields[*label_index_];
        if (!label.text.empty() && (label.quoted || !IsMissingMarker(label.text))) {
          sample.labels.emplace_back(label.text);
        }
      }
    } else {
      sample.values.reserve(fields.size());
      for (const CsvField& f : fields) AppendCell(sample.values, f);
      if (type_ == DatasetType::kTimeSeries) EASEL_RETURN_IF_ERROR(CheckTimePoint(record, sample));
    }
    return sink_.Add(std::move(sample));
  }

  Status CheckTimePoint(const CsvRecord& record, const Sample& sample) const {
    const std::optional<std::string>& timestamp = sample.values[0];
    if (!timestamp) return LineError(record.line, "missing timestamp");
    if (!ParseTimestamp(*timestamp)) {
      return LineError(record.line,
                       "timestamp '" + *timestamp + "' is not an ISO 8601 date or date-time");
    }
    const std::optional<std::string>& value = sample.values[1];
    if (value && !ParseNumber(*value)) {
      return LineError(record.line, "value '" + *value + "' is not a number");
    }
    return OkStatus();
  }

  const DatasetType type_;
  const std::string path_;
  const std::string text_column_;                  // "" for the default
  const std::optional<std::string> label_column_;  // nullopt for the default
  ImportSink& sink_;
  bool saw_header_ = false;
  // Text classification: which fields make the values (the text first), and the label's.
  std::vector<size_t> order_;
  std::optional<size_t> label_index_;
};

}  // namespace

Status ImportCsv(const SourceFiles& files, DatasetType type, const Json& params, ImportSink& sink) {
  if (IsImageType(type)) {
    return InvalidArgument(
        "the csv format imports tabular, text classification and time series "
        "datasets, not " +
        std::string(ToString(type)));
  }
  EASEL_RETURN_IF_ERROR(
      CheckParams(params, "csv", {"delimiter", "file", "text_column", "label_column"}));
  EASEL_ASSIGN_OR_RETURN(char delimiter, ParseDelimiter(params));
  EASEL_ASSIGN_OR_RETURN(std::string text_column, StringParam(params, "text_column", ""));
  EASEL_ASSIGN_OR_RETURN(std::string label_column, StringParam(params, "label_column", ""));
  if (type != DatasetType::kTextClassification && (!text_column.empty() || !label_column.empty())) {
    return InvalidArgument("text_column and label_column apply to text classification datasets");
  }
  EASEL_ASSIGN_OR_RETURN(const SourceFile* file,
                         SelectFile(files, params, {".csv", ".tsv"}, "CSV"));

  CsvOptions options;
  options.file_name = file->path;
  options.delimiter = delimiter;
  CsvParser parser(options);
  RowMapper rows(type, file->path, std::move(text_column),
                 label_column.empty() ? std::nullopt : std::optional<std::string>(label_column),
                 sink);
  auto on_record = [&](const CsvRecord& record) { return rows.Record(record); };
  EASEL_RETURN_IF_ERROR(ReadWithProgress(
      files, *file, sink, [&](std::string_view chunk) { return parser.Feed(chunk, on_record); }));
  EASEL_RETURN_IF_ERROR(parser.Finish(on_record));
  if (!rows.saw_header()) {
    return InvalidArgument(file->path + " is empty: a CSV file needs a header line");
  }
  return OkStatus();
}

}  // namespace easel::data
