#include "eval/report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "eval/classification.h"
#include "eval/regression.h"
#include "eval/svg.h"
#include "eval/test_inputs.h"

namespace easel::eval {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kHostile = "<script>alert(1)</script>";
constexpr const char* kQuotes = "\"&'";
// A real 1×1 PNG.
constexpr const char* kPng =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+"
    "M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

const std::vector<std::string> kAllSections = {
    "summary",     "lineage",   "params",   "metrics",    "confusion", "roc",     "pr",
    "calibration", "residuals", "training", "importance", "shap",      "heatmaps"};

bool HasSection(const std::string& html, const std::string& id) {
  return html.find("<section id=\"" + id + "\"><h2>") != std::string::npos;
}

Json ClassificationInput() {
  const auto in = testing::NoisyClassifier(120, 3, 21, 3);
  auto evaluation = EvaluateClassification(in.probs, 3, in.labels, {kHostile, kQuotes, "bird"});
  EXPECT_TRUE(evaluation.ok());
  Json features = Json::array();
  for (int i = 0; i < 40; ++i) {
    std::string name = "f";  // built by append: GCC 12's -Wrestrict misfires on "f" + string
    name += std::to_string(i);
    features.push_back({{"feature", name}, {"importance", i * 0.01}});
  }
  features.push_back({{"feature", kHostile}, {"importance", -0.5}});
  return {{"model",
           {{"name", kHostile},
            {"version", 3},
            {"algorithm", "xgboost"},
            {"task", "classification"},
            {"created_at", "2026-11-23T07:00:00Z"}}},
          {"lineage", {{"dataset", kQuotes}, {"dataset_version", 2}, {"content_hash", "ab12"}}},
          {"params", {{"max_depth", 6}, {"objective", kHostile}, {"nested", {{"a", {1, 2}}}}}},
          {"evaluation", *evaluation},
          {"training",
           {{"series",
             {{"train_loss", {{{"step", 1}, {"value", 0.9}}, {{"step", 2}, {"value", 0.5}}}},
              {"val_loss", {{{"step", 1}, {"value", 1.0}}, {{"step", 2}, {"value", 0.7}}}},
              {"accuracy", {{{"step", 1}, {"value", 0.6}}, {{"step", 2}, {"value", 0.8}}}}}}}},
          {"feature_importance", features},
          {"shap",
           {{{"feature", kQuotes}, {"mean_abs", 0.3}}, {{"feature", "age"}, {"mean_abs", 0.1}}}},
          {"heatmaps",
           {{{"title", kHostile},
             {"true_label", "cat"},
             {"predicted", "dog"},
             {"confidence", 0.71},
             {"png_base64", kPng}},
            {{"title", "broken"}, {"png_base64", "\" onerror=\"alert(1)"}}}}};
}

Json RegressionInput() {
  const auto in = testing::NoisyRegressor(300, 2, 10.0);
  auto evaluation = EvaluateRegression(in.predicted, in.truth);
  EXPECT_TRUE(evaluation.ok());
  return {{"model", {{"name", "price"}, {"task", "regression"}}}, {"evaluation", *evaluation}};
}

std::string Render(const Json& input) {
  auto html = RenderReport(input);
  EXPECT_TRUE(html.ok()) << html.status().ToString();
  return html.ok() ? *html : "";
}

// Every <svg>…</svg> must nest its elements properly (void HTML elements do not occur inside).
void ExpectSvgWellFormed(const std::string& html) {
  size_t svgs = 0;
  for (size_t at = html.find("<svg"); at != std::string::npos; at = html.find("<svg", at + 1)) {
    ++svgs;
    std::vector<std::string> open;
    size_t pos = at;
    do {
      const size_t lt = html.find('<', pos);
      const size_t gt = html.find('>', lt);
      ASSERT_NE(gt, std::string::npos);
      const std::string tag = html.substr(lt + 1, gt - lt - 1);
      ASSERT_EQ(tag.find('<'), std::string::npos) << "unescaped '<' inside a tag: " << tag;
      if (tag[0] == '/') {
        ASSERT_FALSE(open.empty()) << "stray </" << tag;
        EXPECT_EQ("/" + open.back(), tag);
        open.pop_back();
      } else if (tag.back() != '/') {
        open.push_back(tag.substr(0, tag.find_first_of(" >")));
      }
      pos = gt + 1;
    } while (!open.empty());
  }
  EXPECT_GT(svgs, 0u);
  size_t closes = 0;
  for (size_t at = html.find("</svg>"); at != std::string::npos; at = html.find("</svg>", at + 1)) {
    ++closes;
  }
  EXPECT_EQ(svgs, closes);
}

TEST(ReportTest, ClassificationReportHasItsSections) {
  const std::string html = Render(ClassificationInput());
  for (const std::string& id : kAllSections) {
    EXPECT_EQ(HasSection(html, id), id != "residuals") << id;
  }
  EXPECT_THAT(html, HasSubstr("<!DOCTYPE html>"));
  EXPECT_THAT(html, HasSubstr("Top 30 of 41 features."));
  // train_loss and val_loss share the "loss" chart; accuracy has its own.
  EXPECT_THAT(html, HasSubstr("<figcaption>loss</figcaption>"));
  EXPECT_THAT(html, HasSubstr("<figcaption>accuracy</figcaption>"));
  EXPECT_THAT(html, HasSubstr("src=\"data:image/png;base64," + std::string(kPng) + "\""));
  EXPECT_THAT(html, HasSubstr("(no valid PNG data)"));
  ExpectSvgWellFormed(html);
}

TEST(ReportTest, AnEnsembleListsItsMembersHeaviestFirst) {
  Json input = RegressionInput();
  input["evaluation"]["ensemble"] = {
      {"members",
       {{{"trial", 7}, {"algorithm", "mlp"}, {"weight", 0.75}, {"refit", true}},
        {{"trial", 2}, {"algorithm", kHostile}, {"weight", 0.25}, {"refit", false}}}},
      {"selected_on", "5-fold cross-validation on train + validation"},
      {"rows", 426},
      {"metric", "mse"},
      {"loss", 1.5},
      {"best_single_loss", 2.0}};
  const std::string html = Render(input);
  EXPECT_TRUE(HasSection(html, "ensemble"));
  EXPECT_THAT(html, HasSubstr("<td>7</td><td>mlp</td><td>0.75</td><td>yes</td>"));
  EXPECT_THAT(html, Not(HasSubstr(kHostile)));
  EXPECT_THAT(html, HasSubstr("5-fold cross-validation on train + validation (426 rows): mse 1.5"));
  EXPECT_THAT(html, HasSubstr("href=\"#ensemble\">Ensemble</a>"));
  EXPECT_THAT(html, Not(HasSubstr("Stacked")));
  // A stacked one says that its stacker answers, and on what it won.
  input["evaluation"]["ensemble"]["combiner"] = "stacking";
  input["evaluation"]["ensemble"]["combiners"] = {{"weighted_average", 0.09}, {"stacking", 0.08}};
  EXPECT_THAT(Render(input), HasSubstr("Stacked: a logistic regression over every member's log "
                                       "probabilities answers for the ensemble, not the weights "
                                       "(log loss on cross-validated rows 0.08, against 0.09 for "
                                       "the weights)."));
  // Not an ensemble: no section.
  EXPECT_FALSE(HasSection(Render(RegressionInput()), "ensemble"));
}

TEST(ReportTest, RegressionReportHasItsSections) {
  const std::string html = Render(RegressionInput());
  for (const std::string& id : kAllSections) {
    const bool expected = id == "summary" || id == "metrics" || id == "residuals";
    EXPECT_EQ(HasSection(html, id), expected) << id;
  }
  EXPECT_THAT(html, HasSubstr("root mean squared error"));
  ExpectSvgWellFormed(html);
}

TEST(ReportTest, ModelAloneGivesSummaryOnly) {
  const std::string html = Render({{"model", {{"name", "m"}}}});
  for (const std::string& id : kAllSections) EXPECT_EQ(HasSection(html, id), id == "summary");
}

TEST(ReportTest, EscapesEveryUserString) {
  const std::string html = Render(ClassificationInput());
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, Not(HasSubstr("onerror=\"")));
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_THAT(html, HasSubstr("&quot;&amp;&#39;"));
  EXPECT_THAT(html, Not(HasSubstr(kQuotes)));
}

