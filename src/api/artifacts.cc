// Artifacts: /api/v1/projects/{project}/artifacts. Uploads stream the raw request body into the
// blob store (never buffered whole); downloads support HTTP Range and verify the content hash.

#include "store/artifacts.h"

#include <shared_mutex>

#include "api/call.h"
#include "api/routes.h"
#include "common/random.h"
#include "common/time.h"

namespace easel::api {
namespace {

using auth::Role;

Json ArtifactJson(const store::Artifact& a) {
  return {{"id", a.id},
          {"name", a.name},
          {"digest", "sha256:" + a.digest},
          {"size", a.size},
          {"content_type", a.content_type},
          {"created_at", FormatRfc3339(a.created_at)}};
}

// The library trusts Range headers as parsed; an unsatisfiable one must be refused here (416),
// or it would compute a negative length.
bool RangesSatisfiable(const httplib::Ranges& ranges, int64_t size) {
  for (const auto& [first, last] : ranges) {
    if (first < 0) {  // suffix range "-N"
      if (last <= 0) return false;
    } else if (first >= size || (last >= 0 && last < first)) {
      return false;
    }
  }
  return true;
}

}  // namespace

void AddArtifactRoutes(Router& router, ApiContext& ctx) {
  router.Add("POST", "/api/v1/projects/{project}/artifacts", [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(auth::Project p, ProjectFor(call, ctx, Role::kEditor));
    std::string name = call.query("name").value_or("");
    EASEL_RETURN_IF_ERROR(store::ValidateArtifactName(name));
    std::string content_type = call.request().get_header_value("Content-Type");
    if (content_type.empty() || content_type.size() > 255) {
      content_type = "application/octet-stream";
    }
    std::shared_lock gc_guard(ctx.blobs.gc_mutex());
    EASEL_ASSIGN_OR_RETURN(store::BlobStore::Writer writer, ctx.blobs.NewWriter());
    EASEL_RETURN_IF_ERROR(
        call.StreamBody(call.limits().max_upload_bytes,
                        [&](const char* data, size_t n) { return writer.Write(data, n); }));
    EASEL_ASSIGN_OR_RETURN(store::BlobInfo blob, writer.Commit());
    EASEL_ASSIGN_OR_RETURN(
        store::Artifact a,
        store::CreateArtifact(ctx.db, p.id, name, content_type, blob, call.principal().user_id));
    call.Reply(201, ArtifactJson(a));
    return OkStatus();
  });

  router.Add("GET", "/api/v1/projects/{project}/artifacts", [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(auth::Project p, ProjectFor(call, ctx, Role::kViewer));
    EASEL_ASSIGN_OR_RETURN(PageRequest page, call.Page());
    EASEL_ASSIGN_OR_RETURN(auto list, store::ListArtifacts(ctx.db, p.id, page.after, page.limit));
    Json items = Json::array();
    for (const auto& a : list) items.push_back(ArtifactJson(a));
    call.Reply(200, PageJson(items, page, list.empty() ? "" : list.back().id));
    return OkStatus();
  });

  router.Add("GET", "/api/v1/projects/{project}/artifacts/{artifact}",
             [&ctx](Call& call) -> Status {
               EASEL_ASSIGN_OR_RETURN(auth::Project p, ProjectFor(call, ctx, Role::kViewer));
               EASEL_RETURN_IF_ERROR(RequireIdShape("artifact", call.param("artifact")));
               EASEL_ASSIGN_OR_RETURN(store::Artifact a,
                                      store::GetArtifact(ctx.db, p.id, call.param("artifact")));
               call.Reply(200, ArtifactJson(a));
               return OkStatus();
             });

  router.Add("GET", "/api/v1/projects/{project}/artifacts/{artifact}/content",
             [&ctx](Call& call) -> Status {
               EASEL_ASSIGN_OR_RETURN(auth::Project p, ProjectFor(call, ctx, Role::kViewer));
               EASEL_RETURN_IF_ERROR(RequireIdShape("artifact", call.param("artifact")));
               EASEL_ASSIGN_OR_RETURN(store::Artifact a,
                                      store::GetArtifact(ctx.db, p.id, call.param("artifact")));
               httplib::Response& res = call.response();
               if (!RangesSatisfiable(call.request().ranges, a.size)) {
                 res.set_header("Content-Range", "bytes */" + std::to_string(a.size));
                 return Status(StatusCode::kOutOfRange, "requested range is not satisfiable",
                               Json{{"size", a.size}, {"http_status", 416}});
               }
               // Status left unset: the library answers 206 for a satisfiable Range, 200 otherwise.
               res.set_header("ETag", "\"sha256:" + a.digest + "\"");
               res.set_header("Accept-Ranges", "bytes");
               store::BlobStore* blobs = &ctx.blobs;
               std::string digest = a.digest;
               res.set_content_provider(
                   static_cast<size_t>(a.size), a.content_type,
                   [blobs, digest](size_t offset, size_t length, httplib::DataSink& sink) {
                     // A hash mismatch stops the stream: the client sees a truncated body, never
                     // bad bytes presented as complete.
                     return blobs
                         ->Read(digest, offset, length,
                                [&](const char* data, size_t n) { return sink.write(data, n); })
                         .ok();
                   });
               return OkStatus();
             });

  router.Add("DELETE", "/api/v1/projects/{project}/artifacts/{artifact}",
             [&ctx](Call& call) -> Status {
               EASEL_ASSIGN_OR_RETURN(auth::Project p, ProjectFor(call, ctx, Role::kEditor));
               EASEL_RETURN_IF_ERROR(RequireIdShape("artifact", call.param("artifact")));
               EASEL_RETURN_IF_ERROR(store::DeleteArtifact(ctx.db, p.id, call.param("artifact")));
               call.ReplyNoContent();
               return OkStatus();
             });
}

}  // namespace easel::api
