#pragma once
// Helpers shared by the search-space and sampler files; not part of the module's API.

#include <string>
#include <vector>

#include "automl/search_space.h"
#include "common/json.h"
#include "common/status.h"

namespace easel::automl::internal {

// JSON equality that also keeps integers and floats apart (1 is not 1.0): a trainer's integer
// parameter rejects 1.0, so a choice must come back exactly as written.
bool SameValue(const Json& a, const Json& b);

// A value as a user reads it in a message: strings unquoted, 0.1 not 0.10000000000000001.
std::string ValueText(const Json& v);
std::string ValuesText(const std::vector<Json>& values);

// OK when every value the domain of `p` produces is accepted by the trainer's schema property
// `prop` (its type, enum and bounds); INVALID_ARGUMENT naming the parameter otherwise.
Status CheckAgainstSchema(const ParamSpec& p, const Json& prop);

}  // namespace easel::automl::internal
