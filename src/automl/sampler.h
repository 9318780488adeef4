#pragma once
// Samplers propose the parameters of a study's next trial: random search, grid search and the
// Tree-structured Parzen Estimator (TPE). A sampler holds only its configuration and seed; the
// study passes everything observed so far on each call, so a sampler keeps no state between
// trials and a resumed study gets the same suggestions as before.

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "automl/search_space.h"
#include "common/json.h"
#include "common/status.h"

namespace easel::automl {

enum class TrialState { kRunning, kComplete, kPruned, kFailed };

// What a study knows about one trial.
struct TrialRecord {
  int64_t number = 0;
  TrialState state = TrialState::kRunning;
  Json params = Json::object();  // the assignment the trial ran with
  // The final objective, MINIMIZED: the study negates metrics it maximizes. Set for completed
  // trials.
  std::optional<double> value;
  // (step, objective) reported while the trial ran, in report order; minimized like `value`.
  std::vector<std::pair<int64_t, double>> intermediate;
};

class Sampler {
 public:
  virtual ~Sampler() = default;

  // A new assignment (see SearchSpace) for trial `number` given the trials observed so far, in
  // any order. Deterministic: the same seed, number and history give the same assignment.
  // Trials whose params do not fit `space` are skipped as evidence. OUT_OF_RANGE when the
  // sampler has nothing left to propose (a grid exhausted); INVALID_ARGUMENT when the space
  // does not suit the sampler (a grid over a continuous domain without grid_points) or
  // `number` is negative. Thread-safe.
  virtual Result<Json> Suggest(const SearchSpace& space, std::span<const TrialRecord> history,
                               int64_t number) const = 0;

  // The full configuration, every default filled in: MakeSampler(ToJson(), seed) builds an
  // equal sampler. The seed is not part of it; the study stores it beside.
  virtual Json ToJson() const = 0;
};

// Builds a sampler from its configuration, {"type": "random" | "grid" | "tpe", options...}
// (options are documented by each sampler's header). INVALID_ARGUMENT for a missing or unknown
// type (listing the known ones), an unknown option (listing the known ones) or a bad value.
Result<std::unique_ptr<Sampler>> MakeSampler(const Json& config, uint64_t seed);

// The types MakeSampler knows, sorted.
std::vector<std::string_view> SamplerTypes();

// For sampler implementations: INVALID_ARGUMENT when `config` (an object) has a key that is
// neither "type" nor one of `known`, naming it and listing the known ones.
Status CheckSamplerOptions(const Json& config, std::string_view type,
                           std::initializer_list<std::string_view> known);

}  // namespace easel::automl
