// Jobs: /api/v1/projects/{project}/jobs[/{job}[/cancel|/logs|/metrics]] and /api/v1/job-kinds.

#include <chrono>
#include <thread>

#include "api/call.h"
#include "api/routes.h"
#include "common/random.h"
#include "jobs/job.h"
#include "jobs/job_kind.h"
#include "jobs/job_logs.h"
#include "jobs/job_store.h"

namespace easel::api {
namespace {

using auth::Role;

// Submitting an unknown kind is a bad request, not a missing resource.
Status KindError(const Status& st) {
  if (st.code() != StatusCode::kNotFound) return st;
  return Status(StatusCode::kInvalidArgument, st.message(), Json{{"field", "kind"}});
}

}  // namespace

void AddJobRoutes(Router& router, ApiContext& ctx) {
  JobsContext& jobs = *ctx.jobs;

  router.Add("GET", "/api/v1/job-kinds", [&jobs](Call& call) -> Status {
    Json items = Json::array();
    for (const jobs::JobKind* k : jobs.kinds.List()) items.push_back(jobs::JobKindToJson(*k));
    call.Reply(200, {{"items", items}, {"next_page_token", ""}});
    return OkStatus();
  });

  router.Add("POST", "/api/v1/projects/{project}/jobs", [&ctx, &jobs](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(auth::Project p, ProjectFor(call, ctx, Role::kEditor));
    EASEL_ASSIGN_OR_RETURN(Json body, call.JsonBody());
    EASEL_ASSIGN_OR_RETURN(std::string kind_name, GetString(body, "kind"));
    auto kind = jobs.kinds.Find(kind_name);
    if (!kind.ok()) return KindError(kind.status());
    Json spec = body.contains("spec") ? body["spec"] : Json::object();
    if (!spec.is_object()) return InvalidArgument("field 'spec' must be an object");
    EASEL_RETURN_IF_ERROR((*kind)->ValidateSpec(spec));
    if ((*kind)->check) EASEL_RETURN_IF_ERROR((*kind)->check(spec, ctx.db, p.id));
    EASEL_ASSIGN_OR_RETURN(auto max_attempts, GetOptionalInt(body, "max_attempts", 1, 100));
    EASEL_ASSIGN_OR_RETURN(auto timeout_s, GetOptionalInt(body, "timeout_s", 1, 30LL * 86400));
    jobs::SubmitOptions opts;
    opts.max_attempts = max_attempts.value_or(jobs.default_max_attempts);
    opts.timeout_s = timeout_s.value_or(jobs.default_timeout_s);
    EASEL_ASSIGN_OR_RETURN(
        jobs::Job job, jobs.store.Submit(p.id, kind_name, spec, call.principal().user_id, opts));
    jobs.wake();
    call.Reply(202, jobs::JobToJson(job));
    return OkStatus();
  });

  router.Add("GET", "/api/v1/projects/{project}/jobs", [&ctx, &jobs](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(auth::Project p, ProjectFor(call, ctx, Role::kViewer));
    EASEL_ASSIGN_OR_RETURN(PageRequest page, call.Page());
    std::optional<jobs::JobState> state;
    if (auto s = call.query("state"); s && !s->empty()) {
      EASEL_ASSIGN_OR_RETURN(state, jobs::ParseJobState(*s));
    }
    EASEL_ASSIGN_OR_RETURN(auto list, jobs.store.List(p.id, state, page.after, page.limit));
    Json items = Json::array();
    for (const auto& j : list) items.push_back(jobs::JobToJson(j));
    call.Reply(200, PageJson(items, page, list.empty() ? "" : list.back().id));
    return OkStatus();
  });

  router.Add("GET", "/api/v1/projects/{project}/jobs/{job}", [&ctx, &jobs](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(auth::Project p, ProjectFor(call, ctx, Role::kViewer));
    EASEL_RETURN_IF_ERROR(RequireIdShape("job", call.param("job")));
    EASEL_ASSIGN_OR_RETURN(jobs::Job job, jobs.store.Get(p.id, call.param("job")));
    call.Reply(200, jobs::JobToJson(job));
    return OkStatus();
  });

  router.Add(
      "POST", "/api/v1/projects/{project}/jobs/{job}/cancel", [&ctx, &jobs](Call& call) -> Status {
        EASEL_ASSIGN_OR_RETURN(auth::Project p, ProjectFor(call, ctx, Role::kEditor));
        EASEL_RETURN_IF_ERROR(RequireIdShape("job", call.param("job")));
        EASEL_ASSIGN_OR_RETURN(jobs::Job job, jobs.store.RequestCancel(p.id, call.param("job")));
        jobs.wake();
        call.Reply(202, jobs::JobToJson(job));
        return OkStatus();
      });

  router.Add(
      "GET", "/api/v1/projects/{project}/jobs/{job}/metrics", [&ctx, &jobs](Call& call) -> Status {
        EASEL_ASSIGN_OR_RETURN(auth::Project p, ProjectFor(call, ctx, Role::kViewer));
        EASEL_RETURN_IF_ERROR(RequireIdShape("job", call.param("job")));
        EASEL_ASSIGN_OR_RETURN(Json metrics, jobs.store.ListMetrics(p.id, call.param("job")));
        call.Reply(200, metrics);
        return OkStatus();
      });

  // The log as plain text, streamed in chunks. With ?follow=true the response stays open and
  // carries new lines as the job writes them, until the job ends (or the server drains).
  router.Add(
      "GET", "/api/v1/projects/{project}/jobs/{job}/logs", [&ctx, &jobs](Call& call) -> Status {
        EASEL_ASSIGN_OR_RETURN(auth::Project p, ProjectFor(call, ctx, Role::kViewer));
        std::string job_id = call.param("job");
        EASEL_RETURN_IF_ERROR(RequireIdShape("job", job_id));
        EASEL_RETURN_IF_ERROR(jobs.store.Get(p.id, job_id));
        std::string follow = call.query("follow").value_or("false");
        if (follow != "true" && follow != "false")
          return InvalidArgument("follow must be true or false");
        uint64_t offset = 0;
        if (auto o = call.query("offset")) {
          char* end = nullptr;
          offset = std::strtoull(o->c_str(), &end, 10);
          if (o->empty() || *end != '\0') return InvalidArgument("offset must be a byte count");
        }
        struct Cursor {
          uint64_t offset;
        };
        auto cursor = std::make_shared<Cursor>(Cursor{offset});
        bool keep_following = follow == "true";
        store::Database* db = &ctx.db;
        store::BlobStore* blobs = &ctx.blobs;
        std::filesystem::path data_dir = jobs.data_dir;
        std::string project_id = p.id;
        std::function<bool()> draining = ctx.draining;
        call.response().set_chunked_content_provider(
            "text/plain; charset=utf-8", [=](size_t, httplib::DataSink& sink) {
              for (;;) {
                auto chunk =
                    jobs::ReadJobLog(*db, *blobs, data_dir, project_id, job_id, cursor->offset);
                if (!chunk.ok()) return false;  // cut the stream: the client sees it end early
                cursor->offset = chunk->next_offset;
                if (!chunk->data.empty()) {
                  return sink.write(chunk->data.data(), chunk->data.size());
                }
                if (chunk->finished || !keep_following || draining()) {
                  sink.done();
                  return true;
                }
                if (!sink.is_writable()) return false;
                std::this_thread::sleep_for(std::chrono::milliseconds(200));
              }
            });
        return OkStatus();
      });
}

}  // namespace easel::api
