#pragma once
// JSON for easel: nlohmann::json, parsed with a nesting limit, and typed field access whose
// errors name the offending field (they become 400 responses verbatim).

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace easel {

using Json = nlohmann::json;

inline constexpr int kDefaultMaxJsonDepth = 64;

// Parses text as JSON. Malformed text or nesting deeper than max_depth → INVALID_ARGUMENT with
// the byte offset of the problem. Never throws.
Result<Json> ParseJson(std::string_view text, int max_depth = kDefaultMaxJsonDepth);

// Requires `value` to be a JSON object; `what` names it in the error ("request body").
Status RequireObject(const Json& value, std::string_view what);

// Field access on an object. A missing required field, or a field of the wrong type, answers
// INVALID_ARGUMENT naming the field. Optional getters answer nullopt when the field is absent or
// null.
Result<std::string> GetString(const Json& obj, std::string_view field);
Result<std::optional<std::string>> GetOptionalString(const Json& obj, std::string_view field);
Result<std::optional<int64_t>> GetOptionalInt(const Json& obj, std::string_view field, int64_t min,
                                              int64_t max);
Result<std::optional<double>> GetOptionalNumber(const Json& obj, std::string_view field);
Result<std::optional<bool>> GetOptionalBool(const Json& obj, std::string_view field);

// Serializes without throwing: invalid UTF-8 is replaced with U+FFFD.
std::string DumpJson(const Json& value);

// Appends `text` as a JSON string: quoted, with '"', '\\' and control characters escaped.
// `text` must be valid UTF-8 (DumpJson replaces what is not).
void AppendJsonString(std::string& out, std::string_view text);

}  // namespace easel
