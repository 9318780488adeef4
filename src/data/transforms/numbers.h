#pragma once
// How transforms read numbers out of the cells of a record (cells are the source's exact
// strings) and write numbers back as text. Locale-independent on purpose: a pipeline must read
// "2.5" the same way on every server.

#include <optional>
#include <string>
#include <string_view>

namespace easel::data::transforms {

// Parses a cell as a number. Accepted: decimal and scientific notation ("3", "-2.5", "1e-3",
// "+4"), surrounded by optional ASCII spaces, and the booleans "true"/"false" (any case) as
// 1/0. Anything else, including "nan" and "inf", is nullopt: a non-finite value is never a
// valid feature.
std::optional<double> ParseNumber(std::string_view text);

// Text that parses back to exactly `v`: a whole number below 2^53 written whole, as a CSV has
// it ("100000", not the shorter "1e+05", so that a number sent for a categorical column names
// the category training read), anything else the shortest ("2.5", "1e+20", "1e-05").
std::string FormatNumber(double v);

// `value` shortened for an error message (at most 64 bytes, with "..." when cut).
std::string Excerpt(std::string_view value);

}  // namespace easel::data::transforms
