#pragma once
// Random search: every active parameter drawn independently; uniform draws uniformly,
// log_uniform and int with log uniformly in log space, int uniformly over low, low + step, ...,
// categorical uniformly over the choices. Configuration: {"type": "random"} (no options).

#include <cstdint>
#include <memory>

#include "automl/sampler.h"
#include "automl/trial_rng.h"

namespace easel::automl {

class RandomSampler final : public Sampler {
 public:
  explicit RandomSampler(uint64_t seed) : seed_(seed) {}

  // Ignores the history. Never OUT_OF_RANGE.
  Result<Json> Suggest(const SearchSpace& space, std::span<const TrialRecord> history,
                       int64_t number) const override;
  Json ToJson() const override { return Json{{"type", "random"}}; }

 private:
  uint64_t seed_;
};

Result<std::unique_ptr<Sampler>> MakeRandomSampler(const Json& config, uint64_t seed);

// One value of `spec`'s domain drawn as random search does (other samplers use it for their
// random start and fallbacks).
Json DrawRandomValue(const ParamSpec& spec, TrialRng& rng);

// A whole random assignment: active parameters only, parents drawn before children.
Json DrawRandomAssignment(const SearchSpace& space, TrialRng& rng);

}  // namespace easel::automl
