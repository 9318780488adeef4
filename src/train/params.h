#pragma once
// Trainer parameters: each trainer describes its parameters with a JSON-Schema-like object
// ({"type": "object", "properties": {name: {type, default, minimum, maximum, enum,
// description}}}), which the API lists, the console draws as a form, and ResolveParams
// enforces. A model version stores the resolved parameters (every default filled in), so a
// later change of a default cannot change how a stored run is read or repeated.

#include <string>

#include "common/json.h"
#include "common/status.h"

namespace easel::train {

// Checks `given` (an object or null) against `schema` and returns it with every default
// filled in. INVALID_ARGUMENT naming the parameter, with details {param}, for an unknown
// parameter (listing the known ones), a wrong type (integers must be JSON integers), a value
// out of bounds or not among the choices.
Result<Json> ResolveParams(const Json& schema, const Json& given);

// INVALID_ARGUMENT "params.<name> <sentence>" with details {param: name}: how every parameter
// mistake reads, including a trainer's own checks across parameters.
Status ParamError(const std::string& name, const std::string& sentence);

}  // namespace easel::train
