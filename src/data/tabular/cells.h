#pragma once
// How the cells of record datasets are read. Cells are kept as the exact strings of the source;
// these rules decide which of them are missing, numbers, booleans. Importers, exporters and
// statistics all use them, so the three agree.

#include <optional>
#include <string>
#include <string_view>

namespace easel::data {

// The markers of a missing value when they are an unquoted CSV field: "" and exactly (case
// matters) "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL". A quoted field is always a value,
// so "NA" written in quotes stays the string NA; the CSV exporter quotes values that look like
// markers for that reason.
bool IsMissingMarker(std::string_view text);

// A finite decimal number: optional sign, digits with an optional '.', optional exponent
// ("-1.5", "+2", ".5", "3.", "1e-3"). No spaces, thousands separators, hex, "inf" or "nan".
std::optional<double> ParseNumber(std::string_view text);

// "true"/"yes"/"1" or "false"/"no"/"0", any case.
std::optional<bool> ParseBoolean(std::string_view text);

// Length in Unicode code points of valid UTF-8.
size_t Utf8Length(std::string_view text);

// ASCII lower case, for case-insensitive names ("Timestamp").
std::string AsciiLower(std::string_view text);

}  // namespace easel::data
