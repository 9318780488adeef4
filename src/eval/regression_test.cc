#include "eval/regression.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "eval/test_inputs.h"

// Reference numbers from scikit-learn 1.2.1 / numpy 1.24 (Debian 12's python3-sklearn), run
// as `/usr/bin/python3 -W ignore reg.py` on this script (its generator mirrors
// test_inputs.h's NoisyRegressor):
// clang-format off
//
//   import numpy as np
//   from sklearn import metrics as M
//
//   def lcg(seed):
//       while True:
//           seed = (1103515245 * seed + 12345) % 2**31
//           yield seed >> 16
//
//   def make(n, seed, offset, zero_every=0):
//       g, t, p = lcg(seed), [], []
//       for i in range(n):
//           tv = np.float32((next(g) % 1000) / 10.0 + offset)
//           if zero_every and i % zero_every == 0: tv = np.float32(0)
//           t.append(tv)
//           p.append(np.float32(float(tv) + ((next(g) % 200) - 100) / 25.0))
//       f64 = lambda a: np.array(a, dtype=np.float32).astype(np.float64)
//       return f64(p), f64(t)
//
//   cases = {"Noisy": make(200, 3, -50.05), "ZeroTruth": make(40, 8, -50.0, zero_every=7)}
//   for name, (p, t) in cases.items():
//       counts, edges = np.histogram(t - p, bins=20)
//       scores = [M.mean_squared_error(t, p, squared=False), M.mean_absolute_error(t, p),
//                 M.r2_score(t, p), M.mean_absolute_percentage_error(t, p), M.max_error(t, p)]
//       print(name, [repr(v) for v in scores], counts.tolist(), [repr(e) for e in edges])
//
// clang-format on
// It prints [rmse, mae, r2, mape, max_error], the histogram counts and the edges per case.

