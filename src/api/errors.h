#pragma once
// Status → HTTP, the one mapping every route uses (API.md "Errors"), and the JSON error body
// {"error": {"code", "message", "details"}}.

#include <httplib.h>

#include "common/json.h"
#include "common/status.h"

namespace easel::api {

// INVALID_ARGUMENT/OUT_OF_RANGE 400, UNAUTHENTICATED 401, PERMISSION_DENIED 403, NOT_FOUND 404,
// ALREADY_EXISTS/ABORTED 409, FAILED_PRECONDITION 412, RESOURCE_EXHAUSTED 413 when the details
// carry "limit_bytes" (a body too big) else 429, UNIMPLEMENTED 501, UNAVAILABLE 503,
// DEADLINE_EXCEEDED 504, anything else 500. Details may name another 4xx/5xx as "http_status"
// (e.g. 416 for an unsatisfiable range).
int HttpStatusFor(const Status& status);

Json ErrorBody(const Status& status);

// Writes the error response, with Retry-After on 429/503 and WWW-Authenticate on 401.
void WriteError(httplib::Response& res, const Status& status);

}  // namespace easel::api
