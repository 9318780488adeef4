#pragma once
// Human output: aligned tables for lists and "Field: value" blocks for single resources.
// Scripts use --json instead; nothing here is meant to be parsed.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/json.h"

namespace easel::cli {

// How a JSON value reads in a cell: strings as-is, null or missing as "-", booleans as
// yes/no, numbers in their shortest form, objects and arrays as compact JSON. Control
// characters (a newline in a description) become spaces.
std::string CellText(const Json& value);

// Cuts `text` to at most `max_width` characters (UTF-8 code points), ending in "..." when cut.
// A max_width of 0 leaves it whole.
std::string Truncate(std::string_view text, size_t max_width);

// Display width of UTF-8 text, counted in code points.
size_t DisplayWidth(std::string_view text);

class Table {
 public:
  struct Column {
    std::string header;    // shown upper-case
    size_t max_width = 0;  // 0: never truncated (ids, names)
  };
  explicit Table(std::vector<Column> columns);

  // A row with one cell per column (missing cells are blank, extra ones ignored).
  void AddRow(std::vector<std::string> cells);
  size_t rows() const { return rows_.size(); }

  // Header line then rows, columns separated by three spaces, no trailing spaces, each line
  // ending in '\n'.
  std::string Render() const;

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

// "Name:         value" lines with the values aligned, for `show` commands. Long values are
// kept whole (a user asked for this one resource).
std::string RenderFields(const std::vector<std::pair<std::string, std::string>>& fields);

// Pretty JSON for --json: two-space indent, keys sorted, one trailing newline.
std::string PrettyJson(const Json& value);

}  // namespace easel::cli