namespace easel::eval {
namespace {

using ::testing::HasSubstr;

struct Reference {
  double rmse, mae, r2, mape, max_error;
  std::vector<int64_t> counts;
  std::vector<double> edges;
};

void ExpectRelNear(const Json& value, double expected, const char* what) {
  ASSERT_TRUE(value.is_number()) << what;
  EXPECT_NEAR(value.get<double>(), expected, 1e-9 * std::max(1.0, std::abs(expected))) << what;
}

void ExpectMatches(const testing::RegressionInput& in, const Reference& ref) {
  auto result = EvaluateRegression(in.predicted, in.truth);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const Json& out = *result;
  EXPECT_EQ(out["task"], "regression");
  EXPECT_EQ(out["num_samples"], in.truth.size());
  ExpectRelNear(out["rmse"], ref.rmse, "rmse");
  ExpectRelNear(out["mae"], ref.mae, "mae");
  ExpectRelNear(out["r2"], ref.r2, "r2");
  ExpectRelNear(out["mape"], ref.mape, "mape");
  ExpectRelNear(out["max_error"], ref.max_error, "max_error");
  const Json& hist = out["residuals"]["histogram"];
  EXPECT_EQ(hist["counts"], Json(ref.counts));
  ASSERT_EQ(hist["edges"].size(), ref.edges.size());
  for (size_t i = 0; i < ref.edges.size(); ++i) {
    EXPECT_NEAR(hist["edges"][i].get<double>(), ref.edges[i], 1e-12) << "edge " << i;
  }
  // Few samples: every one is a scatter point, residual = truth − predicted.
  const Json& points = out["residuals"]["points"];
  ASSERT_EQ(points.size(), in.truth.size());
  EXPECT_DOUBLE_EQ(points[3][0].get<double>(), in.predicted[3]);
  EXPECT_DOUBLE_EQ(points[3][1].get<double>(),
                   static_cast<double>(in.truth[3]) - static_cast<double>(in.predicted[3]));
}

TEST(RegressionTest, MatchesSklearn) {
  ExpectMatches(
      testing::NoisyRegressor(200, 3, -50.05),
      {2.2717569961893465,
       1.97440002579242,
       0.9945187029109998,
       0.9012440390248951,
       3.91999988630414,
       {11, 13, 6, 6, 8, 14, 11, 6, 10, 12, 6, 11, 13, 8, 13, 11, 7, 11, 9, 14},
       {-3.91999988630414,   -3.5319998843595384, -3.143999882414937,   -2.7559998804703354,
        -2.367999878525734,  -1.9799998765811324, -1.5919998746365307,  -1.2039998726919294,
        -0.8159998707473277, -0.427999868802726,  -0.03999986685812473, 0.348000135086477,
        0.7360001370310787,  1.1240001389756804,  1.5120001409202812,   1.900000142864883,
        2.2880001448094847,  2.6760001467540864,  3.064000148698688,    3.452000150643289,
        3.8400001525878906}});
}

// A zero truth divides by float64 eps, as sklearn does: a huge but finite MAPE.
TEST(RegressionTest, MatchesSklearnWithZeroTruths) {
  ExpectMatches(
      testing::NoisyRegressor(40, 8, -50.0, 7),
      {2.554971518660233,
       2.2949998930096625,
       0.9912055009342603,
       1828461449786163.2,
       3.880000114440918,
       {5, 0, 3, 4, 1, 1, 2, 2, 0, 2, 1, 0, 2, 4, 2, 0, 4, 1, 3, 3},
       {-3.8400001525878906, -3.45400013923645,    -3.0680001258850096,  -2.6820001125335695,
        -2.296000099182129,  -1.9100000858306885,  -1.5240000724792484,  -1.1380000591278079,
        -0.7520000457763674, -0.36600003242492685, 0.019999980926513672, 0.40599999427795375,
        0.7920000076293938,  1.1780000209808348,   1.5640000343322749,   1.9500000476837158,
        2.336000061035156,   2.722000074386596,    3.108000087738037,    3.494000101089477,
        3.880000114440918}});
}

// r2_score([3, 3, 3], [3, 3, 3]) == 1.0 and r2_score([3, 3, 3], [2, 3, 4]) == 0.0;
// np.histogram(np.zeros(3), bins=20) spans [-0.5, 0.5] and counts 3 in bin 10.
TEST(RegressionTest, ConstantTruthFollowsSklearn) {
  const std::vector<float> truth = {0.1f, 0.1f, 0.1f};
  auto exact = EvaluateRegression(truth, truth);
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ((*exact)["r2"], 1.0);
  EXPECT_EQ((*exact)["rmse"], 0.0);
  const Json& hist = (*exact)["residuals"]["histogram"];
  EXPECT_DOUBLE_EQ(hist["edges"].front().get<double>(), -0.5);
  EXPECT_DOUBLE_EQ(hist["edges"].back().get<double>(), 0.5);
  EXPECT_EQ(hist["counts"][10], 3);
  auto off = EvaluateRegression(std::vector<float>{2, 3, 4}, std::vector<float>{3, 3, 3});
  ASSERT_TRUE(off.ok());
  EXPECT_EQ((*off)["r2"], 0.0);
  EXPECT_DOUBLE_EQ((*off)["max_error"].get<double>(), 1.0);
}

TEST(RegressionTest, SingleSampleHasNoR2) {
  auto out = EvaluateRegression(std::vector<float>{1.5}, std::vector<float>{2});
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE((*out)["r2"].is_null());
  EXPECT_DOUBLE_EQ((*out)["mae"].get<double>(), 0.5);
}

TEST(RegressionTest, SamplesResidualPointsEvenly) {
  const auto in = testing::NoisyRegressor(1000, 5, 1.0);
  auto out = EvaluateRegression(in.predicted, in.truth, {.bins = 7, .max_points = 100});
  ASSERT_TRUE(out.ok());
  const Json& points = (*out)["residuals"]["points"];
  ASSERT_EQ(points.size(), 100u);
  for (size_t j : {0u, 1u, 57u, 99u}) {
    EXPECT_DOUBLE_EQ(points[j][0].get<double>(), in.predicted[j * 10]) << j;
  }
  EXPECT_EQ((*out)["residuals"]["histogram"]["counts"].size(), 7u);
  int64_t total = 0;
  for (const Json& c : (*out)["residuals"]["histogram"]["counts"]) total += c.get<int64_t>();
  EXPECT_EQ(total, 1000);
}

void ExpectInvalid(const Result<Json>& result, const std::string& message_part) {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr(message_part));
}

TEST(RegressionTest, RejectsBadInput) {
  const std::vector<float> two = {1, 2};
  ExpectInvalid(EvaluateRegression(two, std::vector<float>{1, 2, 3}),
                "predicted has 2 values but truth has 3");
  ExpectInvalid(EvaluateRegression({}, {}), "no samples to evaluate: truth is empty");
  ExpectInvalid(EvaluateRegression(std::vector<float>{1, NAN}, two),
                "predicted value at index 1 is NaN");
  ExpectInvalid(EvaluateRegression(two, std::vector<float>{-INFINITY, 2}),
                "truth value at index 0 is infinite");
  ExpectInvalid(EvaluateRegression(two, two, {.bins = 0}), "bins must be between 1 and 1000");
  ExpectInvalid(EvaluateRegression(two, two, {.max_points = 0}), "max_points must be at least 1");
}

}  // namespace
}  // namespace easel::eval
