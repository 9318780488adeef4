#pragma once
// How users name a model version: "model" plus a version that is a number, "latest" or an
// alias, or the single string "model@alias" / "model@3" accepted wherever a version is.

#include <string>
#include <string_view>

#include "common/status.h"
#include "models/model_store.h"

namespace easel::models {

struct ModelRef {
  std::string model;
  std::string version;  // "3", "latest" or an alias
};

// Splits "name@version" (version may then be empty: an error). Without '@', `version` comes
// from `fallback` ("latest" when that is empty too). INVALID_ARGUMENT for a malformed name, or
// a version given both ways.
Result<ModelRef> ParseModelRef(std::string_view text, std::string_view fallback = "");

// Resolves a reference against the registry: NOT_FOUND for an unknown model, version or alias.
Result<ModelVersion> ResolveModelRef(ModelStore& store, const std::string& project_id,
                                     const ModelRef& ref);

}  // namespace easel::models
