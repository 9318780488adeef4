// Random and grid samplers, and the sampler factory.

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "automl/grid_sampler.h"
#include "automl/random_sampler.h"
#include "automl/sampler.h"
#include "automl/search_space.h"

namespace easel::automl {
namespace {

using ::testing::HasSubstr;

Json Schema() {
  Json p = Json::object();
  for (const char* n : {"lr", "dropout", "momentum", "weight"}) p[n] = {{"type", "number"}};
  for (const char* n : {"depth", "layers", "warmup", "batch"}) p[n] = {{"type", "integer"}};
  for (const char* n : {"optimizer", "scheduler"}) p[n] = {{"type", "string"}};
  return Json{{"type", "object"}, {"properties", p}};
}

SearchSpace Space(const char* json) {
  auto space = SearchSpace::FromJson(Json::parse(json), Schema());
  EXPECT_TRUE(space.ok()) << space.status().ToString();
  return *space;
}

// Every domain kind, with a nested condition chain.
constexpr char kMixed[] = R"({
  "lr": {"type": "log_uniform", "low": 1e-5, "high": 1},
  "dropout": {"type": "uniform", "low": 0.1, "high": 0.5},
  "depth": {"type": "int", "low": 2, "high": 10, "step": 2},
  "batch": {"type": "int", "low": 1, "high": 1000, "log": true},
  "optimizer": {"type": "categorical", "choices": ["sgd", "adamw", "adam"]},
  "momentum": {"type": "uniform", "low": 0.5, "high": 0.99, "when": {"optimizer": ["sgd"]}},
  "scheduler": {"type": "categorical", "choices": ["cos", "lin"],
                "when": {"optimizer": ["sgd", "adamw"]}},
  "warmup": {"type": "int", "low": 0, "high": 5, "when": {"scheduler": ["cos"]}}
})";

std::unique_ptr<Sampler> Make(const Json& config, uint64_t seed = 7) {
  auto sampler = MakeSampler(config, seed);
  EXPECT_TRUE(sampler.ok()) << sampler.status().ToString();
  return std::move(sampler).value();
}

TEST(RandomSamplerTest, RespectsDomainsAndConditions) {
  SearchSpace space = Space(kMixed);
  auto sampler = Make({{"type", "random"}});
  std::map<int64_t, int> depths;
  std::set<int64_t> batches;
  int small_batches = 0, lr_below_geometric_mean = 0, momentum_seen = 0, sgd = 0, warmup_seen = 0,
      cos = 0;
  const int kDraws = 3000;
  for (int n = 0; n < kDraws; ++n) {
    auto a = sampler->Suggest(space, {}, n);
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    ASSERT_TRUE(space.Validate(*a).ok()) << space.Validate(*a).ToString() << " " << a->dump();
    ASSERT_TRUE((*a)["depth"].is_number_integer());
    ASSERT_TRUE((*a)["lr"].is_number_float());
    depths[(*a)["depth"].get<int64_t>()]++;
    batches.insert((*a)["batch"].get<int64_t>());
    small_batches += (*a)["batch"].get<int64_t>() <= 10;
    if ((*a)["lr"].get<double>() < std::sqrt(1e-5)) ++lr_below_geometric_mean;
    sgd += (*a)["optimizer"] == "sgd";
    momentum_seen += a->contains("momentum");
    cos += a->contains("scheduler") && (*a)["scheduler"] == "cos";
    warmup_seen += a->contains("warmup");
  }
  // Every step value, equally often; log-uniform puts half the mass below the geometric mean.
  EXPECT_EQ(depths.size(), 5u);
  for (const auto& [depth, count] : depths) EXPECT_NEAR(count, kDraws / 5, kDraws / 5 * 0.2);
  EXPECT_NEAR(lr_below_geometric_mean, kDraws / 2, kDraws * 0.05);
  // Log-scaled int: each integer gets the log-width of its cell [v - 0.5, v + 0.5], so about
  // 40% of the draws are at most 10.
  EXPECT_TRUE(batches.count(1));
  EXPECT_GT(*batches.rbegin(), 500);
  EXPECT_NEAR(small_batches, kDraws * std::log(10.5 / 0.5) / std::log(1000.5 / 0.5), kDraws * 0.04);
  EXPECT_EQ(momentum_seen, sgd);
  EXPECT_EQ(warmup_seen, cos);
  EXPECT_NEAR(sgd, kDraws / 3, kDraws * 0.05);
  EXPECT_GT(cos, kDraws / 5);
}

TEST(RandomSamplerTest, IsDeterministicPerSeedAndNumber) {
  SearchSpace space = Space(kMixed);
  auto a = Make({{"type", "random"}}, 1);
  auto b = Make({{"type", "random"}}, 1);
  auto c = Make({{"type", "random"}}, 2);
  TrialRecord old{0, TrialState::kComplete, a->Suggest(space, {}, 0).value(), 1.0, {}};
  for (int n = 0; n < 20; ++n) {
    Json x = a->Suggest(space, {}, n).value();
    EXPECT_EQ(x, b->Suggest(space, {}, n).value());
    EXPECT_EQ(x, a->Suggest(space, std::span(&old, 1), n).value());
    EXPECT_NE(x, c->Suggest(space, {}, n).value());
    EXPECT_NE(x, a->Suggest(space, {}, n + 1).value());
  }
  EXPECT_EQ(a->Suggest(space, {}, -1).status().code(), StatusCode::kInvalidArgument);
}

