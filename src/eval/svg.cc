#include "eval/svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace easel::eval {

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string FormatNumber(double value) {
  if (std::isnan(value)) return "—";
  if (std::isinf(value)) return value > 0 ? "∞" : "−∞";
  if (value == 0) return "0";  // also folds -0
  char buf[32];
  if (value == std::trunc(value) && std::abs(value) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", value);
  } else {
    std::snprintf(buf, sizeof buf, "%.4g", value);
  }
  return buf;
}

std::string_view PaletteColor(size_t index) {
  // Tableau 10: distinguishable, and readable on white.
  static constexpr std::string_view kPalette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2",
                                                  "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
                                                  "#9c755f", "#bab0ac"};
  return kPalette[index % 10];
}

namespace {

constexpr double kMarginLeft = 62, kMarginRight = 18, kMarginTop = 12, kMarginBottom = 46;
constexpr double kLegendWidth = 190;
constexpr size_t kMaxLabelChars = 30;

std::string Px(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// Shortens a label to max_chars code points (UTF-8 aware), marking the cut with "…".
std::string Truncate(std::string_view text, size_t max_chars) {
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (chars++ == max_chars) return std::string(text.substr(0, i)) + "…";
  }
  return std::string(text);
}

struct Range {
  double min = 0, max = 1, step = 0.2;
};

double NiceStep(double span) {
  const double raw = span / 5;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / magnitude;
  const double nice = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
  return nice * magnitude;
}

Range MakeRange(double lo, double hi, const ChartAxis& axis) {
  if (axis.min) lo = *axis.min;
  if (axis.max) hi = *axis.max;
  if (!std::isfinite(lo) || !std::isfinite(hi) || lo > hi) lo = 0, hi = 1;
  if (lo == hi) {
    const double pad = lo == 0 ? 1 : std::abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  Range r;
  r.step = NiceStep(hi - lo);
  r.min = axis.min ? lo : std::floor(lo / r.step) * r.step;
  r.max = axis.max ? hi : std::ceil(hi / r.step) * r.step;
  return r;
}

std::vector<double> Ticks(const Range& r) {
  std::vector<double> ticks;
  const double slack = r.step * 1e-9;
  for (double k = std::ceil((r.min - slack) / r.step); k * r.step <= r.max + slack; ++k) {
    ticks.push_back(std::abs(k) < 1e-9 ? 0.0 : k * r.step);
  }
  return ticks;
}

// The drawing area and the data→pixel mapping of one chart.
struct Frame {
  double width = 0, height = 0;  // whole svg
  double left = kMarginLeft, top = kMarginTop, plot_w = 0, plot_h = 0;
  Range x, y;
  double X(double v) const {
    return left + std::clamp((v - x.min) / (x.max - x.min), 0.0, 1.0) * plot_w;
  }
  double Y(double v) const {
    return top + plot_h - std::clamp((v - y.min) / (y.max - y.min), 0.0, 1.0) * plot_h;
  }
};

Frame MakeFrame(const ChartSpec& spec, Range x, Range y, double extra_width, double left) {
  Frame f;
  f.left = left;
  f.plot_w = std::max(80.0, spec.width - left - kMarginRight);
  f.plot_h = std::max(60.0, spec.height - kMarginTop - kMarginBottom);
  f.width = left + f.plot_w + kMarginRight + extra_width;
  f.height = kMarginTop + f.plot_h + kMarginBottom;
  f.x = x;
  f.y = y;
  return f;
}

std::string OpenSvg(const Frame& f, const std::string& title) {
  return "<svg class=\"chart\" viewBox=\"0 0 " + Px(f.width) + " " + Px(f.height) + "\" width=\"" +
         Px(f.width) + "\" height=\"" + Px(f.height) +
         "\" role=\"img\" font-family=\"system-ui,sans-serif\" font-size=\"11\"><title>" +
         HtmlEscape(title) + "</title>";
}

// Grid, axis lines, tick labels and axis titles. y ticks are left out for categorical axes.
std::string Axes(const Frame& f, const ChartSpec& spec, bool y_ticks) {
  std::string s;
  const double bottom = f.top + f.plot_h, right = f.left + f.plot_w;
  for (double t : Ticks(f.x)) {
    const std::string x = Px(f.X(t));
    s += "<line x1=\"" + x + "\" y1=\"" + Px(f.top) + "\" x2=\"" + x + "\" y2=\"" + Px(bottom) +
         "\" stroke=\"#eee\"/>";
    s += "<line x1=\"" + x + "\" y1=\"" + Px(bottom) + "\" x2=\"" + x + "\" y2=\"" +
         Px(bottom + 4) + "\" stroke=\"#888\"/>";
    s += "<text x=\"" + x + "\" y=\"" + Px(bottom + 16) +
         "\" text-anchor=\"middle\" fill=\"#555\">" + FormatNumber(t) + "</text>";
  }
  if (y_ticks) {
    for (double t : Ticks(f.y)) {
      const std::string y = Px(f.Y(t));
      s += "<line x1=\"" + Px(f.left) + "\" y1=\"" + y + "\" x2=\"" + Px(right) + "\" y2=\"" + y +
           "\" stroke=\"#eee\"/>";
      s += "<line x1=\"" + Px(f.left - 4) + "\" y1=\"" + y + "\" x2=\"" + Px(f.left) + "\" y2=\"" +
           y + "\" stroke=\"#888\"/>";
      s += "<text x=\"" + Px(f.left - 7) + "\" y=\"" + Px(f.Y(t) + 4) +
           "\" text-anchor=\"end\" fill=\"#555\">" + FormatNumber(t) + "</text>";
    }
  }
  s += "<polyline points=\"" + Px(f.left) + "," + Px(f.top) + " " + Px(f.left) + "," + Px(bottom) +
       " " + Px(right) + "," + Px(bottom) + "\" fill=\"none\" stroke=\"#888\"/>";
  s += "<text x=\"" + Px(f.left + f.plot_w / 2) + "\" y=\"" + Px(f.height - 8) +
       "\" text-anchor=\"middle\" fill=\"#333\">" + HtmlEscape(spec.x.label) + "</text>";
  if (y_ticks) {
    const std::string cx = Px(14), cy = Px(f.top + f.plot_h / 2);
    s += "<text x=\"" + cx + "\" y=\"" + cy + "\" transform=\"rotate(-90 " + cx + " " + cy +
         ")\" text-anchor=\"middle\" fill=\"#333\">" + HtmlEscape(spec.y.label) + "</text>";
  }
  return s;
}

std::string SeriesPath(const Frame& f, const ChartSeries& s) {
  std::string d;
  bool pen_down = false;
  for (const auto& p : s.points) {
    if (!std::isfinite(p[0]) || !std::isfinite(p[1])) {
      pen_down = false;
      continue;
    }
    // Appends piecewise: cheaper than temporaries, and GCC 12's -Wrestrict misfires on
    // "literal" + std::string here.
    if (!pen_down) {
      d.append("M").append(Px(f.X(p[0]))).append(" ").append(Px(f.Y(p[1])));
      pen_down = true;
    } else if (s.step) {
      d.append("V").append(Px(f.Y(p[1]))).append("H").append(Px(f.X(p[0])));
    } else {
      d.append("L").append(Px(f.X(p[0]))).append(" ").append(Px(f.Y(p[1])));
    }
  }
  return d;
}

std::string Legend(const Frame& f, const std::vector<ChartSeries>& series,
                   const std::vector<std::string>& colors) {
  std::string s;
  double y = f.top + 10;
  const double x = f.left + f.plot_w + kMarginRight + 4;
  for (size_t i = 0; i < series.size(); ++i) {
    if (series[i].name.empty()) continue;
    const std::string dash = series[i].dashed ? "\" stroke-dasharray=\"4 3" : "";
    if (series[i].line) {
      s += "<line x1=\"" + Px(x) + "\" y1=\"" + Px(y - 4) + "\" x2=\"" + Px(x + 18) + "\" y2=\"" +
           Px(y - 4) + "\" stroke=\"" + colors[i] + dash + "\" stroke-width=\"2\"/>";
    } else {
      s += "<circle cx=\"" + Px(x + 9) + "\" cy=\"" + Px(y - 4) + "\" r=\"3.5\" fill=\"" +
           colors[i] + "\"/>";
    }
    s += "<text x=\"" + Px(x + 24) + "\" y=\"" + Px(y) + "\" fill=\"#333\">" +
         HtmlEscape(Truncate(series[i].name, kMaxLabelChars)) + "</text>";
    y += 18;
  }
  return s;
}

}  // namespace

std::string LineChart(const ChartSpec& spec, const std::vector<ChartSeries>& series) {
  double xlo = std::numeric_limits<double>::infinity(), xhi = -xlo, ylo = xlo, yhi = -xlo;
  bool named = false;
  for (const auto& s : series) {
    named = named || !s.name.empty();
    for (const auto& p : s.points) {
      if (!std::isfinite(p[0]) || !std::isfinite(p[1])) continue;
      xlo = std::min(xlo, p[0]), xhi = std::max(xhi, p[0]);
      ylo = std::min(ylo, p[1]), yhi = std::max(yhi, p[1]);
    }
  }
  const Frame f = MakeFrame(spec, MakeRange(xlo, xhi, spec.x), MakeRange(ylo, yhi, spec.y),
                            named ? kLegendWidth : 0, kMarginLeft);
  std::vector<std::string> colors;
  for (size_t i = 0; i < series.size(); ++i) {
    colors.push_back(series[i].color.empty() ? std::string(PaletteColor(i))
                                             : HtmlEscape(series[i].color));
  }
  std::string svg = OpenSvg(f, spec.title) + Axes(f, spec, true);
  for (size_t i = 0; i < series.size(); ++i) {
    const ChartSeries& s = series[i];
    if (s.line) {
      svg += "<path d=\"" + SeriesPath(f, s) + "\" fill=\"none\" stroke=\"" + colors[i] +
             "\" stroke-width=\"" + (s.dashed ? "1.2\" stroke-dasharray=\"4 3" : "2") +
             "\" stroke-linejoin=\"round\"/>";
    }
    if (!s.markers) continue;
    for (size_t j = 0; j < s.points.size(); ++j) {
      const auto& p = s.points[j];
      if (!std::isfinite(p[0]) || !std::isfinite(p[1])) continue;
      svg += "<circle cx=\"" + Px(f.X(p[0])) + "\" cy=\"" + Px(f.Y(p[1])) + "\" r=\"" +
             (s.line ? "3.5" : "2.5") + "\" fill=\"" + colors[i] + "\" fill-opacity=\"" +
             (s.line ? "1" : "0.55") + "\">";
      if (j < s.tooltips.size()) svg += "<title>" + HtmlEscape(s.tooltips[j]) + "</title>";
      svg += "</circle>";
    }
  }
  if (named) svg += Legend(f, series, colors);
  return svg + "</svg>";
}

std::string HistogramChart(const ChartSpec& spec, std::span<const double> edges,
                           std::span<const int64_t> counts) {
  const size_t bins = std::min(counts.size(), edges.empty() ? 0 : edges.size() - 1);
  int64_t highest = 0;
  for (size_t i = 0; i < bins; ++i) highest = std::max(highest, counts[i]);
  ChartAxis x_axis = spec.x;
  if (bins > 0 && !x_axis.min && !x_axis.max) {
    x_axis.min = edges.front();
    x_axis.max = edges[bins];
  }
  ChartAxis y_axis = spec.y;
  if (!y_axis.min) y_axis.min = 0.0;
  const Frame f = MakeFrame(spec, MakeRange(0, 1, x_axis),
                            MakeRange(0, static_cast<double>(highest), y_axis), 0, kMarginLeft);
  std::string svg = OpenSvg(f, spec.title) + Axes(f, spec, true);
  for (size_t i = 0; i < bins; ++i) {
    if (counts[i] <= 0) continue;
    const double x0 = f.X(edges[i]), x1 = f.X(edges[i + 1]), y = f.Y(counts[i]);
    svg += "<rect x=\"" + Px(x0 + 0.5) + "\" y=\"" + Px(y) + "\" width=\"" +
           Px(std::max(0.5, x1 - x0 - 1)) + "\" height=\"" + Px(f.top + f.plot_h - y) +
           "\" fill=\"" + std::string(PaletteColor(0)) + "\"><title>" + FormatNumber(edges[i]) +
           " to " + FormatNumber(edges[i + 1]) + ": " +
           FormatNumber(static_cast<double>(counts[i])) + "</title></rect>";
  }
  return svg + "</svg>";
}

std::string BarChart(const ChartSpec& spec,
                     const std::vector<std::pair<std::string, double>>& bars) {
  constexpr double kRow = 18;
  double lo = 0, hi = 0;
  size_t longest = 0;
  for (const auto& [label, value] : bars) {
    if (std::isfinite(value)) lo = std::min(lo, value), hi = std::max(hi, value);
    longest = std::max(longest, std::min(label.size(), kMaxLabelChars + 1));
  }
  ChartSpec sized = spec;
  sized.height =
      static_cast<int>(kMarginTop + kMarginBottom + kRow * std::max<size_t>(1, bars.size()));
  const double left = std::clamp(12.0 + 6.2 * longest, 60.0, 220.0);
  sized.width = std::max(spec.width, static_cast<int>(left) + 260);
  Frame f = MakeFrame(sized, MakeRange(lo, hi, spec.x), Range{0, 1, 1}, 0, left);
  std::string svg = OpenSvg(f, spec.title) + Axes(f, sized, false);
  for (size_t i = 0; i < bars.size(); ++i) {
    const auto& [label, value] = bars[i];
    const double y = f.top + kRow * i;
    svg += "<text x=\"" + Px(f.left - 6) + "\" y=\"" + Px(y + kRow / 2 + 4) +
           "\" text-anchor=\"end\" fill=\"#333\">" + HtmlEscape(Truncate(label, kMaxLabelChars)) +
           "</text>";
    if (!std::isfinite(value)) continue;
    const double x0 = f.X(std::min(0.0, value)), x1 = f.X(std::max(0.0, value));
    svg += "<rect x=\"" + Px(x0) + "\" y=\"" + Px(y + 3) + "\" width=\"" +
           Px(std::max(0.5, x1 - x0)) + "\" height=\"" + Px(kRow - 6) + "\" fill=\"" +
           std::string(value < 0 ? PaletteColor(2) : PaletteColor(0)) + "\"><title>" +
           HtmlEscape(label) + ": " + FormatNumber(value) + "</title></rect>";
  }
  return svg + "</svg>";
}

}  // namespace easel::eval
