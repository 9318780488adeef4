#include "cli/duration.h"

#include <cctype>

namespace easel::cli {
namespace {

constexpr int64_t kMaxSeconds = 100LL * 365 * 86400;

int64_t UnitSeconds(char unit) {
  switch (unit) {
    case 's':
      return 1;
    case 'm':
      return 60;
    case 'h':
      return 3600;
    case 'd':
      return 86400;
    case 'w':
      return 7 * 86400;
    default:
      return 0;
  }
}

}  // namespace

Result<int64_t> ParseDurationSeconds(std::string_view text) {
  auto invalid = [&] {
    return InvalidArgument("invalid duration '" + std::string(text) +
                           "': use a number with a unit, like 90s, 30m, 12h, 30d or 1h30m");
  };
  if (text.empty()) return invalid();
  int64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return invalid();
    int64_t n = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      n = n * 10 + (text[i] - '0');
      if (n > kMaxSeconds) return invalid();
      ++i;
    }
    int64_t unit = 1;
    if (i < text.size()) {
      unit = UnitSeconds(text[i]);
      if (unit == 0) return invalid();
      ++i;
    } else if (total != 0) {
      return invalid();  // "1h30" is ambiguous
    }
    if (n > kMaxSeconds / unit) return invalid();
    total += n * unit;
    if (total > kMaxSeconds) return invalid();
  }
  if (total == 0) return InvalidArgument("duration '" + std::string(text) + "' must not be zero");
  return total;
}

}  // namespace easel::cli