constexpr char kGridSpace[] = R"({
  "lr": {"type": "log_uniform", "low": 1e-4, "high": 1e-2},
  "depth": {"type": "int", "low": 2, "high": 6, "step": 2},
  "optimizer": {"type": "categorical", "choices": ["sgd", "adamw"]},
  "momentum": {"type": "uniform", "low": 0.5, "high": 0.9, "when": {"optimizer": ["sgd"]}}
})";

std::vector<Json> AllPoints(const Sampler& sampler, const SearchSpace& space, int64_t* stop) {
  std::vector<Json> points;
  for (int64_t n = 0;; ++n) {
    auto a = sampler.Suggest(space, {}, n);
    if (!a.ok()) {
      EXPECT_EQ(a.status().code(), StatusCode::kOutOfRange) << a.status().ToString();
      *stop = n;
      return points;
    }
    points.push_back(*a);
  }
}

TEST(GridSamplerTest, EnumeratesTheConditionalProductOnce) {
  SearchSpace space = Space(kGridSpace);
  auto sampler = Make({{"type", "grid"}, {"grid_points", 3}});
  int64_t stop = 0;
  std::vector<Json> points = AllPoints(*sampler, space, &stop);
  // The expected points, built independently: momentum only varies under sgd.
  std::set<std::string> expected;
  for (double lr : {1e-4, 1e-3, 1e-2}) {
    for (int depth : {2, 4, 6}) {
      for (double momentum : {0.5, 0.7, 0.9}) {
        expected.insert(
            Json{{"lr", lr}, {"depth", depth}, {"optimizer", "sgd"}, {"momentum", momentum}}
                .dump());
      }
      expected.insert(Json{{"lr", lr}, {"depth", depth}, {"optimizer", "adamw"}}.dump());
    }
  }
  EXPECT_EQ(stop, 36);
  ASSERT_EQ(points.size(), 36u);
  std::set<std::string> seen;
  for (Json& p : points) {
    EXPECT_TRUE(space.Validate(p).ok()) << p.dump();
    // Log-spaced and evenly spaced points land on round numbers up to rounding.
    for (const char* key : {"lr", "momentum"}) {
      if (p.contains(key)) p[key] = std::stod(fmt::format("{:.6g}", p[key].get<double>()));
    }
    seen.insert(p.dump());
  }
  EXPECT_EQ(seen, expected);
  // The fixed order: the first parameter (lr) varies slowest, the last (momentum) fastest.
  EXPECT_EQ(points[0]["lr"], 1e-4);
  EXPECT_EQ(points[0]["depth"], 2);
  EXPECT_EQ(points[0]["optimizer"], "sgd");
  EXPECT_EQ(points[0]["momentum"], 0.5);
  EXPECT_DOUBLE_EQ(points[1]["momentum"].get<double>(), 0.7);
  EXPECT_EQ(points[3], Json({{"lr", 1e-4}, {"depth", 2}, {"optimizer", "adamw"}}));
  EXPECT_EQ(points[35]["lr"], 1e-2);

  auto grid = MakeGridSampler({{"type", "grid"}, {"grid_points", 3}}, 0);
  EXPECT_EQ(static_cast<GridSampler&>(**grid).Size(space).value(), 36);
}

TEST(GridSamplerTest, ShuffleKeepsThePointsAndFollowsTheSeed) {
  SearchSpace space = Space(kGridSpace);
  int64_t stop = 0;
  auto plain = AllPoints(*Make({{"type", "grid"}, {"grid_points", 2}}), space, &stop);
  auto shuffled =
      AllPoints(*Make({{"type", "grid"}, {"grid_points", 2}, {"shuffle", true}}, 3), space, &stop);
  auto again =
      AllPoints(*Make({{"type", "grid"}, {"grid_points", 2}, {"shuffle", true}}, 3), space, &stop);
  auto other =
      AllPoints(*Make({{"type", "grid"}, {"grid_points", 2}, {"shuffle", true}}, 4), space, &stop);
  EXPECT_EQ(shuffled, again);
  EXPECT_NE(shuffled, plain);
  EXPECT_NE(shuffled, other);
  auto dumps = [](const std::vector<Json>& v) {
    std::multiset<std::string> out;
    for (const Json& j : v) out.insert(j.dump());
    return out;
  };
  EXPECT_EQ(dumps(shuffled), dumps(plain));
  EXPECT_EQ(plain.size(), 18u);
}