TEST(ReportTest, ContainsNoUrl) {
  for (const Json& input : {ClassificationInput(), RegressionInput()}) {
    const std::string html = Render(input);
    EXPECT_THAT(html, Not(HasSubstr("http")));
    EXPECT_THAT(html, Not(HasSubstr("xmlns")));
    EXPECT_THAT(html, Not(HasSubstr("<script")));
    EXPECT_THAT(html, Not(HasSubstr("url(")));
  }
}

TEST(ReportTest, ToleratesOddlyTypedEvaluation) {
  const std::string html = Render({{"model", {{"name", "m"}}},
                                   {"evaluation",
                                    {{"task", "classification"},
                                     {"per_class", {1, "x", {{"class", 5}}}},
                                     {"roc", "nope"},
                                     {"confusion_matrix", {{"matrix", {{1, "a"}, 3}}}},
                                     {"calibration", {{"bins", {{{"lower", "?"}}}}}}}}});
  EXPECT_TRUE(HasSection(html, "metrics"));
  EXPECT_TRUE(HasSection(html, "confusion"));
  EXPECT_FALSE(HasSection(html, "roc"));
}

TEST(ReportTest, RejectsMalformedInput) {
  struct Case {
    Json input;
    std::string message;
  };
  const std::vector<Case> cases = {
      {Json::array(), "report input must be a JSON object"},
      {Json::object(), "report input needs a 'model' object"},
      {{{"model", "m"}}, "report input field 'model' must be a JSON object"},
      {{{"model", Json::object()}, {"lineage", 3}},
       "report input field 'lineage' must be a JSON object"},
      {{{"model", Json::object()}, {"shap", Json::object()}},
       "report input field 'shap' must be a JSON array"},
  };
  for (const Case& c : cases) {
    auto result = RenderReport(c.input);
    ASSERT_FALSE(result.ok()) << c.input.dump();
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(result.status().message(), c.message);
  }
}

