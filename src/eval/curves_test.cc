#include "eval/curves.h"

#include <gtest/gtest.h>

#include <vector>

#include "eval/calibration.h"
#include "eval/test_inputs.h"

namespace easel::eval {
namespace {

// Runs the curve code on the positive-class column of a binary problem.
ThresholdCounts CountsOf(const std::vector<double>& scores, const std::vector<int>& labels) {
  std::vector<uint8_t> positive;
  for (int y : labels) positive.push_back(y == 1 ? 1 : 0);
  return CountByThreshold(scores, positive);
}

void ExpectPoints(const std::vector<CurvePoint>& actual, const std::vector<CurvePoint>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    EXPECT_NEAR(actual[i][0], expected[i][0], 1e-12) << "point " << i;
    EXPECT_NEAR(actual[i][1], expected[i][1], 1e-12) << "point " << i;
  }
}

// The example in sklearn's roc_curve docstring (labels 1/2 there, 0/1 here).
TEST(CurvesTest, SklearnDocstringExample) {
  const ThresholdCounts counts = CountsOf({0.1, 0.4, 0.35, 0.8}, {0, 0, 1, 1});
  const RocCurve roc = ComputeRoc(counts);
  ExpectPoints(roc.points, {{0, 0}, {0, 0.5}, {0.5, 0.5}, {0.5, 1}, {1, 1}});
  EXPECT_DOUBLE_EQ(*roc.auc, 0.75);
  // average_precision_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.8333...
  EXPECT_NEAR(*ComputePrecisionRecall(counts).average_precision, 0.8333333333333333, 1e-12);
}

TEST(CurvesTest, TiedScoresCountHalf) {
  // roc_auc_score([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9]) == 0.875
  EXPECT_DOUBLE_EQ(*ComputeRoc(CountsOf({0.5, 0.5, 0.2, 0.9}, {0, 1, 0, 1})).auc, 0.875);
  const RocCurve all_tied = ComputeRoc(CountsOf({0.3, 0.3, 0.3}, {0, 1, 1}));
  EXPECT_DOUBLE_EQ(*all_tied.auc, 0.5);
  ExpectPoints(all_tied.points, {{0, 0}, {1, 1}});
}

TEST(CurvesTest, UndefinedWithoutBothClasses) {
  const ThresholdCounts only_negative = CountsOf({0.1, 0.7}, {0, 0});
  EXPECT_FALSE(ComputeRoc(only_negative).auc.has_value());
  EXPECT_TRUE(ComputeRoc(only_negative).points.empty());
  EXPECT_FALSE(ComputePrecisionRecall(only_negative).average_precision.has_value());
  EXPECT_FALSE(ComputeRoc(CountsOf({0.1, 0.7}, {1, 1})).auc.has_value());
  EXPECT_TRUE(ComputePrecisionRecall(CountsOf({0.1, 0.7}, {1, 1})).average_precision.has_value());
  EXPECT_TRUE(CountByThreshold({}, {}).thresholds.empty());
}

// The binary case of classification_test.cc (same generator), point for point against
//   fpr, tpr, _ = M.roc_curve(y, P[:, 1]); print(cpp(list(zip(fpr, tpr))))
//   prec, rec, _ = M.precision_recall_curve(y, P[:, 1])
//   print(cpp(list(zip(rec[::-1], prec[::-1]))))
// appended to that file's gen.py with P, y = cases["Binary"].
class SklearnCurvesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto in = testing::NoisyClassifier(60, 2, 7, 2);
    std::vector<double> scores;
    for (size_t i = 0; i < in.labels.size(); ++i) scores.push_back(in.probs[2 * i + 1]);
    counts_ = CountsOf(scores, in.labels);
  }
  ThresholdCounts counts_;
};

TEST_F(SklearnCurvesTest, RocMatchesPointForPoint) {
  ExpectPoints(ComputeRoc(counts_).points, {{0.0, 0.0},
                                            {0.0, 0.037037037037037035},
                                            {0.0, 0.14814814814814814},
                                            {0.0, 0.2222222222222222},
                                            {0.0, 0.25925925925925924},
                                            {0.030303030303030304, 0.3333333333333333},
                                            {0.030303030303030304, 0.4444444444444444},
                                            {0.12121212121212122, 0.4444444444444444},
                                            {0.12121212121212122, 0.48148148148148145},
                                            {0.12121212121212122, 0.6296296296296297},
                                            {0.12121212121212122, 0.6666666666666666},
                                            {0.15151515151515152, 0.6666666666666666},
                                            {0.21212121212121213, 0.6666666666666666},
                                            {0.24242424242424243, 0.6666666666666666},
                                            {0.24242424242424243, 0.7037037037037037},
                                            {0.36363636363636365, 0.7037037037037037},
                                            {0.48484848484848486, 0.7777777777777778},
                                            {0.5454545454545454, 0.7777777777777778},
                                            {0.5454545454545454, 0.8518518518518519},
                                            {0.6060606060606061, 0.8518518518518519},
                                            {0.6666666666666666, 0.8518518518518519},
                                            {0.7272727272727273, 0.8518518518518519},
                                            {0.7878787878787878, 0.8518518518518519},
                                            {0.8181818181818182, 0.9629629629629629},
                                            {0.8484848484848485, 0.9629629629629629},
                                            {0.8484848484848485, 1.0},
                                            {0.9090909090909091, 1.0},
                                            {0.9696969696969697, 1.0},
                                            {1.0, 1.0}});
}

