#include "data/transforms/numbers.h"

#include <charconv>
#include <cmath>
#include <cstdint>

namespace easel::data::transforms {

namespace {
bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != b[i]) return false;
  }
  return true;
}
}  // namespace

std::optional<double> ParseNumber(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  if (text.empty()) return std::nullopt;
  if (EqualsIgnoringCase(text, "true")) return 1.0;
  if (EqualsIgnoringCase(text, "false")) return 0.0;
  // from_chars refuses a leading '+'; accept it, but not "+-1" or "++1".
  if (text.front() == '+') {
    text.remove_prefix(1);
    if (text.empty() || text.front() == '-' || text.front() == '+') return std::nullopt;
  }
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) {
    return std::nullopt;
  }
  return v;
}

std::string FormatNumber(double v) {
  char buf[32];
  // Every whole double below 2^53 is an exact int64; zero keeps its sign through to_chars.
  if (v != 0 && std::fabs(v) < 0x1p53 && std::trunc(v) == v) {
    auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), static_cast<int64_t>(v));
    return std::string(buf, end);
  }
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, end);
}

std::string Excerpt(std::string_view value) {
  constexpr size_t kMax = 64;
  if (value.size() <= kMax) return std::string(value);
  return std::string(value.substr(0, kMax - 3)) + "...";
}

}  // namespace easel::data::transforms
