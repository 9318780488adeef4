#include "data/tabular/cells.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace easel::data {

bool IsMissingMarker(std::string_view text) {
  // By length first: this runs for every cell of an import.
  switch (text.size()) {
    case 0:
      return true;
    case 2:
      return text == "NA";
    case 3:
      return text == "N/A" || text == "n/a" || text == "NaN" || text == "nan";
    case 4:
      return text == "null" || text == "NULL";
    default:
      return false;
  }
}

std::optional<double> ParseNumber(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (text[0] == '+') {  // from_chars takes '-' only
    text.remove_prefix(1);
    if (!text.empty() && text[0] == '-') return std::nullopt;
  }
  // from_chars also takes "inf", "nan" and "infinity": require a digit or '.' after the sign
  // and no letters but the exponent's.
  size_t start = !text.empty() && text[0] == '-' ? 1 : 0;
  if (start >= text.size()) return std::nullopt;
  char first = text[start];
  if (!(first >= '0' && first <= '9') && first != '.') return std::nullopt;
  for (char c : text) {
    if ((c >= 'a' && c <= 'z' && c != 'e') || (c >= 'A' && c <= 'Z' && c != 'E')) {
      return std::nullopt;
    }
  }
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (end != text.data() + text.size()) return std::nullopt;
  if (ec == std::errc::result_out_of_range) {
    // Overflow is not a finite number; underflow ("1e-400") is a tiny one.
    value = std::strtod(std::string(text).c_str(), nullptr);
  } else if (ec != std::errc()) {
    return std::nullopt;
  }
  if (!std::isfinite(value)) return std::nullopt;
  return value;
}

std::optional<bool> ParseBoolean(std::string_view text) {
  auto is = [&](std::string_view word) {  // ASCII case-insensitive; `word` is lower case
    if (text.size() != word.size()) return false;
    for (size_t i = 0; i < word.size(); ++i) {
      char c = text[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != word[i]) return false;
    }
    return true;
  };
  if (is("true") || is("yes") || is("1")) return true;
  if (is("false") || is("no") || is("0")) return false;
  return std::nullopt;
}

size_t Utf8Length(std::string_view text) {
  size_t n = 0;
  for (char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

std::string AsciiLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace easel::data