TEST_F(SklearnCurvesTest, PrecisionRecallMatchesPointForPoint) {
  const PrCurve pr = ComputePrecisionRecall(counts_);
  EXPECT_NEAR(*pr.average_precision, 0.787917858365025, 1e-12);
  ExpectPoints(pr.points, {{0.0, 1.0},
                           {0.037037037037037035, 1.0},
                           {0.07407407407407407, 1.0},
                           {0.1111111111111111, 1.0},
                           {0.14814814814814814, 1.0},
                           {0.2222222222222222, 1.0},
                           {0.25925925925925924, 1.0},
                           {0.3333333333333333, 0.9},
                           {0.37037037037037035, 0.9090909090909091},
                           {0.4074074074074074, 0.9166666666666666},
                           {0.4444444444444444, 0.9230769230769231},
                           {0.4444444444444444, 0.75},
                           {0.48148148148148145, 0.7647058823529411},
                           {0.5555555555555556, 0.7894736842105263},
                           {0.6296296296296297, 0.8095238095238095},
                           {0.6666666666666666, 0.8181818181818182},
                           {0.6666666666666666, 0.782608695652174},
                           {0.6666666666666666, 0.72},
                           {0.6666666666666666, 0.6923076923076923},
                           {0.7037037037037037, 0.7037037037037037},
                           {0.7037037037037037, 0.6129032258064516},
                           {0.7407407407407407, 0.5882352941176471},
                           {0.7777777777777778, 0.5675675675675675},
                           {0.7777777777777778, 0.5526315789473685},
                           {0.7777777777777778, 0.5384615384615384},
                           {0.8518518518518519, 0.5609756097560976},
                           {0.8518518518518519, 0.5476190476190477},
                           {0.8518518518518519, 0.5348837209302325},
                           {0.8518518518518519, 0.5111111111111111},
                           {0.8518518518518519, 0.5},
                           {0.8518518518518519, 0.48936170212765956},
                           {0.8518518518518519, 0.46938775510204084},
                           {0.9629629629629629, 0.49056603773584906},
                           {0.9629629629629629, 0.48148148148148145},
                           {1.0, 0.4909090909090909},
                           {1.0, 0.48214285714285715},
                           {1.0, 0.47368421052631576},
                           {1.0, 0.4576271186440678},
                           {1.0, 0.45}});
}

TEST(ThinCurveTest, DropsCollinearPointsAndKeepsEnds) {
  const std::vector<CurvePoint> line = {{0, 0}, {0, 0.5}, {0, 1}, {0.5, 1}, {1, 1}};
  ExpectPoints(ThinCurve(line, 100), {{0, 0}, {0, 1}, {1, 1}});
  // A repeated point is dropped too; two points are left alone.
  ExpectPoints(ThinCurve({{0, 0}, {0.5, 0.2}, {0.5, 0.2}, {1, 1}}, 100),
               {{0, 0}, {0.5, 0.2}, {1, 1}});
  ExpectPoints(ThinCurve({{0, 0}, {1, 1}}, 2), {{0, 0}, {1, 1}});
}

TEST(ThinCurveTest, ThinsEvenlyToTheLimit) {
  std::vector<CurvePoint> zigzag;
  for (int i = 0; i <= 100; ++i) zigzag.push_back({i / 100.0, (i % 2) * 1.0});
  const auto thinned = ThinCurve(zigzag, 11);
  ASSERT_EQ(thinned.size(), 11u);
  EXPECT_EQ(thinned.front(), zigzag.front());
  EXPECT_EQ(thinned.back(), zigzag.back());
  EXPECT_EQ(thinned[5], zigzag[50]);
}

// Bin edges and membership follow calibration_curve: (lower, upper], the first bin from 0.
TEST(CalibrationTest, BinsLikeSklearn) {
  const std::vector<double> p = {0.0, 0.1, 0.10000001, 0.5, 1.0};
  const std::vector<uint8_t> y = {0, 0, 1, 1, 1};
  const Json bins = ReliabilityBins(p, y, 10);
  ASSERT_EQ(bins.size(), 10u);
  EXPECT_EQ(bins[0]["count"], 2);  // 0 and 0.1
  EXPECT_EQ(bins[1]["count"], 1);  // just above 0.1
  EXPECT_EQ(bins[4]["count"], 1);  // 0.5 closes the fifth bin
  EXPECT_EQ(bins[9]["count"], 1);
  EXPECT_DOUBLE_EQ(bins[0]["mean_predicted"].get<double>(), 0.05);
  EXPECT_DOUBLE_EQ(bins[0]["fraction_positive"].get<double>(), 0.0);
  EXPECT_TRUE(bins[2]["fraction_positive"].is_null());
  // |0 − 0.05|·2/5 + |1 − 0.10000001|/5 + |1 − 0.5|/5 + 0
  EXPECT_NEAR(ExpectedCalibrationError(p, y, 10), 0.02 + 0.89999999 / 5 + 0.1, 1e-12);
  EXPECT_EQ(ExpectedCalibrationError({}, {}, 10), 0.0);
}

}  // namespace
}  // namespace easel::eval
