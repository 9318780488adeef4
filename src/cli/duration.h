#pragma once
// Durations as users type them: "30d", "12h", "1h30m", "90s", "2w", or plain seconds ("3600").

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace easel::cli {

// Seconds in `text`: one or more <integer><unit> parts (units s, m, h, d, w), or a bare integer
// meaning seconds. INVALID_ARGUMENT naming the text for anything else, a zero duration, or one
// past 100 years.
Result<int64_t> ParseDurationSeconds(std::string_view text);

}  // namespace easel::cli
