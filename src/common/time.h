#pragma once
// Wall-clock time as easel stores and shows it: milliseconds since the Unix epoch in the
// database, RFC 3339 UTC strings ("2026-11-23T02:03:00.123Z") in the API.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace easel {

int64_t NowMillis();
std::string FormatRfc3339(int64_t unix_millis);
std::optional<int64_t> ParseRfc3339(std::string_view text);

}  // namespace easel
