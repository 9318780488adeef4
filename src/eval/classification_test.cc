#include "eval/classification.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "eval/test_inputs.h"

// The reference numbers below come from scikit-learn 1.2.1 / numpy 1.24 (Debian 12's
// python3-sklearn): save this script as gen.py and run `/usr/bin/python3 -W ignore gen.py`.
// Its generators mirror test_inputs.h.
// clang-format off
//
//   import numpy as np
//   from sklearn import metrics as M
//   from sklearn.calibration import calibration_curve
//
//   def lcg(seed):
//       while True:
//           seed = (1103515245 * seed + 12345) % 2**31
//           yield seed >> 16
//
//   def make(n, k, seed, label_classes):
//       g, P, y = lcg(seed), [], []
//       for _ in range(n):
//           lab = next(g) % label_classes
//           w = [1 + next(g) % 8 for _ in range(k)]
//           w[lab] += next(g) % 6
//           P.append([np.float32(x / sum(w)) for x in w])
//           y.append(lab)
//       return np.array(P, dtype=np.float32).astype(np.float64), np.array(y)
//
//   def perfect(n, k, seed):
//       g = lcg(seed); y = np.array([next(g) % k for _ in range(n)])
//       return np.eye(k)[y], y
//
//   def constant(n, seed):
//       g = lcg(seed); y = np.array([next(g) % 2 for _ in range(n)])
//       return np.tile(np.float32([0.4, 0.6]).astype(np.float64), (n, 1)), y
//
//   def cpp(v):
//       if v is None: return "std::nullopt"
//       if isinstance(v, (list, tuple, np.ndarray)):
//           return "{" + ", ".join(cpp(x) for x in v) + "}"
//       return repr(float(v)) if isinstance(v, (float, np.floating)) else str(v)
//
//   def reference(P, y, bins=10):
//       k = P.shape[1]; L = list(range(k)); pred = P.argmax(1); cls = [1] if k == 2 else L
//       p, r, f, s = M.precision_recall_fscore_support(y, pred, labels=L, zero_division=0)
//       avg = lambda a: M.precision_recall_fscore_support(
//           y, pred, labels=L, average=a, zero_division=0)[:3]
//       conf, ok = P.max(1), pred == y
//       ids = np.searchsorted(np.linspace(0, 1, bins + 1)[1:-1], conf)
//       ece = sum((ids == b).mean() * abs(ok[ids == b].mean() - conf[ids == b].mean())
//                 for b in range(bins) if (ids == b).any())
//       cal = calibration_curve(y if k == 2 else ok, P[:, 1] if k == 2 else conf, n_bins=bins)
//       fields = [M.accuracy_score(y, pred), M.log_loss(y, P, eps=1e-15, labels=L), p, r, f, s,
//                 avg("macro"), avg("weighted"), M.confusion_matrix(y, pred, labels=L).tolist(),
//                 [M.roc_auc_score(y == c, P[:, c]) if 0 < (y == c).sum() < len(y) else None
//                  for c in cls],
//                 [M.average_precision_score(y == c, P[:, c]) if (y == c).any() else None
//                  for c in cls],
//                 M.roc_auc_score(y, P, multi_class="ovr") if len(set(y)) == k > 2 else None,
//                 ece, cal[0], cal[1]]
//       return "{" + ",\n ".join(cpp(x) for x in fields) + "}"
//
//   cases = {"Binary": make(60, 2, 7, 2), "ThreeClass": make(90, 3, 11, 3),
//            "AbsentClass": make(50, 4, 5, 3), "Perfect": perfect(12, 3, 3),
//            "Constant": constant(20, 9)}
//   for name, (P, y) in cases.items():
//       print(f"// {name}\n{reference(P, y)};")
//
// clang-format on
// Each printed brace block is one Reference below, field for field.

