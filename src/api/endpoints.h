#pragma once
// The serving routes: the endpoints' control plane (endpoints.cc) and the KServe v2 data
// plane over HTTP (kserve_http.cc). Both answer nothing when the server has no endpoints
// (ApiContext::endpoints null).

#include "api/routes.h"

namespace easel::api {

void AddEndpointRoutes(Router& router, ApiContext& ctx);
void AddKserveRoutes(Router& router, ApiContext& ctx);

}  // namespace easel::api
