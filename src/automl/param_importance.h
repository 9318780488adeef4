#pragma once
// Which parameters mattered in a study: for each searched parameter, the share of the variance
// of the finished trials' objective that the parameter explains on its own (one-way ANOVA η²:
// the trials grouped by the parameter's value — numbers in up to 4 quantile bins, anything else
// (strings, booleans, absent) as it is — between-group variance over total variance),
// normalized to sum to 1.
// A cheap, model-free stand-in for fANOVA that is honest about what it measures: main effects,
// no interactions.

#include <span>

#include "automl/sampler.h"
#include "common/json.h"

namespace easel::automl {

// {param: importance in [0, 1]} for every parameter of a complete trial, over the complete
// trials with a finite value; every importance is 0 when fewer than 3 such trials exist or the
// objective never varied.
Json ParamImportance(std::span<const TrialRecord> trials);

}  // namespace easel::automl