namespace easel::eval {
namespace {

using testing::ClassificationInput;
using ::testing::HasSubstr;

constexpr double kTol = 1e-9;

struct Reference {
  double accuracy;
  double log_loss;
  std::vector<double> precision, recall, f1;
  std::vector<int> support;
  std::vector<double> macro, weighted;  // precision, recall, f1
  std::vector<std::vector<int>> confusion;
  std::vector<std::optional<double>> auc, average_precision;  // per curve class
  std::optional<double> auc_ovr_macro;  // sklearn's multi_class="ovr", when all classes occur
  double ece;
  std::vector<double> fraction_positive, mean_predicted;  // calibration_curve, non-empty bins
};

Json Evaluate(const ClassificationInput& in) {
  auto result = EvaluateClassification(in.probs, in.num_classes, in.labels, {});
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  return result.ok() ? *result : Json();
}

void ExpectNumber(const Json& value, double expected, const std::string& what) {
  ASSERT_TRUE(value.is_number()) << what << " is " << value.dump();
  EXPECT_NEAR(value.get<double>(), expected, kTol) << what;
}

void ExpectMatches(const Json& out, const Reference& ref) {
  const size_t k = ref.precision.size();
  ExpectNumber(out["accuracy"], ref.accuracy, "accuracy");
  ExpectNumber(out["log_loss"], ref.log_loss, "log_loss");
  ASSERT_EQ(out["per_class"].size(), k);
  for (size_t c = 0; c < k; ++c) {
    const Json& m = out["per_class"][c];
    ExpectNumber(m["precision"], ref.precision[c], "precision " + std::to_string(c));
    ExpectNumber(m["recall"], ref.recall[c], "recall " + std::to_string(c));
    ExpectNumber(m["f1"], ref.f1[c], "f1 " + std::to_string(c));
    EXPECT_EQ(m["support"], ref.support[c]);
  }
  const char* keys[] = {"precision", "recall", "f1"};
  for (int i = 0; i < 3; ++i) {
    ExpectNumber(out["macro_avg"][keys[i]], ref.macro[i], std::string("macro ") + keys[i]);
    ExpectNumber(out["weighted_avg"][keys[i]], ref.weighted[i], std::string("weighted ") + keys[i]);
  }
  EXPECT_EQ(out["confusion_matrix"]["matrix"], Json(ref.confusion));

  ASSERT_EQ(out["roc"].size(), ref.auc.size());
  ASSERT_EQ(out["pr"].size(), ref.auc.size());
  double auc_sum = 0;
  int auc_count = 0;
  for (size_t i = 0; i < ref.auc.size(); ++i) {
    const Json& roc = out["roc"][i];
    const Json& pr = out["pr"][i];
    if (ref.auc[i]) {
      ExpectNumber(roc["auc"], *ref.auc[i], "auc " + std::to_string(i));
      auc_sum += *ref.auc[i];
      ++auc_count;
    } else {
      EXPECT_TRUE(roc["auc"].is_null());
      EXPECT_TRUE(roc["points"].empty());
    }
    if (ref.average_precision[i]) {
      ExpectNumber(pr["average_precision"], *ref.average_precision[i], "AP " + std::to_string(i));
    } else {
      EXPECT_TRUE(pr["average_precision"].is_null());
    }
  }
  if (k == 2) {
    ExpectNumber(out["roc_auc"], *ref.auc[0], "roc_auc");
    EXPECT_FALSE(out.contains("roc_auc_macro"));
  } else {
    ExpectNumber(out["roc_auc_macro"], auc_sum / auc_count, "roc_auc_macro");
    if (ref.auc_ovr_macro) ExpectNumber(out["roc_auc_macro"], *ref.auc_ovr_macro, "ovr macro");
    EXPECT_FALSE(out.contains("roc_auc"));
  }

  const Json& cal = out["calibration"];
  ExpectNumber(cal["ece"], ref.ece, "ece");
  EXPECT_EQ(cal["target"], k == 2 ? "positive_class" : "top_label");
  std::vector<double> fraction, mean;
  for (const Json& bin : cal["bins"]) {
    if (bin["count"] == 0) continue;
    fraction.push_back(bin["fraction_positive"].get<double>());
    mean.push_back(bin["mean_predicted"].get<double>());
  }
  ASSERT_EQ(fraction.size(), ref.fraction_positive.size());
  for (size_t b = 0; b < fraction.size(); ++b) {
    EXPECT_NEAR(fraction[b], ref.fraction_positive[b], kTol) << "bin " << b;
    EXPECT_NEAR(mean[b], ref.mean_predicted[b], kTol) << "bin " << b;
  }
}

TEST(ClassificationTest, MatchesSklearnOnBinary) {
  const Json out = Evaluate(testing::NoisyClassifier(60, 2, 7, 2));
  ExpectMatches(out,
                {0.7333333333333333,
                 0.5680908808995297,
                 {0.7575757575757576, 0.7037037037037037},
                 {0.7575757575757576, 0.7037037037037037},
                 {0.7575757575757576, 0.7037037037037037},
                 {33, 27},
                 {0.7306397306397306, 0.7306397306397306, 0.7306397306397306},
                 {0.7333333333333333, 0.7333333333333333, 0.7333333333333333},
                 {{25, 8}, {8, 19}},
                 {0.7671156004489338},
                 {0.787917858365025},
                 std::nullopt,
                 0.07523950735727944,
                 {0.0, 0.25, 0.375, 0.2222222222222222, 0.5, 0.5714285714285714, 0.8, 1.0, 1.0},
                 {0.12857143332560858, 0.24241453409194946, 0.34762175008654594, 0.45139213403066,
                  0.5560225620865822, 0.6581837364605495, 0.7587878942489624, 0.8389309744040171,
                  0.9166666865348816}});
  ASSERT_EQ(out["roc"].size(), 1u);
  EXPECT_EQ(out["roc"][0]["class"], "1");
  EXPECT_EQ(out["pr"][0]["class"], "1");
}

TEST(ClassificationTest, MatchesSklearnOnThreeClasses) {
  ExpectMatches(Evaluate(testing::NoisyClassifier(90, 3, 11, 3)),
                {0.6222222222222222,
                 0.8747345198469654,
                 {0.5757575757575758, 0.625, 0.68},
                 {0.6129032258064516, 0.6666666666666666, 0.5862068965517241},
                 {0.59375, 0.6451612903225806, 0.6296296296296295},
                 {31, 30, 29},
                 {0.626919191919192, 0.621925596341614, 0.6228469733174034},
                 {0.6257609427609429, 0.6222222222222222, 0.6224483107659631},
                 {{19, 7, 5}, {7, 20, 3}, {7, 5, 17}},
                 {0.7651722252597047, 0.8102777777777778, 0.823911814584511},
                 {0.6188249586510252, 0.7266488123911644, 0.6804201799196716},
                 0.7997872725406645,
                 0.1744383255640666,
                 {0.25, 0.6444444444444445, 0.7692307692307693, 0.7857142857142857, 1.0},
                 {0.37712611071765423, 0.4596156789196862, 0.5429687270751367, 0.6506863789899009,
                  0.7418300807476044}});
}

TEST(ClassificationTest, ClassAbsentFromLabelsHasNullCurvesAndZeroScores) {
  ExpectMatches(
      Evaluate(testing::NoisyClassifier(50, 4, 5, 3)),
      {0.46,
       1.1976310875230711,
       {0.625, 0.5, 0.6, 0.0},
       {0.625, 0.4375, 0.3333333333333333, 0.0},
       {0.625, 0.4666666666666667, 0.42857142857142855, 0.0},
       {16, 16, 18, 0},
       {0.43125, 0.3489583333333333, 0.38005952380952385},
       {0.576, 0.46, 0.5036190476190476},
       {{10, 2, 2, 2}, {2, 7, 2, 5}, {4, 5, 6, 3}, {0, 0, 0, 0}},
       {0.7637867647058822, 0.7849264705882353, 0.7109375, std::nullopt},
       {0.671811730660236, 0.6516735736276555, 0.5940512558028151, std::nullopt},
       std::nullopt,
       0.10894562423229219,
       {0.0, 0.4166666666666667, 0.5555555555555556, 0.75},
       {0.2807881832122803, 0.3472275088230769, 0.44841942687829334, 0.5677154064178467}});
}

TEST(ClassificationTest, MatchesSklearnOnPerfectClassifier) {
  ExpectMatches(Evaluate(testing::PerfectClassifier(12, 3, 3)), {1.0,
                                                                 2.1094237467878e-15,
                                                                 {1.0, 1.0, 1.0},
                                                                 {1.0, 1.0, 1.0},
                                                                 {1.0, 1.0, 1.0},
                                                                 {5, 3, 4},
                                                                 {1.0, 1.0, 1.0},
                                                                 {1.0, 1.0, 1.0},
                                                                 {{5, 0, 0}, {0, 3, 0}, {0, 0, 4}},
                                                                 {1.0, 1.0, 1.0},
                                                                 {1.0, 1.0, 1.0},
                                                                 1.0,
                                                                 0.0,
                                                                 {1.0},
                                                                 {1.0}});
}

TEST(ClassificationTest, MatchesSklearnOnConstantPredictor) {
  const Json out = Evaluate(testing::ConstantClassifier(20, 9));
  ExpectMatches(out, {0.7,
                      0.6324651537149133,
                      {0.0, 0.7},
                      {0.0, 1.0},
                      {0.0, 0.8235294117647058},
                      {6, 14},
                      {0.35, 0.5, 0.4117647058823529},
                      {0.48999999999999994, 0.7, 0.5764705882352941},
                      {{0, 6}, {0, 14}},
                      {0.5},
                      {0.7},
                      std::nullopt,
                      0.09999997615814205,
                      {0.7},
                      {0.6000000238418579}});
  // One threshold: the ROC is the chance diagonal, nothing in between.
  EXPECT_EQ(out["roc"][0]["points"], Json::parse("[[0.0, 0.0], [1.0, 1.0]]"));
}

TEST(ClassificationTest, NamesClassesAndDefaultsToIndices) {
  const auto in = testing::NoisyClassifier(30, 3, 1, 3);
  auto named = EvaluateClassification(in.probs, 3, in.labels, {"cat", "dog", "bird"});
  ASSERT_TRUE(named.ok()) << named.status().ToString();
  EXPECT_EQ((*named)["confusion_matrix"]["labels"], Json::parse(R"(["cat","dog","bird"])"));
  EXPECT_EQ((*named)["per_class"][2]["class"], "bird");
  EXPECT_EQ((*named)["roc"][1]["class"], "dog");
  const Json unnamed = Evaluate(in);
  EXPECT_EQ(unnamed["confusion_matrix"]["labels"], Json::parse(R"(["0","1","2"])"));
  EXPECT_EQ(unnamed["task"], "classification");
  EXPECT_EQ(unnamed["num_samples"], 30);
  EXPECT_EQ(unnamed["num_classes"], 3);
}

TEST(ClassificationTest, CalibrationKeepsEveryBin) {
  const auto in = testing::NoisyClassifier(200, 3, 2, 3);
  auto out = EvaluateClassification(in.probs, 3, in.labels, {}, {.bins = 5});
  ASSERT_TRUE(out.ok());
  const Json& bins = (*out)["calibration"]["bins"];
  ASSERT_EQ(bins.size(), 5u);
  int64_t total = 0;
  for (size_t b = 0; b < bins.size(); ++b) {
    EXPECT_NEAR(bins[b]["lower"].get<double>(), b * 0.2, 1e-12);
    EXPECT_NEAR(bins[b]["upper"].get<double>(), (b + 1) * 0.2, 1e-12);
    total += bins[b]["count"].get<int64_t>();
    if (bins[b]["count"] == 0) {
      EXPECT_TRUE(bins[b]["mean_predicted"].is_null());
    }
  }
  EXPECT_EQ(total, 200);
  // Top-label confidence of 3 classes is at least 1/3: the first bin is empty.
  EXPECT_EQ(bins[0]["count"], 0);
}

TEST(ClassificationTest, CurvesAreThinnedButExactAtTheirEnds) {
  const auto in = testing::NoisyClassifier(3000, 3, 4, 3);
  auto out = EvaluateClassification(in.probs, 3, in.labels, {}, {.max_curve_points = 40});
  ASSERT_TRUE(out.ok());
  for (const Json& roc : (*out)["roc"]) {
    ASSERT_LE(roc["points"].size(), 40u);
    ASSERT_GE(roc["points"].size(), 10u);
    EXPECT_EQ(roc["points"].front(), Json::parse("[0.0, 0.0]"));
    EXPECT_EQ(roc["points"].back(), Json::parse("[1.0, 1.0]"));
  }
  for (const Json& pr : (*out)["pr"]) {
    ASSERT_LE(pr["points"].size(), 40u);
    EXPECT_EQ(pr["points"].front(), Json::parse("[0.0, 1.0]"));
    EXPECT_EQ(pr["points"].back()[0], 1.0);
  }
}

// --- Bad input: each answers INVALID_ARGUMENT with a sentence naming the problem.

void ExpectInvalid(const Result<Json>& result, const std::string& message_part) {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr(message_part));
}

TEST(ClassificationTest, RejectsEmptyInput) {
  ExpectInvalid(EvaluateClassification({}, 2, {}, {}), "no samples to evaluate: labels is empty");
}

TEST(ClassificationTest, RejectsFewerThanTwoClasses) {
  const std::vector<float> probs = {1, 1};
  const std::vector<int> labels = {0, 0};
  ExpectInvalid(EvaluateClassification(probs, 1, labels, {}),
                "num_classes must be at least 2, got 1");
}

TEST(ClassificationTest, RejectsProbabilityCountMismatch) {
  const std::vector<float> probs = {0.5, 0.5, 0.5, 0.5, 0.5};
  const std::vector<int> labels = {0, 1, 0};
  ExpectInvalid(EvaluateClassification(probs, 2, labels, {}),
                "probs has 5 values but 3 labels × 2 classes need 6");
}

TEST(ClassificationTest, RejectsClassNamesMismatch) {
  const std::vector<float> probs = {0.5, 0.5};
  const std::vector<int> labels = {0};
  ExpectInvalid(EvaluateClassification(probs, 2, labels, {"a", "b", "c"}),
                "class_names has 3 names but num_classes is 2");
}

TEST(ClassificationTest, RejectsLabelsOutOfRange) {
  const std::vector<float> probs = {0.5, 0.5, 0.5, 0.5};
  ExpectInvalid(EvaluateClassification(probs, 2, std::vector<int>{0, 2}, {}),
                "label 2 at row 1 is outside [0, 2)");
  ExpectInvalid(EvaluateClassification(probs, 2, std::vector<int>{-1, 0}, {}),
                "label -1 at row 0 is outside [0, 2)");
}

TEST(ClassificationTest, RejectsValuesThatAreNotProbabilities) {
  const std::vector<int> labels = {0, 1};
  ExpectInvalid(EvaluateClassification(std::vector<float>{0.5, 0.5, NAN, 0.5}, 2, labels, {}),
                "probability at row 1, class 0 is NaN");
  ExpectInvalid(EvaluateClassification(std::vector<float>{0.5, -0.25, 0.5, 0.5}, 2, labels, {}),
                "probability at row 0, class 1 is negative (-0.250000)");
  ExpectInvalid(EvaluateClassification(std::vector<float>{0.5, 0.5, 0.5, INFINITY}, 2, labels, {}),
                "probability at row 1, class 1 is infinite");
  ExpectInvalid(EvaluateClassification(std::vector<float>{0.5, 0.5, 1.5, 0.5}, 2, labels, {}),
                "probability at row 1, class 0 is greater than 1");
}

TEST(ClassificationTest, RejectsBadOptions) {
  const std::vector<float> probs = {0.5, 0.5};
  const std::vector<int> labels = {0};
  ExpectInvalid(EvaluateClassification(probs, 2, labels, {}, {.bins = 0}),
                "bins must be between 1 and 1000, got 0");
  ExpectInvalid(EvaluateClassification(probs, 2, labels, {}, {.max_curve_points = 1}),
                "max_curve_points must be at least 2, got 1");
}

}  // namespace
}  // namespace easel::eval