TEST(GridSamplerTest, ContinuousDomainsNeedGridPoints) {
  SearchSpace space = Space(kGridSpace);
  auto result = Make({{"type", "grid"}})->Suggest(space, {}, 0);
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr("search_space.lr"));
  EXPECT_THAT(result.status().message(), HasSubstr("grid_points"));
  // Categorical and int parameters alone need none.
  SearchSpace discrete = Space(R"({"depth": {"type": "int", "low": 1, "high": 3},
                "optimizer": {"type": "categorical", "choices": ["a", "b"]}})");
  int64_t stop = 0;
  EXPECT_EQ(AllPoints(*Make({{"type", "grid"}}), discrete, &stop).size(), 6u);
}

TEST(GridSamplerTest, RejectsWideIntRangesAndHugeGrids) {
  auto sampler = Make({{"type", "grid"}});
  auto wide =
      sampler->Suggest(Space(R"({"batch": {"type": "int", "low": 1, "high": 5000}})"), {}, 0);
  EXPECT_EQ(wide.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(wide.status().message(), HasSubstr("search_space.batch"));
  auto stepped = sampler->Suggest(
      Space(R"({"batch": {"type": "int", "low": 1, "high": 5000, "step": 100}})"), {}, 0);
  EXPECT_TRUE(stepped.ok()) << stepped.status().ToString();
  auto huge = sampler->Suggest(Space(R"({"batch": {"type": "int", "low": 1, "high": 1000},
                                         "depth": {"type": "int", "low": 1, "high": 1000}})"),
                               {}, 0);
  EXPECT_EQ(huge.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(huge.status().message(), HasSubstr("100000"));
}

struct BadConfig {
  const char* name;
  const char* config;
  const char* words;
};

class BadSamplerConfigTest : public ::testing::TestWithParam<BadConfig> {};

TEST_P(BadSamplerConfigTest, IsRejected) {
  auto result = MakeSampler(Json::parse(GetParam().config), 1);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr(GetParam().words));
}

const BadConfig kBadConfigs[] = {
    {"NotObject", R"("tpe")", "known types: grid, random, tpe"},
    {"MissingType", R"({"seed": 1})", "known types: grid, random, tpe"},
    {"UnknownType", R"({"type": "bayes"})", "'bayes' is not known; known types: grid, random, tpe"},
    {"RandomOption", R"({"type": "random", "n_startup_trials": 3})",
     "'n_startup_trials' is not known for random; known options: none"},
    {"GridOption", R"({"type": "grid", "points": 3})", "known options: grid_points, shuffle"},
    {"GridPointsOne", R"({"type": "grid", "grid_points": 1})", "grid_points"},
    {"GridPointsString", R"({"type": "grid", "grid_points": "5"})", "grid_points"},
    {"ShuffleNotBool", R"({"type": "grid", "shuffle": 1})", "shuffle"},
    {"TpeOption", R"({"type": "tpe", "n_startup": 3})",
     "known options: n_startup_trials, n_ei_candidates, multivariate, gamma, gamma_max, "
     "prior_weight"},
    {"TpeStartupNegative", R"({"type": "tpe", "n_startup_trials": -1})", "n_startup_trials"},
    {"TpeCandidatesZero", R"({"type": "tpe", "n_ei_candidates": 0})", "n_ei_candidates"},
    {"TpeGammaZero", R"({"type": "tpe", "gamma": 0})", "gamma"},
    {"TpeGammaAboveOne", R"({"type": "tpe", "gamma": 1.5})", "gamma"},
    {"TpeGammaMaxZero", R"({"type": "tpe", "gamma_max": 0})", "gamma_max"},
    {"TpeMultivariateNotBool", R"({"type": "tpe", "multivariate": "yes"})", "multivariate"},
    {"TpePriorWeightZero", R"({"type": "tpe", "prior_weight": 0})", "prior_weight"},
};

INSTANTIATE_TEST_SUITE_P(All, BadSamplerConfigTest, ::testing::ValuesIn(kBadConfigs),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(MakeSamplerTest, ConfigurationsRoundTrip) {
  EXPECT_THAT(SamplerTypes(), ::testing::ElementsAre("grid", "random", "tpe"));
  for (const char* config :
       {R"({"type": "random"})", R"({"type": "grid", "grid_points": 4, "shuffle": true})",
        R"({"type": "grid"})", R"({"type": "tpe", "multivariate": true, "gamma": 0.2})"}) {
    auto sampler = Make(Json::parse(config));
    Json saved = sampler->ToJson();
    EXPECT_EQ(Make(saved)->ToJson(), saved) << config;
    Json given = Json::parse(config);
    for (const auto& [key, value] : given.items()) EXPECT_EQ(saved[key], value);
  }
  Json tpe = Make({{"type", "tpe"}})->ToJson();
  EXPECT_EQ(tpe["n_startup_trials"], 10);
  EXPECT_EQ(tpe["n_ei_candidates"], 24);
  EXPECT_EQ(tpe["gamma_max"], 25);
  EXPECT_EQ(tpe["multivariate"], false);
}

}  // namespace
}  // namespace easel::automl
