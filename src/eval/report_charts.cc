// The chart sections of the evaluation report (see report.h for the input they read).

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include "eval/curves.h"
#include "eval/report_sections.h"
#include "eval/svg.h"

namespace easel::eval::report {
namespace {

// Training curves longer than this are thinned for drawing; the shape survives.
constexpr size_t kMaxSeriesPoints = 1000;
constexpr size_t kMaxBars = 30;

std::vector<CurvePoint> PointsOf(const Json& points) {
  std::vector<CurvePoint> out;
  if (!points.is_array()) return out;
  for (const Json& p : points) {
    if (p.is_array() && p.size() == 2 && p[0].is_number() && p[1].is_number()) {
      out.push_back({p[0].get<double>(), p[1].get<double>()});
    }
  }
  return out;
}

ChartSeries Diagonal(std::string name) {
  ChartSeries s;
  s.name = std::move(name);
  s.points = {{0, 0}, {1, 1}};
  s.color = "#999";
  s.dashed = true;
  return s;
}

ChartSpec UnitSquare(std::string title, std::string x_label, std::string y_label) {
  ChartSpec spec;
  spec.title = std::move(title);
  spec.x = {std::move(x_label), 0.0, 1.0};
  spec.y = {std::move(y_label), 0.0, 1.0};
  spec.width = 400;
  spec.height = 360;
  return spec;
}

std::string Paragraph(const std::string& html) { return "<p class=\"note\">" + html + "</p>"; }

// One curve per class from evaluation[key] (ROC or PR), labelled with its score.
std::vector<ChartSeries> ClassCurves(const Json& curves, std::string_view score_key,
                                     std::string_view score_name, bool step) {
  std::vector<ChartSeries> series;
  for (const Json& c : curves) {
    if (!c.is_object()) continue;
    ChartSeries s;
    s.name = TextAt(c, "class") + " (" + std::string(score_name) + " " +
             FormatNumber(NumberAt(c, score_key)) + ")";
    s.points = PointsOf(c.contains("points") ? c["points"] : Json());
    s.color = std::string(PaletteColor(series.size()));
    s.step = step;
    series.push_back(std::move(s));
  }
  return series;
}

}  // namespace

std::string RocSection(const Json& evaluation) {
  if (!evaluation.contains("roc") || !evaluation["roc"].is_array()) return "";
  std::vector<ChartSeries> series = ClassCurves(evaluation["roc"], "auc", "AUC", false);
  if (series.empty()) return "";
  series.push_back(Diagonal("chance"));
  std::string note;
  if (evaluation.contains("roc_auc")) {
    note = "ROC AUC (positive class): " + FormatNumber(NumberAt(evaluation, "roc_auc"));
  } else if (evaluation.contains("roc_auc_macro")) {
    note = "Macro-averaged one-vs-rest ROC AUC: " +
           FormatNumber(NumberAt(evaluation, "roc_auc_macro")) +
           " (classes absent from the labels are left out).";
  }
  return Section(
      "roc", "ROC curves",
      Paragraph(note) +
          LineChart(UnitSquare("ROC curves", "False positive rate", "True positive rate"), series));
}

std::string PrSection(const Json& evaluation) {
  if (!evaluation.contains("pr") || !evaluation["pr"].is_array()) return "";
  std::vector<ChartSeries> series =
      ClassCurves(evaluation["pr"], "average_precision", "AP", /*step=*/true);
  if (series.empty()) return "";
  return Section(
      "pr", "Precision-recall curves",
      Paragraph("AP is average precision, the area under the step curve.") +
          LineChart(UnitSquare("Precision-recall curves", "Recall", "Precision"), series));
}

std::string CalibrationSection(const Json& evaluation) {
  if (!evaluation.contains("calibration") || !evaluation["calibration"].is_object()) return "";
  const Json& cal = evaluation["calibration"];
  if (!cal.contains("bins") || !cal["bins"].is_array()) return "";
  const bool positive = TextAt(cal, "target") == "positive_class";
  ChartSeries curve;
  curve.name = positive ? "P(positive class)" : "top-label confidence";
  curve.markers = true;
  std::vector<double> edges;
  std::vector<int64_t> counts;
  for (const Json& bin : cal["bins"]) {
    if (!bin.is_object()) continue;
    const double lower = NumberAt(bin, "lower"), upper = NumberAt(bin, "upper");
    const double count = NumberAt(bin, "count");
    if (edges.empty()) edges.push_back(lower);
    edges.push_back(upper);
    counts.push_back(std::isfinite(count) ? static_cast<int64_t>(count) : 0);
    const double x = NumberAt(bin, "mean_predicted"), y = NumberAt(bin, "fraction_positive");
    if (!std::isfinite(x) || !std::isfinite(y)) continue;
    curve.points.push_back({x, y});
    curve.tooltips.push_back(FormatNumber(lower) + "–" + FormatNumber(upper) + ": " +
                             FormatNumber(count) + " samples, predicted " + FormatNumber(x) +
                             ", observed " + FormatNumber(y));
  }
  const std::string y_label = positive ? "Fraction positive" : "Accuracy";
  std::string body = Paragraph(
      "Expected calibration error (top label): <strong>" + FormatNumber(NumberAt(cal, "ece")) +
      "</strong>. " +
      (positive ? "The curve plots the predicted probability of the positive class."
                : "The curve plots the confidence of the predicted class against its accuracy."));
  body += LineChart(UnitSquare("Reliability diagram", "Mean predicted probability", y_label),
                    {Diagonal("perfectly calibrated"), curve});
  ChartSpec hist;
  hist.title = "Samples per bin";
  hist.x = {"Predicted probability", 0.0, 1.0};
  hist.y = {"Samples", std::nullopt, std::nullopt};
  hist.width = 400;
  hist.height = 200;
  if (edges.size() == counts.size() + 1) body += HistogramChart(hist, edges, counts);
  return Section("calibration", "Calibration", body);
}

std::string ResidualsSection(const Json& evaluation) {
  if (!evaluation.contains("residuals") || !evaluation["residuals"].is_object()) return "";
  const Json& res = evaluation["residuals"];
  std::string body;
  if (res.contains("points")) {
    ChartSeries scatter;
    scatter.points = PointsOf(res["points"]);
    scatter.line = false;
    scatter.markers = true;
    double lo = 0, hi = 1;
    if (!scatter.points.empty()) {
      lo = hi = scatter.points.front()[0];
      for (const auto& p : scatter.points) lo = std::min(lo, p[0]), hi = std::max(hi, p[0]);
    }
    ChartSeries zero;
    zero.points = {{lo, 0}, {hi, 0}};
    zero.color = "#999";
    zero.dashed = true;
    ChartSpec spec;
    spec.title = "Residuals against predictions";
    spec.x.label = "Predicted value";
    spec.y.label = "Residual (truth − predicted)";
    body += LineChart(spec, {scatter, zero});
  }
  if (res.contains("histogram") && res["histogram"].is_object()) {
    const Json& h = res["histogram"];
    std::vector<double> edges;
    std::vector<int64_t> counts;
    for (const Json& e : h.value("edges", Json::array()))
      edges.push_back(e.is_number() ? e.get<double>() : NAN);
    for (const Json& c : h.value("counts", Json::array()))
      counts.push_back(c.is_number() ? c.get<int64_t>() : 0);
    if (!counts.empty() && edges.size() == counts.size() + 1) {
      ChartSpec spec;
      spec.title = "Residual distribution";
      spec.x.label = "Residual";
      spec.y.label = "Samples";
      body += HistogramChart(spec, edges, counts);
    }
  }
  if (body.empty()) return "";
  return Section("residuals", "Residuals", "<div class=\"charts\">" + body + "</div>");
}

std::string TrainingSection(const Json& training) {
  if (!training.contains("series") || !training["series"].is_object()) return "";
  // "train_loss" and "val_loss" share the "loss" chart.
  std::map<std::string, std::vector<ChartSeries>> groups;
  for (const auto& [name, values] : training["series"].items()) {
    if (!values.is_array()) continue;
    std::string metric = name;
    for (std::string_view prefix : {"train_", "val_", "validation_", "test_"}) {
      if (metric.size() > prefix.size() && metric.compare(0, prefix.size(), prefix) == 0) {
        metric = metric.substr(prefix.size());
        break;
      }
    }
    ChartSeries s;
    s.name = name;
    for (size_t i = 0; i < values.size(); ++i) {
      if (!values[i].is_object()) continue;
      const double step = NumberAt(values[i], "step");
      s.points.push_back(
          {std::isfinite(step) ? step : static_cast<double>(i), NumberAt(values[i], "value")});
    }
    if (s.points.size() > kMaxSeriesPoints) s.points = ThinCurve(s.points, kMaxSeriesPoints);
    if (!s.points.empty()) groups[metric].push_back(std::move(s));
  }
  std::string body;
  for (auto& [metric, series] : groups) {
    for (size_t i = 0; i < series.size(); ++i) series[i].color = std::string(PaletteColor(i));
    ChartSpec spec;
    spec.title = metric;
    spec.x.label = "Step";
    spec.y.label = metric;
    body += "<figure><figcaption>" + HtmlEscape(metric) + "</figcaption>" +
            LineChart(spec, series) + "</figure>";
  }
  if (body.empty()) return "";
  return Section("training", "Training curves", "<div class=\"charts\">" + body + "</div>");
}

std::string FeatureBarsSection(std::string_view id, std::string_view title, const Json& entries,
                               std::string_view value_key, std::string_view axis_label) {
  std::vector<std::pair<std::string, double>> bars;
  for (const Json& e : entries) {
    if (e.is_object()) bars.emplace_back(TextAt(e, "feature"), NumberAt(e, value_key));
  }
  if (bars.empty()) return "";
  const size_t total = bars.size();
  // Largest magnitude first; NaN sorts last. stable_sort keeps input order among equals.
  std::stable_sort(bars.begin(), bars.end(), [](const auto& a, const auto& b) {
    const double x = std::isnan(a.second) ? -1 : std::abs(a.second);
    const double y = std::isnan(b.second) ? -1 : std::abs(b.second);
    return x > y;
  });
  if (bars.size() > kMaxBars) bars.resize(kMaxBars);
  std::string note = total > kMaxBars ? "Top " + std::to_string(kMaxBars) + " of " +
                                            std::to_string(total) + " features."
                                      : std::to_string(total) + " features.";
  ChartSpec spec;
  spec.title = std::string(title);
  spec.x.label = std::string(axis_label);
  spec.width = 640;
  return Section(id, title, Paragraph(note) + BarChart(spec, bars));
}

}  // namespace easel::eval::report
