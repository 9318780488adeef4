#include "cli/table.h"

#include <algorithm>
#include <cctype>

namespace easel::cli {
namespace {

bool IsContinuationByte(unsigned char c) { return (c & 0xC0) == 0x80; }

std::string Sanitize(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) out.push_back(c < 0x20 || c == 0x7f ? ' ' : static_cast<char>(c));
  return out;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

// Appends spaces so that text of display width `current` fills `width`.
void PadTo(std::string& line, size_t width, size_t current) {
  if (current < width) line.append(width - current, ' ');
}

void AppendLine(std::string& out, std::string line) {
  while (!line.empty() && line.back() == ' ') line.pop_back();
  out += line;
  out += '\n';
}

}  // namespace

size_t DisplayWidth(std::string_view text) {
  size_t n = 0;
  for (unsigned char c : text) n += IsContinuationByte(c) ? 0 : 1;
  return n;
}

std::string Truncate(std::string_view text, size_t max_width) {
  if (max_width == 0 || DisplayWidth(text) <= max_width) return std::string(text);
  size_t keep = max_width > 3 ? max_width - 3 : max_width;
  size_t chars = 0;
  size_t i = 0;
  for (; i < text.size(); ++i) {
    if (!IsContinuationByte(static_cast<unsigned char>(text[i]))) {
      if (chars == keep) break;
      ++chars;
    }
  }
  std::string out(text.substr(0, i));
  if (max_width > 3) out += "...";
  return out;
}

std::string CellText(const Json& value) {
  if (value.is_null()) return "-";
  if (value.is_string()) {
    const auto& s = value.get_ref<const std::string&>();
    return s.empty() ? "-" : Sanitize(s);
  }
  if (value.is_boolean()) return value.get<bool>() ? "yes" : "no";
  return Sanitize(DumpJson(value));
}

Table::Table(std::vector<Column> columns) : columns_(std::move(columns)) {}

void Table::AddRow(std::vector<std::string> cells) {
  cells.resize(columns_.size());
  for (size_t i = 0; i < cells.size(); ++i) {
    cells[i] = Truncate(Sanitize(cells[i]), columns_[i].max_width);
  }
  rows_.push_back(std::move(cells));
}

std::string Table::Render() const {
  std::vector<size_t> widths(columns_.size());
  for (size_t i = 0; i < columns_.size(); ++i) widths[i] = DisplayWidth(columns_[i].header);
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], DisplayWidth(row[i]));
  }
  auto render_line = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) line += "   ";
      line += cells[i];
      if (i + 1 < cells.size()) PadTo(line, widths[i], DisplayWidth(cells[i]));
    }
    return line;
  };
  std::string out;
  std::vector<std::string> headers;
  for (const auto& c : columns_) headers.push_back(Upper(c.header));
  AppendLine(out, render_line(headers));
  for (const auto& row : rows_) AppendLine(out, render_line(row));
  return out;
}

std::string RenderFields(const std::vector<std::pair<std::string, std::string>>& fields) {
  size_t width = 0;
  for (const auto& [name, value] : fields) width = std::max(width, DisplayWidth(name) + 1);
  std::string out;
  for (const auto& [name, value] : fields) {
    std::string line = name + ":";
    PadTo(line, width + 2, DisplayWidth(name) + 1);
    line += Sanitize(value.empty() ? "-" : value);
    AppendLine(out, std::move(line));
  }
  return out;
}

std::string PrettyJson(const Json& value) {
  return value.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace easel::cli
