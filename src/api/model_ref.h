#pragma once
// Resolving the {model} and {version} path segments of the model routes: a version is a
// number, "latest" or an alias, and {model} may carry it itself ("iris@production").

#include "api/call.h"
#include "api/routes.h"
#include "models/model_store.h"

namespace easel::api {

struct VersionRef {
  auth::Project project;
  models::Model model;
  models::ModelVersion version;
};

// The model named by {model} (without an "@version"), if the caller holds `needed`.
Result<std::pair<auth::Project, models::Model>> ModelFor(const Call& call, ApiContext& ctx,
                                                         auth::Role needed);
// The version named by {model} and {version} (or by "{model}@{version}" alone).
Result<VersionRef> VersionFor(const Call& call, ApiContext& ctx, auth::Role needed);

}  // namespace easel::api
