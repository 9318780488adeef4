#include "automl/random_sampler.h"

#include <algorithm>
#include <cmath>

namespace easel::automl {

Json DrawRandomValue(const ParamSpec& spec, TrialRng& rng) {
  switch (spec.type) {
    case DomainType::kCategorical:
      return spec.choices[rng.Below(spec.choices.size())];
    case DomainType::kUniform:
      return std::clamp(rng.Uniform(spec.low, spec.high), spec.low, spec.high);
    case DomainType::kLogUniform: {
      double x = std::exp(rng.Uniform(std::log(spec.low), std::log(spec.high)));
      return std::clamp(x, spec.low, spec.high);
    }
    case DomainType::kInt: {
      if (!spec.log) return spec.IntValue(static_cast<int64_t>(rng.Below(spec.IntCount())));
      // Each integer v owns [v - 0.5, v + 0.5); drawing uniformly in log space over those
      // cells favours small values as a log scale should.
      double x = std::exp(rng.Uniform(std::log(spec.low - 0.5), std::log(spec.high + 0.5)));
      return std::clamp(static_cast<int64_t>(std::llround(x)), static_cast<int64_t>(spec.low),
                        static_cast<int64_t>(spec.high));
    }
  }
  return Json();
}

Json DrawRandomAssignment(const SearchSpace& space, TrialRng& rng) {
  Json assignment = Json::object();
  for (const ParamSpec& p : space.params()) {
    if (IsActive(p, assignment)) assignment[p.name] = DrawRandomValue(p, rng);
  }
  return assignment;
}

Result<Json> RandomSampler::Suggest(const SearchSpace& space, std::span<const TrialRecord>,
                                    int64_t number) const {
  if (number < 0) return InvalidArgument("trial number must not be negative");
  TrialRng rng(seed_, number);
  return DrawRandomAssignment(space, rng);
}

Result<std::unique_ptr<Sampler>> MakeRandomSampler(const Json& config, uint64_t seed) {
  EASEL_RETURN_IF_ERROR(CheckSamplerOptions(config, "random", {}));
  return std::unique_ptr<Sampler>(std::make_unique<RandomSampler>(seed));
}

}  // namespace easel::automl
