#pragma once
// Small inline-SVG charts for the evaluation report: line/step/scatter plots, histograms and
// horizontal bar charts, each with axes, "nice" ticks and axis labels.
//
// Every function returns one self-contained <svg> element (no xmlns: it is embedded in HTML5,
// and the report must contain no URL at all) and escapes every caller string it prints, so
// names may be hostile. Pure functions; thread-safe. Non-finite coordinates are skipped.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace easel::eval {

// Escapes & < > " ' for use in HTML text and attribute values.
std::string HtmlEscape(std::string_view text);

// Compact number: integers in full up to 1e15, otherwise 4 significant digits ("0.8123",
// "1.235e+05"); "—" for NaN and "∞"/"−∞" for infinities.
std::string FormatNumber(double value);

// A categorical colour (10-colour palette, cycling) for the i-th series or class.
std::string_view PaletteColor(size_t index);

struct ChartAxis {
  std::string label;
  // When both are set the axis spans exactly [min, max]; otherwise the data range, widened to
  // tick multiples.
  std::optional<double> min;
  std::optional<double> max;
};

struct ChartSpec {
  std::string title;  // the accessible name (<title>), not drawn
  ChartAxis x;
  ChartAxis y;
  int width = 480;  // of the plot with its axes; a legend adds to the right
  int height = 320;
};

struct ChartSeries {
  std::string name;  // shown in the legend when non-empty
  std::vector<std::array<double, 2>> points;
  std::string color;  // CSS colour; empty picks from the palette by series index
  bool line = true;
  bool dashed = false;
  bool step = false;  // horizontal-then-vertical steps, for precision-recall curves
  bool markers = false;
  // Optional hover text per point (drawn on markers only); same length as points or empty.
  std::vector<std::string> tooltips;
};

std::string LineChart(const ChartSpec& spec, const std::vector<ChartSeries>& series);

// Bars over [edges[i], edges[i+1]] of height counts[i]; edges.size() == counts.size() + 1.
std::string HistogramChart(const ChartSpec& spec, std::span<const double> edges,
                           std::span<const int64_t> counts);

// One horizontal bar per (label, value), in the given order, top to bottom. Negative values
// extend left of zero. spec.x labels the value axis; spec.y is unused.
std::string BarChart(const ChartSpec& spec,
                     const std::vector<std::pair<std::string, double>>& bars);

}  // namespace easel::eval
