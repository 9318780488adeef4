// GET /healthz, /readyz and /metrics.

#include "api/call.h"
#include "api/routes.h"

namespace easel::api {

void AddHealthRoutes(Router& router, ApiContext& ctx) {
  RouteOptions open{.public_route = true};
  router.Add(
      "GET", "/healthz",
      [](Call& call) {
        call.Reply(200, {{"status", "ok"}});
        return OkStatus();
      },
      open);
  router.Add(
      "GET", "/readyz",
      [&ctx](Call& call) {
        if (ctx.draining()) return Unavailable("shutting down");
        EASEL_RETURN_IF_ERROR(ctx.db.Ping());
        call.Reply(200, {{"status", "ready"}});
        return OkStatus();
      },
      open);
  router.Add(
      "GET", "/metrics",
      [&ctx](Call& call) {
        call.response().status = 200;
        call.response().set_content(ctx.metrics.Render(), "text/plain; version=0.0.4");
        return OkStatus();
      },
      open);
}

}  // namespace easel::api
