#pragma once
// User-chosen names of projects, datasets, models, endpoints, devices and skills
// (API.md: ^[a-z0-9][a-z0-9_.-]{0,62}$). They identify resources in URLs and are never used to
// build filesystem paths.

#include <string_view>

#include "common/status.h"

namespace easel {

// OK when `name` is valid; otherwise INVALID_ARGUMENT saying what `kind` ("project") must look
// like. The message never echoes control characters back.
Status ValidateName(std::string_view kind, std::string_view name);

}  // namespace easel
