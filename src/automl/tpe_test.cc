// The TPE sampler: its documented use of the history, and that it finds better parameters
// than random search with the same budget.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "automl/sampler.h"
#include "automl/search_space.h"

namespace easel::automl {
namespace {

using Objective = std::function<double(const Json&)>;

Json Schema() {
  Json p = Json::object();
  for (const char* n : {"x", "y", "lr", "momentum"}) p[n] = {{"type", "number"}};
  for (const char* n : {"depth", "warmup"}) p[n] = {{"type", "integer"}};
  for (const char* n : {"kind", "optimizer", "scheduler"}) p[n] = {{"type", "string"}};
  return Json{{"type", "object"}, {"properties", p}};
}

SearchSpace Space(const char* json) {
  auto space = SearchSpace::FromJson(Json::parse(json), Schema());
  EXPECT_TRUE(space.ok()) << space.status().ToString();
  return *space;
}

std::unique_ptr<Sampler> Make(const Json& config, uint64_t seed) {
  auto sampler = MakeSampler(config, seed);
  EXPECT_TRUE(sampler.ok()) << sampler.status().ToString();
  return std::move(sampler).value();
}

// Runs a sequential study; answers the best value found. Every suggestion must be valid.
double RunStudy(const Sampler& sampler, const SearchSpace& space, const Objective& f, int trials,
                std::vector<TrialRecord>* out = nullptr) {
  std::vector<TrialRecord> history;
  double best = INFINITY;
  for (int n = 0; n < trials; ++n) {
    auto a = sampler.Suggest(space, history, n);
    EXPECT_TRUE(a.ok()) << a.status().ToString();
    if (!a.ok()) return best;
    EXPECT_TRUE(space.Validate(*a).ok()) << space.Validate(*a).ToString();
    double v = f(*a);
    best = std::min(best, v);
    history.push_back(TrialRecord{n, TrialState::kComplete, *a, v, {}});
  }
  if (out != nullptr) *out = std::move(history);
  return best;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

double MedianBest(const Json& config, const SearchSpace& space, const Objective& f, int seeds,
                  int trials) {
  std::vector<double> best;
  for (int seed = 0; seed < seeds; ++seed) {
    best.push_back(RunStudy(*Make(config, 1000 + seed), space, f, trials));
  }
  return Median(best);
}

// A shifted, scaled sphere over four kinds of parameter; the optimum, 0, is at x = 1.5,
// lr = 1e-2, depth = 7, kind = "c".
constexpr char kSphereSpace[] = R"({
  "x": {"type": "uniform", "low": -5, "high": 5},
  "lr": {"type": "log_uniform", "low": 1e-5, "high": 1},
  "depth": {"type": "int", "low": 1, "high": 20},
  "kind": {"type": "categorical", "choices": ["a", "b", "c", "d"]}
})";

double Sphere(const Json& a) {
  double u1 = (a["x"].get<double>() - 1.5) / 10;
  double u2 = (std::log10(a["lr"].get<double>()) + 2) / 5;
  double u3 = (a["depth"].get<double>() - 7) / 19;
  std::string kind = a["kind"];
  double penalty = kind == "c" ? 0 : kind == "b" ? 0.1 : 0.3;
  return 10 * (u1 * u1 + u2 * u2 + u3 * u3) + penalty;
}

TEST(TpeSamplerTest, BeatsRandomSearch) {
  SearchSpace space = Space(kSphereSpace);
  const double tpe = MedianBest({{"type", "tpe"}}, space, Sphere, 40, 60);
  const double random = MedianBest({{"type", "random"}}, space, Sphere, 40, 60);
  RecordProperty("tpe_median_gap", std::to_string(tpe));
  RecordProperty("random_median_gap", std::to_string(random));
  std::printf("median gap to the optimum after 60 trials: tpe %.4f, random %.4f\n", tpe, random);
  EXPECT_LT(tpe, 0.5 * random);
}

// A narrow valley along x = y: only a joint model of (x, y) sees it.
double Valley(const Json& a) {
  double x = a["x"].get<double>(), y = a["y"].get<double>();
  return 5 * (x - y) * (x - y) + 0.1 * (x + y - 2) * (x + y - 2);
}

TEST(TpeSamplerTest, MultivariateDoesAtLeastAsWellAsRandomOnCorrelatedParameters) {
  SearchSpace space = Space(R"({"x": {"type": "uniform", "low": -5, "high": 5},
                                "y": {"type": "uniform", "low": -5, "high": 5}})");
  const double multivariate =
      MedianBest({{"type", "tpe"}, {"multivariate", true}}, space, Valley, 40, 60);
  const double random = MedianBest({{"type", "random"}}, space, Valley, 40, 60);
  std::printf("valley median best after 60 trials: multivariate tpe %.4f, random %.4f\n",
              multivariate, random);
  EXPECT_LE(multivariate, random);
}

TEST(TpeSamplerTest, LearnsTheBestChoice) {
  SearchSpace space = Space(R"({"kind": {"type": "categorical", "choices": ["a", "b", "c", "d"]},
                                "x": {"type": "uniform", "low": 0, "high": 1}})");
  auto f = [](const Json& a) { return (a["kind"] == "c" ? 0.0 : 1.0) + a["x"].get<double>(); };
  std::vector<TrialRecord> history;
  RunStudy(*Make({{"type", "tpe"}}, 3), space, f, 60, &history);
  int best_choice = 0;
  for (size_t n = 30; n < history.size(); ++n) best_choice += history[n].params["kind"] == "c";
  EXPECT_GT(best_choice, 20);  // random search would pick it about 7 times in 30
}

