// ISO 8601 / RFC 3339 timestamps, parsed by hand: no locale, no std::get_time, no time zone
// database. Accepted (case-insensitive 'T' and 'Z'):
//   YYYY-MM-DD
//   YYYY-MM-DD{T| }hh:mm[:ss[{.|,}fraction]][Z|±hh:mm|±hhmm|±hh]
// Years 0000-9999; hours 00-23, minutes and seconds 00-59 (no leap second, no 24:00); the day
// must exist in that month (leap years by the Gregorian rule). Fractions beyond microseconds
// are truncated. Anything else (surrounding spaces, a bare number, "2024-1-5") is not a
// timestamp, so the type inference of record statistics never mistakes numbers for dates.

#include "data/timestamps.h"

#include <cstdio>

#include "data/tabular/civil_time.h"

namespace easel::data {
namespace {

constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kSecondsPerDay = 86'400;

bool IsLeapYear(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// The inverse of DaysFromCivil.
void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

// Reads exactly `n` digits at `pos` into `out`.
bool Digits(std::string_view s, size_t pos, int n, int* out) {
  if (pos + static_cast<size_t>(n) > s.size()) return false;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    char c = s[pos + static_cast<size_t>(i)];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

// Parses "Z", "±hh:mm", "±hhmm" or "±hh" filling the rest of `s` from `pos`; the offset in
// seconds east of UTC.
std::optional<int> ParseOffset(std::string_view s, size_t pos) {
  if (pos == s.size()) return 0;  // no offset: UTC
  char sign = s[pos];
  if (sign == 'Z' || sign == 'z') return pos + 1 == s.size() ? std::optional<int>(0) : std::nullopt;
  if (sign != '+' && sign != '-') return std::nullopt;
  int hh = 0, mm = 0;
  size_t rest = s.size() - pos - 1;
  if (!Digits(s, pos + 1, 2, &hh)) return std::nullopt;
  if (rest == 5) {
    if (s[pos + 3] != ':' || !Digits(s, pos + 4, 2, &mm)) return std::nullopt;
  } else if (rest == 4) {
    if (!Digits(s, pos + 3, 2, &mm)) return std::nullopt;
  } else if (rest != 2) {
    return std::nullopt;
  }
  if (hh > 23 || mm > 59) return std::nullopt;
  int seconds = (hh * 60 + mm) * 60;
  return sign == '+' ? seconds : -seconds;
}

}  // namespace

int DaysInMonth(int64_t year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

CivilTime ToCivilTime(int64_t micros) {
  constexpr int64_t kMicrosPerDay = kSecondsPerDay * kMicrosPerSecond;
  int64_t days = micros / kMicrosPerDay;
  int64_t rest = micros % kMicrosPerDay;
  if (rest < 0) {  // floor division, so times before 1970 work
    rest += kMicrosPerDay;
    --days;
  }
  CivilTime t;
  unsigned month = 0, day = 0;
  CivilFromDays(days, &t.year, &month, &day);
  t.month = static_cast<int>(month);
  t.day = static_cast<int>(day);
  t.micros_of_day = rest;
  return t;
}

std::optional<int64_t> ParseTimestamp(std::string_view s) {
  int year = 0, month = 0, day = 0;
  if (s.size() < 10 || !Digits(s, 0, 4, &year) || s[4] != '-' || !Digits(s, 5, 2, &month) ||
      s[7] != '-' || !Digits(s, 8, 2, &day)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month)) return std::nullopt;
  int64_t seconds = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) *
                    kSecondsPerDay;
  if (s.size() == 10) return seconds * kMicrosPerSecond;

  // The time part.
  char sep = s[10];
  if (sep != 'T' && sep != 't' && sep != ' ') return std::nullopt;
  int hour = 0, minute = 0, second = 0;
  if (!Digits(s, 11, 2, &hour) || s.size() < 16 || s[13] != ':' || !Digits(s, 14, 2, &minute)) {
    return std::nullopt;
  }
  size_t pos = 16;
  int64_t micros = 0;
  if (pos < s.size() && s[pos] == ':') {
    if (!Digits(s, pos + 1, 2, &second)) return std::nullopt;
    pos += 3;
    if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
      size_t start = ++pos;
      int64_t scale = 100'000;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
        micros += (s[pos] - '0') * scale;
        scale /= 10;  // becomes 0 after the sixth digit: later digits are truncated
        ++pos;
      }
      if (pos == start) return std::nullopt;  // "12:00:00." has no fraction
    }
  }
  if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
  std::optional<int> offset = ParseOffset(s, pos);
  if (!offset) return std::nullopt;
  seconds += hour * 3600 + minute * 60 + second - *offset;
  return seconds * kMicrosPerSecond + micros;
}

std::string FormatTimestamp(int64_t micros) {
  const CivilTime t = ToCivilTime(micros);
  const int64_t seconds = t.micros_of_day / kMicrosPerSecond;
  const int64_t frac = t.micros_of_day % kMicrosPerSecond;
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02d:%02d:%02d",
                        static_cast<long long>(t.year), t.month, t.day,
                        static_cast<int>(seconds / 3600), static_cast<int>(seconds / 60 % 60),
                        static_cast<int>(seconds % 60));
  std::string out(buf, static_cast<size_t>(n));
  if (frac != 0) {
    std::snprintf(buf, sizeof buf, ".%06lld", static_cast<long long>(frac));
    out += buf;
  }
  out += 'Z';
  return out;
}

}  // namespace easel::data
