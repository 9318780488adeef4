#pragma once
// Which of a finished portfolio search's trials an ensemble is chosen from (final_model.cc
// then judges them by cross-validation on small tables, else on the validation split).
//
// A search spends most of its trials near its best setting on the validation split, and on a
// small table that split can mislead it: one that happens to be separable rewards the least
// regularized models, which cross-validation then finds overfit. So per algorithm the
// candidates are its best trials on the validation split and then the ones whose settings
// differ most from those, giving the cross-validation other settings to prefer; near-copies of
// one setting add little to an ensemble anyway. An automl search's default settings for each
// algorithm (its first trials) are always among them: settings that hold up on most tables.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "automl/search_space.h"
#include "automl/study_store.h"
#include "common/json.h"

namespace easel::automl {

inline constexpr size_t kMaxCandidates = 12;
inline constexpr size_t kBestPerAlgorithm = 2;
inline constexpr size_t kDiversePerAlgorithm = 2;

// How far apart two trials' settings are: each parameter's value placed on [0, 1] of its range
// (log-scaled where the domain is), a categorical 0 when equal and 1 when not, a parameter
// active in only one of them 1; the Euclidean distance over the space's parameters.
double SettingDistance(const SearchSpace& space, const Json& a, const Json& b);

// The candidates among the complete trials with a model and a value, best (lowest value)
// first: per algorithm (the trials' "algorithm" parameter), its kBestPerAlgorithm best, then
// its default settings (a trial numbered below `defaults`, the search's initial points) when
// not among them, then more up to kBestPerAlgorithm + kDiversePerAlgorithm, each the farthest
// from its nearest already picked trial of that algorithm (the better one on a tie; none at
// distance 0); at most kMaxCandidates in all, the worst left out. Without a space, the next
// best trials instead of the farthest.
std::vector<const Trial*> PickEnsembleCandidates(const std::optional<SearchSpace>& space,
                                                 const std::vector<Trial>& trials,
                                                 int64_t defaults = 0);

}  // namespace easel::automl
