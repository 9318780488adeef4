// The report document and its table sections; charts are in report_charts.cc.

#include "eval/report.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <string_view>
#include <vector>

#include "eval/report_sections.h"
#include "eval/svg.h"

namespace easel::eval {
namespace report {

std::string Section(std::string_view id, std::string_view title, const std::string& body) {
  return "<section id=\"" + std::string(id) + "\"><h2>" + HtmlEscape(title) + "</h2>" + body +
         "</section>\n";
}

double NumberAt(const Json& obj, std::string_view key) {
  if (!obj.is_object()) return NAN;
  const auto it = obj.find(key);
  return it != obj.end() && it->is_number() ? it->get<double>() : NAN;
}

std::string DisplayText(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number()) return FormatNumber(value.get<double>());
  if (value.is_null()) return "—";
  return DumpJson(value);
}

std::string TextAt(const Json& obj, std::string_view key) {
  if (!obj.is_object()) return "";
  const auto it = obj.find(key);
  return it == obj.end() ? "" : DisplayText(*it);
}

}  // namespace report

namespace {

using report::DisplayText;
using report::NumberAt;
using report::Section;
using report::TextAt;

constexpr std::string_view kStyle = R"css(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#222;margin:0;
     background:#f6f7f9}
main{max-width:1120px;margin:0 auto;padding:24px}
header h1{font-size:22px;margin:0 0 4px}
header .sub{color:#666;margin:0 0 16px}
nav{margin:0 0 16px;font-size:13px}
nav a{color:#2a5d9f;margin-right:12px;text-decoration:none}
section{background:#fff;border:1px solid #e2e4e8;border-radius:6px;padding:16px 20px;
        margin:0 0 16px}
h2{font-size:17px;margin:0 0 12px}
table{border-collapse:collapse;font-size:13px}
th,td{padding:4px 10px;text-align:left;border-bottom:1px solid #eee}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tr.avg td{font-weight:600;background:#fafafa}
.kv th{color:#555;font-weight:500;width:220px}
.kv td{word-break:break-all}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{border:1px solid #e2e4e8;border-radius:6px;padding:8px 14px;min-width:110px}
.card .v{font-size:20px;font-weight:600}
.card .k{color:#666;font-size:12px}
.confusion td{text-align:center;min-width:36px}
.confusion th.axis{color:#666;font-weight:500}
.charts{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}
figure{margin:0}
figcaption{font-size:13px;color:#444;margin:4px 0}
.heatmaps{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:16px}
.heatmaps img{width:100%;image-rendering:pixelated;border:1px solid #ddd}
svg.chart{max-width:100%;height:auto}
.note{color:#555;margin:0 0 8px}
)css";

Status RequireType(const Json& input, const char* key, bool want_array) {
  if (!input.contains(key)) return OkStatus();
  const Json& v = input[key];
  if (want_array ? v.is_array() : v.is_object()) return OkStatus();
  return InvalidArgument(std::string("report input field '") + key + "' must be a JSON " +
                         (want_array ? "array" : "object"));
}

std::string Card(std::string_view key, double value) {
  return "<div class=\"card\"><div class=\"v\">" + FormatNumber(value) + "</div><div class=\"k\">" +
         std::string(key) + "</div></div>";
}

std::string KeyValueTable(const Json& obj) {
  std::string rows;
  for (const auto& [key, value] : obj.items()) {
    rows +=
        "<tr><th>" + HtmlEscape(key) + "</th><td>" + HtmlEscape(DisplayText(value)) + "</td></tr>";
  }
  return "<table class=\"kv\">" + rows + "</table>";
}

std::string SummarySection(const Json& model, const Json& evaluation, const std::string& task) {
  std::string body = "<table class=\"kv\">";
  for (const char* key : {"name", "version", "algorithm", "task", "created_at"}) {
    if (model.contains(key)) {
      body += "<tr><th>" + std::string(key) + "</th><td>" + HtmlEscape(TextAt(model, key)) +
              "</td></tr>";
    }
  }
  body += "</table>";
  std::string cards;
  if (task == "classification") {
    cards += Card("accuracy", NumberAt(evaluation, "accuracy"));
    if (evaluation.contains("macro_avg")) {
      cards += Card("macro F1", NumberAt(evaluation["macro_avg"], "f1"));
    }
    if (evaluation.contains("roc_auc")) cards += Card("ROC AUC", NumberAt(evaluation, "roc_auc"));
    if (evaluation.contains("roc_auc_macro")) {
      cards += Card("ROC AUC (macro)", NumberAt(evaluation, "roc_auc_macro"));
    }
    cards += Card("log loss", NumberAt(evaluation, "log_loss"));
    if (evaluation.contains("calibration")) {
      cards += Card("ECE", NumberAt(evaluation["calibration"], "ece"));
    }
  } else if (task == "regression") {
    for (const char* key : {"rmse", "mae", "r2", "mape", "max_error"}) {
      cards += Card(key, NumberAt(evaluation, key));
    }
  }
  if (evaluation.contains("num_samples")) {
    cards += Card("samples", NumberAt(evaluation, "num_samples"));
  }
  if (!cards.empty()) body += "<h3>Headline metrics</h3><div class=\"cards\">" + cards + "</div>";
  return Section("summary", "Summary", body);
}

std::string ClassificationMetrics(const Json& evaluation) {
  if (!evaluation.contains("per_class") || !evaluation["per_class"].is_array()) return "";
  std::string rows;
  auto row = [](const std::string& name, const Json& m, const std::string& support,
                const char* css) {
    std::string r = std::string("<tr") + css + "><td>" + HtmlEscape(name) + "</td>";
    for (const char* key : {"precision", "recall", "f1"}) {
      r += "<td class=\"num\">" + FormatNumber(NumberAt(m, key)) + "</td>";
    }
    return r + "<td class=\"num\">" + support + "</td></tr>";
  };
  for (const Json& c : evaluation["per_class"]) {
    rows += row(TextAt(c, "class"), c, FormatNumber(NumberAt(c, "support")), "");
  }
  const std::string total = FormatNumber(NumberAt(evaluation, "num_samples"));
  for (const auto& [key, name] :
       {std::pair{"macro_avg", "macro avg"}, {"weighted_avg", "weighted avg"}}) {
    if (evaluation.contains(key)) rows += row(name, evaluation[key], total, " class=\"avg\"");
  }
  return Section("metrics", "Metrics",
                 "<p class=\"note\">Accuracy " + FormatNumber(NumberAt(evaluation, "accuracy")) +
                     ", log loss " + FormatNumber(NumberAt(evaluation, "log_loss")) + ".</p>" +
                     "<table><tr><th>class</th><th class=\"num\">precision</th><th "
                     "class=\"num\">recall</th><th class=\"num\">F1</th><th "
                     "class=\"num\">support</th></tr>" +
                     rows + "</table>");
}

std::string RegressionMetrics(const Json& evaluation) {
  static constexpr std::pair<const char*, const char*> kRows[] = {
      {"num_samples", "samples"},
      {"rmse", "root mean squared error"},
      {"mae", "mean absolute error"},
      {"r2", "R² (coefficient of determination)"},
      {"mape", "mean absolute percentage error (fraction)"},
      {"max_error", "max error"}};
  std::string rows;
  for (const auto& [key, name] : kRows) {
    rows += "<tr><th>" + std::string(name) + "</th><td class=\"num\">" +
            FormatNumber(NumberAt(evaluation, key)) + "</td></tr>";
  }
  return Section("metrics", "Metrics", "<table class=\"kv\">" + rows + "</table>");
}

std::string ConfusionSection(const Json& evaluation) {
  if (!evaluation.contains("confusion_matrix")) return "";
  const Json& cm = evaluation["confusion_matrix"];
  if (!cm.is_object() || !cm.contains("matrix") || !cm["matrix"].is_array()) return "";
  const Json labels = cm.value("labels", Json::array());
  auto label = [&](size_t i) {
    return HtmlEscape(i < labels.size() ? DisplayText(labels[i]) : std::to_string(i));
  };
  const Json& matrix = cm["matrix"];
  std::string html = "<table class=\"confusion\"><tr><th class=\"axis\">true ↓ / predicted →</th>";
  for (size_t j = 0; j < matrix.size(); ++j) html += "<th>" + label(j) + "</th>";
  html += "</tr>";
  for (size_t i = 0; i < matrix.size(); ++i) {
    if (!matrix[i].is_array()) continue;
    double row_total = 0;
    for (const Json& v : matrix[i]) row_total += v.is_number() ? v.get<double>() : 0;
    html += "<tr><th>" + label(i) + "</th>";
    for (size_t j = 0; j < matrix[i].size(); ++j) {
      const double count = matrix[i][j].is_number() ? matrix[i][j].get<double>() : NAN;
      // Shade by share of the true class, so rare classes read as clearly as common ones.
      const double share = row_total > 0 && std::isfinite(count) ? count / row_total : 0;
      char style[96];
      std::snprintf(style, sizeof style, "background:rgba(78,121,167,%.3f);color:%s",
                    std::clamp(share, 0.0, 1.0), share > 0.55 ? "#fff" : "#222");
      html += "<td style=\"" + std::string(style) + "\" title=\"true " + label(i) + ", predicted " +
              label(j) + ": " + FormatNumber(share * 100) + "% of row\">" + FormatNumber(count) +
              "</td>";
    }
    html += "</tr>";
  }
  return Section("confusion", "Confusion matrix",
                 "<p class=\"note\">Rows are true classes, columns predicted; shading is the "
                 "share of the row.</p>" +
                     html + "</table>");
}

bool IsBase64Png(const std::string& data) {
  if (data.rfind("iVBORw0KGgo", 0) != 0) return false;
  return std::all_of(data.begin(), data.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=';
  });
}

std::string HeatmapsSection(const Json& heatmaps) {
  std::string cells;
  for (const Json& h : heatmaps) {
    if (!h.is_object()) continue;
    const std::string data = h.contains("png_base64") && h["png_base64"].is_string()
                                 ? h["png_base64"].get<std::string>()
                                 : "";
    cells += "<figure>";
    cells += IsBase64Png(data) ? "<img alt=\"" + HtmlEscape(TextAt(h, "title")) +
                                     "\" src=\"data:image/png;base64," + data + "\">"
                               : "<p class=\"note\">(no valid PNG data)</p>";
    cells += "<figcaption><strong>" + HtmlEscape(TextAt(h, "title")) +
             "</strong><br>true: " + HtmlEscape(TextAt(h, "true_label")) +
             " · predicted: " + HtmlEscape(TextAt(h, "predicted")) + " (" +
             FormatNumber(NumberAt(h, "confidence")) + ")</figcaption></figure>";
  }
  if (cells.empty()) return "";
  return Section("heatmaps", "Grad-CAM heatmaps", "<div class=\"heatmaps\">" + cells + "</div>");
}

// An ensemble's members: [{trial, algorithm, weight, refit}], heaviest first, what they were
// chosen on, and whether a stacker answers instead of the weights.
std::string EnsembleSection(const Json& ensemble) {
  if (!ensemble.is_object() || !ensemble.value("members", Json()).is_array()) return "";
  std::string rows;
  for (const Json& m : ensemble["members"]) {
    rows += "<tr><td>" + HtmlEscape(TextAt(m, "trial")) + "</td><td>" +
            HtmlEscape(TextAt(m, "algorithm")) + "</td><td>" + FormatNumber(NumberAt(m, "weight")) +
            "</td><td>" + (m.value("refit", false) ? "yes" : "no") + "</td></tr>";
  }
  std::string note;
  if (ensemble.contains("selected_on")) {
    note = "<p class=\"note\">Weights chosen on the " +
           HtmlEscape(TextAt(ensemble, "selected_on")) + " (" +
           HtmlEscape(TextAt(ensemble, "rows")) +
           " rows): " + HtmlEscape(TextAt(ensemble, "metric")) + " " +
           FormatNumber(NumberAt(ensemble, "loss")) + ", best single member " +
           FormatNumber(NumberAt(ensemble, "best_single_loss")) + ".</p>";
  }
  if (TextAt(ensemble, "combiner") == "stacking") {
    // The weights above chose nothing: the stacker answers.
    note +=
        "<p class=\"note\">Stacked: a logistic regression over every member's log "
        "probabilities answers for the ensemble, not the weights";
    if (const Json losses = ensemble.value("combiners", Json()); losses.is_object()) {
      note += " (log loss on cross-validated rows " + FormatNumber(NumberAt(losses, "stacking")) +
              ", against " + FormatNumber(NumberAt(losses, "weighted_average")) +
              " for the weights)";
    }
    note += ".</p>";
  }
  return Section("ensemble", "Ensemble",
                 "<table><tr><th>trial</th><th>algorithm</th><th>weight</th>"
                 "<th>refit on train + validation</th></tr>" +
                     rows + "</table>" + note);
}

std::string_view NavLabel(std::string_view id) {
  static constexpr std::pair<std::string_view, std::string_view> kLabels[] = {
      {"summary", "Summary"},     {"lineage", "Lineage"},         {"params", "Parameters"},
      {"metrics", "Metrics"},     {"confusion", "Confusion"},     {"roc", "ROC"},
      {"pr", "Precision-recall"}, {"calibration", "Calibration"}, {"residuals", "Residuals"},
      {"training", "Training"},   {"importance", "Importance"},   {"shap", "SHAP"},
      {"heatmaps", "Heatmaps"},   {"ensemble", "Ensemble"}};
  for (const auto& [key, label] : kLabels) {
    if (key == id) return label;
  }
  return id;
}

std::string TaskOf(const Json& evaluation) {
  const std::string task = TextAt(evaluation, "task");
  if (!task.empty()) return task;
  if (evaluation.contains("per_class")) return "classification";
  if (evaluation.contains("rmse")) return "regression";
  return "";
}

std::string Render(const Json& input) {
  const Json empty = Json::object();
  const Json& model = input["model"];
  const Json& evaluation = input.contains("evaluation") ? input["evaluation"] : empty;
  const std::string task = TaskOf(evaluation);

  std::vector<std::pair<std::string_view, std::string>> sections;
  auto add = [&](std::string_view id, std::string html) {
    if (!html.empty()) sections.emplace_back(id, std::move(html));
  };
  add("summary", SummarySection(model, evaluation, task));
  if (evaluation.contains("ensemble")) add("ensemble", EnsembleSection(evaluation["ensemble"]));
  if (input.contains("lineage") && !input["lineage"].empty()) {
    add("lineage", Section("lineage", "Lineage", KeyValueTable(input["lineage"])));
  }
  if (input.contains("params") && !input["params"].empty()) {
    add("params", Section("params", "Parameters", KeyValueTable(input["params"])));
  }
  if (task == "classification") {
    add("metrics", ClassificationMetrics(evaluation));
    add("confusion", ConfusionSection(evaluation));
    add("roc", report::RocSection(evaluation));
    add("pr", report::PrSection(evaluation));
    add("calibration", report::CalibrationSection(evaluation));
  } else if (task == "regression") {
    add("metrics", RegressionMetrics(evaluation));
    add("residuals", report::ResidualsSection(evaluation));
  }
  if (input.contains("training")) add("training", report::TrainingSection(input["training"]));
  if (input.contains("feature_importance")) {
    add("importance",
        report::FeatureBarsSection("importance", "Feature importance", input["feature_importance"],
                                   "importance", "Importance"));
  }
  if (input.contains("shap")) {
    add("shap", report::FeatureBarsSection("shap", "SHAP summary", input["shap"], "mean_abs",
                                           "Mean |SHAP value|"));
  }
  if (input.contains("heatmaps")) add("heatmaps", HeatmapsSection(input["heatmaps"]));

  const std::string name = TextAt(model, "name");
  const std::string version = TextAt(model, "version");
  const std::string heading = HtmlEscape(name.empty() ? "Model" : name) +
                              (version.empty() ? "" : " · version " + HtmlEscape(version));
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
      "<title>Evaluation report: " +
      heading + "</title><style>" + std::string(kStyle) +
      "</style></head><body><main><header><h1>" + heading +
      "</h1><p class=\"sub\">Evaluation report" + (task.empty() ? "" : " · " + HtmlEscape(task)) +
      "</p></header><nav>";
  for (const auto& [id, unused] : sections) {
    html += "<a href=\"#" + std::string(id) + "\">" + std::string(NavLabel(id)) + "</a>";
  }
  html += "</nav>\n";
  for (const auto& [unused, section] : sections) html += section;
  return html + "<footer class=\"note\">Generated by easel.</footer></main></body></html>\n";
}

}  // namespace

Result<std::string> RenderReport(const Json& input) {
  if (!input.is_object()) return InvalidArgument("report input must be a JSON object");
  if (!input.contains("model")) return InvalidArgument("report input needs a 'model' object");
  EASEL_RETURN_IF_ERROR(RequireType(input, "model", false));
  for (const char* key : {"lineage", "params", "evaluation", "training"}) {
    EASEL_RETURN_IF_ERROR(RequireType(input, key, false));
  }
  for (const char* key : {"feature_importance", "shap", "heatmaps"}) {
    EASEL_RETURN_IF_ERROR(RequireType(input, key, true));
  }
  // The section renderers check types as they go; this is the seam that keeps a surprise in
  // the input from escaping as an exception.
  try {
    return Render(input);
  } catch (const Json::exception& e) {
    return InvalidArgument(std::string("report input is malformed: ") + e.what());
  }
}

}  // namespace easel::eval
