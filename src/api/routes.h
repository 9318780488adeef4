#pragma once
// Everything the HTTP routes reach, and the explicit list of route groups (routes.cc). Each
// group lives in its own file, one resource per file.

#include <filesystem>
#include <functional>

#include "api/call.h"
#include "api/router.h"
#include "auth/projects.h"
#include "auth/tokens.h"
#include "auth/users.h"
#include "common/metrics.h"
#include "labeling/prelabel_model.h"
#include "store/blob_store.h"
#include "store/sql.h"

namespace easel::data {
struct Formats;
}  // namespace easel::data

namespace easel::train {
class AlgorithmRegistry;
}  // namespace easel::train

namespace easel::serving {
class Endpoints;
}  // namespace easel::serving

namespace easel::jobs {
struct Job;
class JobStore;
class JobKindRegistry;
}  // namespace easel::jobs

namespace easel::api {

// The job system as the routes see it.
struct JobsContext {
  jobs::JobStore& store;
  const jobs::JobKindRegistry& kinds;
  std::function<void()> wake;  // nudges the executor after a submit or cancel
  std::filesystem::path data_dir;
  int64_t default_max_attempts = 3;
  int64_t default_timeout_s = 0;
};

struct ApiContext {
  store::Database& db;
  store::BlobStore& blobs;
  auth::TokenService& tokens;
  auth::UserService& users;
  auth::ProjectService& projects;
  JobsContext* jobs = nullptr;
  MetricsRegistry& metrics;
  std::function<bool()> draining;
  const data::Formats* formats = nullptr;  // import/export formats (datasets, labeling)
  const train::AlgorithmRegistry* algorithms = nullptr;  // trainers (GET /api/v1/algorithms)
  // Loads a model version to pre-label a labeling task (POST …/prelabel checks the model
  // through it before submitting the job); empty: pre-labeling answers 501.
  labeling::PrelabelModelLoader prelabel_loader;
  // The live serving endpoints (control plane and the KServe v2 data plane); null: no serving
  // routes.
  serving::Endpoints* endpoints = nullptr;
};

void AddHealthRoutes(Router& router, ApiContext& ctx);
void AddIdentityRoutes(Router& router, ApiContext& ctx);
void AddProjectRoutes(Router& router, ApiContext& ctx);
void AddArtifactRoutes(Router& router, ApiContext& ctx);
void AddJobRoutes(Router& router, ApiContext& ctx);
void AddAdminRoutes(Router& router, ApiContext& ctx);
void AddDatasetRoutes(Router& router, ApiContext& ctx);
void AddLabelingRoutes(Router& router, ApiContext& ctx);
void AddModelRoutes(Router& router, ApiContext& ctx);      // models.cc
void AddModelFileRoutes(Router& router, ApiContext& ctx);  // model_files.cc
void AddModelImportRoutes(Router& router, ApiContext& ctx);  // model_import.cc
void AddStudyRoutes(Router& router, ApiContext& ctx);        // studies.cc

// Every route of the server, in one place.
void AddAllRoutes(Router& router, ApiContext& ctx);

// The project named by the {project} path parameter, if the caller holds at least `needed`.
Result<auth::Project> ProjectFor(const Call& call, ApiContext& ctx, auth::Role needed);
Status RequireAdmin(const Call& call);
// A path parameter that must be a server-made id: anything else cannot exist, so it answers
// NOT_FOUND ("<what> '<id>' does not exist") before any lookup.
Status RequireIdShape(std::string_view what, const std::string& id);
// Submits a job of a registered kind that a route builds itself (an import, an export), with the
// server's default attempts and timeout, and wakes the executor. INVALID_ARGUMENT when the spec
// does not validate.
Result<jobs::Job> SubmitJob(ApiContext& ctx, const Call& call, const std::string& project_id,
                            const std::string& kind_name, const Json& spec);

}  // namespace easel::api
