#pragma once
// Timestamps as they appear in CSV files: RFC 3339 / ISO 8601 date-times ("2024-01-31",
// "2024-01-31 12:00", "2024-01-31T12:00:00.5Z", "...+02:00") and Unix epoch seconds when asked.
// Implemented in tabular/timestamps.cc.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace easel::data {

// Microseconds since the Unix epoch (UTC; a value without offset is taken as UTC), or nullopt
// when `text` is not an ISO 8601 date or date-time.
std::optional<int64_t> ParseTimestamp(std::string_view text);
// RFC 3339 UTC with microseconds when nonzero: "2024-01-31T12:00:00Z".
std::string FormatTimestamp(int64_t micros);

}  // namespace easel::data