constexpr char kConditional[] = R"({
  "x": {"type": "uniform", "low": -5, "high": 5},
  "depth": {"type": "int", "low": 1, "high": 64, "log": true},
  "optimizer": {"type": "categorical", "choices": ["sgd", "adamw"]},
  "momentum": {"type": "uniform", "low": 0.5, "high": 0.99, "when": {"optimizer": ["sgd"]}},
  "scheduler": {"type": "categorical", "choices": ["cos", "lin"], "when": {"optimizer": ["sgd"]}},
  "warmup": {"type": "int", "low": 0, "high": 10, "step": 2, "when": {"scheduler": ["cos"]}}
})";

double ConditionalObjective(const Json& a) {
  double v = a["x"].get<double>() * a["x"].get<double>() + std::log(a["depth"].get<double>());
  if (a["optimizer"] == "sgd") {
    v += std::fabs(a["momentum"].get<double>() - 0.9);
    if (a["scheduler"] == "cos") v += std::fabs(a["warmup"].get<double>() - 4) - 1;
  }
  return v;
}

TEST(TpeSamplerTest, SuggestsValidAssignmentsWithConditions) {
  SearchSpace space = Space(kConditional);
  for (bool multivariate : {false, true}) {
    std::vector<TrialRecord> history;
    RunStudy(*Make({{"type", "tpe"}, {"multivariate", multivariate}}, 9), space,
             ConditionalObjective, 60, &history);
    int with_warmup = 0;
    for (const TrialRecord& t : history) with_warmup += t.params.contains("warmup");
    EXPECT_GT(with_warmup, 0) << multivariate;
  }
}

std::vector<TrialRecord> SphereHistory(int trials) {
  std::vector<TrialRecord> history;
  RunStudy(*Make({{"type", "random"}}, 42), Space(kSphereSpace), Sphere, trials, &history);
  return history;
}

TEST(TpeSamplerTest, StartsWithRandomSearch) {
  SearchSpace space = Space(kSphereSpace);
  auto tpe = Make({{"type", "tpe"}}, 5);
  auto random = Make({{"type", "random"}}, 5);
  std::vector<TrialRecord> history = SphereHistory(9);
  // Pruned trials without an intermediate value, running and failed trials are no evidence.
  history.push_back(TrialRecord{9, TrialState::kPruned, history[0].params, std::nullopt, {}});
  history.push_back(TrialRecord{10, TrialState::kRunning, history[1].params, std::nullopt, {}});
  history.push_back(TrialRecord{11, TrialState::kFailed, history[2].params, std::nullopt, {}});
  history.push_back(TrialRecord{12, TrialState::kComplete, history[3].params, std::nullopt, {}});
  for (int n = 13; n < 20; ++n) {
    EXPECT_EQ(tpe->Suggest(space, history, n).value(), random->Suggest(space, {}, n).value());
  }
  // A pruned trial that reported progress is the tenth piece of evidence: TPE takes over.
  history[9].intermediate = {{0, 3.0}, {1, 2.5}};
  int differ = 0;
  for (int n = 13; n < 20; ++n) {
    differ += tpe->Suggest(space, history, n).value() != random->Suggest(space, {}, n).value();
  }
  EXPECT_EQ(differ, 7);
}

TEST(TpeSamplerTest, IsDeterministicAndIgnoresRunningAndFailedTrials) {
  SearchSpace space = Space(kSphereSpace);
  auto tpe = Make({{"type", "tpe"}}, 5);
  auto same_seed = Make({{"type", "tpe"}}, 5);
  std::vector<TrialRecord> history = SphereHistory(30);
  std::vector<TrialRecord> reordered(history.rbegin(), history.rend());
  std::vector<TrialRecord> noisy = history;
  Json junk = {{"x", 0.0}, {"lr", 1e-2}, {"depth", 7}, {"kind", "c"}};
  noisy.push_back(TrialRecord{30, TrialState::kRunning, junk, std::nullopt, {}});
  noisy.push_back(TrialRecord{31, TrialState::kFailed, junk, std::nullopt, {{0, -100.0}}});
  for (int n = 40; n < 45; ++n) {
    Json a = tpe->Suggest(space, history, n).value();
    EXPECT_EQ(a, same_seed->Suggest(space, history, n).value());
    EXPECT_EQ(a, tpe->Suggest(space, reordered, n).value());
    EXPECT_EQ(a, tpe->Suggest(space, noisy, n).value());
    EXPECT_NE(a, tpe->Suggest(space, history, n + 1).value());
  }
  // A trial that no longer fits the space is skipped as evidence rather than failing.
  std::vector<TrialRecord> misfit = history;
  misfit.push_back(TrialRecord{32, TrialState::kComplete, {{"x", 50}, {"kind", 3}}, -1.0, {}});
  auto a = tpe->Suggest(space, misfit, 40);
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(space.Validate(*a).ok());
  EXPECT_EQ(tpe->Suggest(space, history, -1).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace easel::automl
