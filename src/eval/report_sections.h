#pragma once
// The report's sections, shared by report.cc (document, tables) and report_charts.cc
// (charts). Internal to eval: RenderReport is the interface.
//
// Each renderer takes the already type-checked part of the input and answers the complete
// <section> element, or "" when there is nothing to show. Missing or mistyped fields inside a
// part render as "—" rather than failing: a report with a hole beats no report.

#include <string>
#include <string_view>

#include "common/json.h"

namespace easel::eval::report {

// <section id="id"><h2>title</h2>body</section>
std::string Section(std::string_view id, std::string_view title, const std::string& body);

// The number at obj[key], or NaN when absent or not a number (FormatNumber shows "—").
double NumberAt(const Json& obj, std::string_view key);
// Any scalar as display text (strings verbatim, numbers compact, null as "—"); other JSON
// compact. Not escaped.
std::string DisplayText(const Json& value);
// The string at obj[key] as display text, or "" when absent.
std::string TextAt(const Json& obj, std::string_view key);

std::string RocSection(const Json& evaluation);
std::string PrSection(const Json& evaluation);
std::string CalibrationSection(const Json& evaluation);
std::string ResidualsSection(const Json& evaluation);
std::string TrainingSection(const Json& training);
// title/id: "importance" or "shap"; value_key names the number in each entry.
std::string FeatureBarsSection(std::string_view id, std::string_view title, const Json& entries,
                               std::string_view value_key, std::string_view axis_label);

}  // namespace easel::eval::report
