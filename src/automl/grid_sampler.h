#pragma once
// Grid search: trial n runs the n-th point of the grid, and trials past the last point get
// OUT_OF_RANGE. Configuration: {"type": "grid", "grid_points": k, "shuffle": false}.
//
// The grid holds every categorical choice, every value of an int range (at most 1000 per
// parameter: use a step for wider ranges) and, for uniform and log_uniform, `grid_points`
// evenly spaced values from low to high (log-spaced for log_uniform); without grid_points a
// continuous parameter is an INVALID_ARGUMENT naming it. Conditions are respected: a child
// parameter only varies where its parents activate it, so no two points are the same
// assignment. The order is fixed: parameters in SearchSpace::params() order, the first varying
// slowest, values in the order of the choices or ascending. With "shuffle": true the same points
// come in an order drawn from the seed. A grid has at most 100000 points.
//
// The history is not looked at: trial numbers are expected to run 0, 1, 2, ... so each point is
// tried once.

#include <cstdint>
#include <memory>
#include <optional>

#include "automl/sampler.h"

namespace easel::automl {

inline constexpr int64_t kMaxGridPoints = 100000;
inline constexpr int64_t kMaxGridValuesPerParam = 1000;

class GridSampler final : public Sampler {
 public:
  struct Options {
    std::optional<int> grid_points;  // values per continuous parameter, in [2, 1000]
    bool shuffle = false;
  };

  GridSampler(Options options, uint64_t seed) : options_(options), seed_(seed) {}

  Result<Json> Suggest(const SearchSpace& space, std::span<const TrialRecord> history,
                       int64_t number) const override;
  Json ToJson() const override;

  // How many points the grid over `space` has; errors as Suggest.
  Result<int64_t> Size(const SearchSpace& space) const;

 private:
  Options options_;
  uint64_t seed_;
};

Result<std::unique_ptr<Sampler>> MakeGridSampler(const Json& config, uint64_t seed);

}  // namespace easel::automl
