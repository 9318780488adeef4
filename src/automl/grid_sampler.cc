#include "automl/grid_sampler.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "automl/trial_rng.h"

namespace easel::automl {

namespace {

// One parameter of the grid: its values, and the parent choices that activate it.
struct Axis {
  const ParamSpec* spec = nullptr;
  std::vector<Json> values;
  std::vector<std::pair<size_t, std::vector<bool>>> when;  // (parent axis, allowed choice)
};

Result<std::vector<Json>> AxisValues(const ParamSpec& p, std::optional<int> grid_points) {
  std::vector<Json> values;
  if (p.type == DomainType::kCategorical) return p.choices;
  if (p.type == DomainType::kInt) {
    int64_t n = p.IntCount();
    if (n > kMaxGridValuesPerParam) {
      return SpaceError(p.name, fmt::format("has {} values, too many for a grid (at most {}); add "
                                            "a step or narrow the range",
                                            n, kMaxGridValuesPerParam));
    }
    for (int64_t k = 0; k < n; ++k) values.push_back(p.IntValue(k));
    return values;
  }
  if (!grid_points) {
    return SpaceError(p.name,
                      "is continuous; set the grid sampler's grid_points to put it on a "
                      "grid");
  }
  const int k = *grid_points;
  const bool log = p.log_scale();
  const double lo = log ? std::log(p.low) : p.low;
  const double hi = log ? std::log(p.high) : p.high;
  for (int i = 0; i < k; ++i) {
    double x = lo + (hi - lo) * i / (k - 1);
    if (log) x = std::exp(x);
    if (i == 0) x = p.low;
    if (i == k - 1) x = p.high;
    values.push_back(std::clamp(x, p.low, p.high));
  }
  return values;
}

class Grid {
 public:
  static Result<Grid> Build(const SearchSpace& space, std::optional<int> grid_points) {
    Grid grid;
    const auto& params = space.params();
    for (const ParamSpec& p : params) {
      Axis axis;
      axis.spec = &p;
      EASEL_ASSIGN_OR_RETURN(axis.values, AxisValues(p, grid_points));
      for (const Condition& c : p.when) {
        // Parents come earlier in params() order, so their axes already exist.
        size_t parent = 0;
        while (grid.axes_[parent].spec->name != c.parent) ++parent;
        const ParamSpec& ps = *grid.axes_[parent].spec;
        std::vector<bool> allowed(ps.choices.size(), false);
        for (const Json& v : c.values) allowed[ps.ChoiceIndex(v)] = true;
        axis.when.emplace_back(parent, std::move(allowed));
      }
      grid.axes_.push_back(std::move(axis));
    }
    grid.chosen_.assign(grid.axes_.size(), -1);
    grid.size_ = grid.Count(0, kMaxGridPoints);
    if (grid.size_ > kMaxGridPoints) {
      return Status(StatusCode::kInvalidArgument,
                    fmt::format("the grid has more than {} points; use fewer values or another "
                                "sampler",
                                kMaxGridPoints));
    }
    return grid;
  }

  int64_t size() const { return size_; }

  // The point with the given index in the fixed order; index < size().
  Json Point(int64_t index) {
    Json out = Json::object();
    for (size_t i = 0; i < axes_.size(); ++i) {
      chosen_[i] = -1;
      if (!Active(i)) continue;
      for (size_t v = 0; v < axes_[i].values.size(); ++v) {
        chosen_[i] = static_cast<int>(v);
        int64_t below = Count(i + 1, size_);
        if (index < below) break;
        index -= below;
      }
      out[axes_[i].spec->name] = axes_[i].values[chosen_[i]];
    }
    return out;
  }

 private:
  bool Active(size_t i) const {
    for (const auto& [parent, allowed] : axes_[i].when) {
      if (chosen_[parent] < 0 || !allowed[chosen_[parent]]) return false;
    }
    return true;
  }

  // Points below axis i given the choices before it; stops early once past `cap`.
  int64_t Count(size_t i, int64_t cap) {
    if (i == axes_.size()) return 1;
    if (!Active(i)) {
      chosen_[i] = -1;
      return Count(i + 1, cap);
    }
    int64_t total = 0;
    for (size_t v = 0; v < axes_[i].values.size() && total <= cap; ++v) {
      chosen_[i] = static_cast<int>(v);
      total += Count(i + 1, cap - total);
    }
    return total;
  }

  std::vector<Axis> axes_;
  std::vector<int> chosen_;
  int64_t size_ = 0;
};

}  // namespace

Result<int64_t> GridSampler::Size(const SearchSpace& space) const {
  EASEL_ASSIGN_OR_RETURN(Grid grid, Grid::Build(space, options_.grid_points));
  return grid.size();
}

Result<Json> GridSampler::Suggest(const SearchSpace& space, std::span<const TrialRecord>,
                                  int64_t number) const {
  if (number < 0) return InvalidArgument("trial number must not be negative");
  EASEL_ASSIGN_OR_RETURN(Grid grid, Grid::Build(space, options_.grid_points));
  if (number >= grid.size()) {
    return Status(StatusCode::kOutOfRange,
                  fmt::format("the grid has {} points and all have been proposed", grid.size()),
                  Json{{"grid_points", grid.size()}});
  }
  int64_t index = number;
  if (options_.shuffle) {
    // Fisher-Yates with a generator that depends on the seed alone: one order for the study.
    std::vector<int64_t> order(grid.size());
    for (int64_t i = 0; i < grid.size(); ++i) order[i] = i;
    TrialRng rng(seed_, -1);
    for (int64_t i = grid.size() - 1; i > 0; --i) {
      std::swap(order[i], order[rng.Below(static_cast<uint64_t>(i) + 1)]);
    }
    index = order[number];
  }
  return grid.Point(index);
}

Json GridSampler::ToJson() const {
  Json out{{"type", "grid"}, {"shuffle", options_.shuffle}};
  if (options_.grid_points) out["grid_points"] = *options_.grid_points;
  return out;
}

Result<std::unique_ptr<Sampler>> MakeGridSampler(const Json& config, uint64_t seed) {
  EASEL_RETURN_IF_ERROR(CheckSamplerOptions(config, "grid", {"grid_points", "shuffle"}));
  GridSampler::Options options;
  EASEL_ASSIGN_OR_RETURN(auto points, GetOptionalInt(config, "grid_points", 2, 1000));
  if (points) options.grid_points = static_cast<int>(*points);
  EASEL_ASSIGN_OR_RETURN(auto shuffle, GetOptionalBool(config, "shuffle"));
  options.shuffle = shuffle.value_or(false);
  return std::unique_ptr<Sampler>(std::make_unique<GridSampler>(options, seed));
}

}  // namespace easel::automl
