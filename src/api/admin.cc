// Server administration: /api/v1/admin/gc.

#include "api/call.h"
#include "api/routes.h"
#include "store/blob_refs.h"

namespace easel::api {

void AddAdminRoutes(Router& router, ApiContext& ctx) {
  router.Add("POST", "/api/v1/admin/gc", [&ctx](Call& call) -> Status {
    EASEL_RETURN_IF_ERROR(RequireAdmin(call));
    EASEL_ASSIGN_OR_RETURN(Json body, call.JsonBody());
    EASEL_ASSIGN_OR_RETURN(auto grace_s, GetOptionalInt(body, "orphan_grace_s", 0, 30LL * 86400));
    EASEL_ASSIGN_OR_RETURN(store::GcReport r,
                           store::CollectGarbage(ctx.db, ctx.blobs, grace_s.value_or(3600) * 1000));
    call.Reply(200, {{"blobs_deleted", r.blobs_deleted},
                     {"orphans_deleted", r.orphans_deleted},
                     {"bytes_deleted", r.bytes_deleted},
                     {"refcounts_fixed", r.refcounts_fixed},
                     {"missing_files", r.missing_files}});
    return OkStatus();
  });
}

}  // namespace easel::api
