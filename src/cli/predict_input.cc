#include "cli/predict_input.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <set>

namespace easel::cli {
namespace {

constexpr std::string_view kJsonType = "application/json";
constexpr std::string_view kBinaryType = "application/octet-stream";

struct CsvRecord {
  std::vector<std::string> cells;
  size_t line = 0;  // where the record starts, from 1
};

Result<std::vector<CsvRecord>> ParseCsv(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<CsvRecord> records;
  CsvRecord record{{}, 1};
  std::string cell;
  size_t line = 1;
  bool in_quotes = false;
  bool cell_quoted = false;
  bool record_empty = true;  // nothing but the line break: a blank line
  auto end_cell = [&] {
    record.cells.push_back(std::move(cell));
    cell.clear();
    cell_quoted = false;
  };
  auto end_record = [&] {
    end_cell();
    if (!record_empty) records.push_back(std::move(record));
    record = CsvRecord{{}, line};
    record_empty = true;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_quotes) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        in_quotes = false;
      } else {
        if (c == '\n') ++line;
        cell += c;
      }
      continue;
    }
    if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      ++line;
      end_record();
      continue;
    }
    record_empty = false;
    if (c == ',') {
      end_cell();
    } else if (c == '"' && cell.empty() && !cell_quoted) {
      in_quotes = true;
      cell_quoted = true;
    } else {
      cell += c;  // a quote inside an unquoted cell is kept as text
    }
  }
  if (in_quotes) {
    return InvalidArgument("line " + std::to_string(record.line) +
                           ": a quoted cell is never closed");
  }
  if (!record_empty) end_record();
  return records;
}

// A CSV cell as a JSON value: null when empty, a number when it reads as one, else the text.
Json CellValue(const std::string& cell) {
  if (cell.empty()) return nullptr;
  size_t begin = cell.find_first_not_of(" \t");
  size_t end = cell.find_last_not_of(" \t");
  if (begin == std::string::npos) return cell;
  std::string_view trimmed = std::string_view(cell).substr(begin, end - begin + 1);
  if (trimmed[0] == '-' || std::isdigit(static_cast<unsigned char>(trimmed[0]))) {
    Result<Json> number = ParseJson(trimmed);
    if (number.ok() && number->is_number() &&
        (!number->is_number_float() || std::isfinite(number->get<double>()))) {
      return *std::move(number);
    }
  }
  return cell;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

void AppendLittleEndian32(std::string& out, uint32_t n) {
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<char>((n >> shift) & 0xff));
}

}  // namespace

Result<Json> RowsFromCsv(std::string_view text) {
  EASEL_ASSIGN_OR_RETURN(std::vector<CsvRecord> records, ParseCsv(text));
  if (records.empty()) return InvalidArgument("no header line: the file is empty");
  const std::vector<std::string>& header = records[0].cells;
  std::set<std::string> seen;
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i].empty()) {
      return InvalidArgument("line " + std::to_string(records[0].line) + ": column " +
                             std::to_string(i + 1) + " has no name");
    }
    if (!seen.insert(header[i]).second) {
      return InvalidArgument("line " + std::to_string(records[0].line) + ": column '" + header[i] +
                             "' appears twice");
    }
  }
  if (records.size() == 1) return InvalidArgument("no rows under the header line");
  Json rows = Json::array();
  for (size_t r = 1; r < records.size(); ++r) {
    const CsvRecord& record = records[r];
    if (record.cells.size() != header.size()) {
      return InvalidArgument("line " + std::to_string(record.line) + " has " +
                             std::to_string(record.cells.size()) + " cells; the header has " +
                             std::to_string(header.size()));
    }
    Json row = Json::object();
    for (size_t i = 0; i < header.size(); ++i) row[header[i]] = CellValue(record.cells[i]);
    rows.push_back(std::move(row));
  }
  return rows;
}

Json RowsRequest(const Json& rows) {
  Json data = Json::array();
  for (const Json& row : rows) data.push_back(DumpJson(row));
  return {{"inputs", Json::array({{{"name", "rows"},
                                   {"datatype", "BYTES"},
                                   {"shape", Json::array({data.size()})},
                                   {"data", std::move(data)}}})}};
}

Result<Json> RequestFromJson(const Json& document) {
  if (document.is_object()) {
    if (document.contains("inputs")) return document;
    return RowsRequest(Json::array({document}));
  }
  if (!document.is_array()) {
    return InvalidArgument(
        "expected an infer request {\"inputs\": [...]}, a row object or an array of rows");
  }
  if (document.empty()) return InvalidArgument("no rows");
  for (size_t i = 0; i < document.size(); ++i) {
    if (!document[i].is_object()) {
      return InvalidArgument("element " + std::to_string(i) +
                             " is not an object: rows are {\"column\": value, ...}");
    }
  }
  return RowsRequest(document);
}

Result<InferBody> BinaryBytesRequest(std::string_view name,
                                     const std::vector<std::string_view>& elements) {
  std::string binary;
  for (std::string_view e : elements) {
    if (e.size() > UINT32_MAX) return InvalidArgument("an element is 4 GiB or larger");
    AppendLittleEndian32(binary, static_cast<uint32_t>(e.size()));
    binary.append(e);
  }
  Json header = {
      {"inputs", Json::array({{{"name", std::string(name)},
                               {"datatype", "BYTES"},
                               {"shape", Json::array({elements.size()})},
                               {"parameters", {{"binary_data_size", binary.size()}}}}})}};
  InferBody out;
  out.body = DumpJson(header);
  out.header_length = out.body.size();
  out.body += binary;
  out.content_type = kBinaryType;
  return out;
}

Result<InferBody> InferBodyFor(std::string_view file_name, std::string_view contents) {
  const std::string ext = Lower(std::filesystem::path(file_name).extension().string());
  if (ext == ".json") {
    Result<Json> document = ParseJson(contents);
    if (!document.ok()) {
      return InvalidArgument("not valid JSON: " + document.status().message());
    }
    EASEL_ASSIGN_OR_RETURN(Json request, RequestFromJson(*document));
    return InferBody{DumpJson(request), std::string(kJsonType), std::nullopt};
  }
  if (ext == ".csv") {
    EASEL_ASSIGN_OR_RETURN(Json rows, RowsFromCsv(contents));
    return InferBody{DumpJson(RowsRequest(rows)), std::string(kJsonType), std::nullopt};
  }
  if (ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".bmp" || ext == ".webp") {
    if (contents.empty()) return InvalidArgument("the file is empty");
    return BinaryBytesRequest("image", {contents});
  }
  return InvalidArgument(
      "unknown file type: use .json (an infer request or rows), "
      ".csv (rows) or an image (.jpg, .jpeg, .png, .bmp, .webp)");
}

}  // namespace easel::cli