TEST(SvgTest, FormatsNumbersCompactly) {
  EXPECT_EQ(FormatNumber(0.123456), "0.1235");
  EXPECT_EQ(FormatNumber(12345), "12345");
  EXPECT_EQ(FormatNumber(123456.7), "1.235e+05");
  EXPECT_EQ(FormatNumber(0.30000000000000004), "0.3");
  EXPECT_EQ(FormatNumber(-0.0), "0");
  EXPECT_EQ(FormatNumber(NAN), "—");
  EXPECT_EQ(HtmlEscape("<a href='x'>&\"</a>"), "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;");
}

TEST(SvgTest, ChartsHaveTicksAndLabels) {
  ChartSpec spec;
  spec.title = "t";
  spec.x = {"Recall", 0.0, 1.0};
  spec.y = {"Precision <b>", std::nullopt, std::nullopt};
  ChartSeries s;
  s.name = "a<b";
  s.points = {{0, 0.2}, {0.5, 0.9}, {1, 0.4}};
  const std::string svg = LineChart(spec, {s});
  for (const char* tick : {">0<", ">0.2<", ">0.4<", ">0.6<", ">0.8<", ">1<"}) {
    EXPECT_THAT(svg, HasSubstr(tick));
  }
  EXPECT_THAT(svg, HasSubstr(">Recall</text>"));
  EXPECT_THAT(svg, HasSubstr(">Precision &lt;b&gt;</text>"));
  EXPECT_THAT(svg, HasSubstr(">a&lt;b</text>"));
  ExpectSvgWellFormed(svg);
  ExpectSvgWellFormed(BarChart(spec, {{"x", 1.0}, {"y", -2.0}}));
  const std::vector<double> edges = {0, 1, 2};
  const std::vector<int64_t> counts = {3, 5};
  ExpectSvgWellFormed(HistogramChart(spec, edges, counts));
}

}  // namespace
}  // namespace easel::eval
