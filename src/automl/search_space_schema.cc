// Checking a search-space parameter against the trainer's schema property of the same name.

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "automl/search_space.h"
#include "automl/search_space_internal.h"

namespace easel::automl::internal {

namespace {

// The values a domain produces must all be accepted by the trainer's schema property.
Status CheckNumberBounds(const ParamSpec& p, const Json& prop, double v, std::string_view what) {
  auto bound = [&](const char* key) -> std::optional<double> {
    auto it = prop.find(key);
    if (it == prop.end() || !it->is_number()) return std::nullopt;
    return it->get<double>();
  };
  if (auto m = bound("minimum"); m && v < *m) {
    return SpaceError(p.name,
                      fmt::format("{} ({}) is below the trainer's minimum {}", what, v, *m));
  }
  if (auto m = bound("maximum"); m && v > *m) {
    return SpaceError(p.name,
                      fmt::format("{} ({}) is above the trainer's maximum {}", what, v, *m));
  }
  if (auto m = bound("exclusiveMinimum"); m && v <= *m) {
    return SpaceError(p.name,
                      fmt::format("{} ({}) must be greater than {} for the trainer", what, v, *m));
  }
  if (auto m = bound("exclusiveMaximum"); m && v >= *m) {
    return SpaceError(p.name,
                      fmt::format("{} ({}) must be less than {} for the trainer", what, v, *m));
  }
  return OkStatus();
}

}  // namespace

Status CheckAgainstSchema(const ParamSpec& p, const Json& prop) {
  std::string type = prop.is_object() && prop.contains("type") && prop["type"].is_string()
                         ? prop["type"].get<std::string>()
                         : "";
  const bool categorical = p.type == DomainType::kCategorical;
  auto all_choices = [&](auto pred) {
    return std::all_of(p.choices.begin(), p.choices.end(), pred);
  };
  bool ok = false;
  std::string expected;
  if (type == "integer") {
    ok = p.type == DomainType::kInt ||
         (categorical && all_choices([](const Json& c) { return c.is_number_integer(); }));
    expected = "an int domain or integer choices";
  } else if (type == "number") {
    ok = !categorical || all_choices([](const Json& c) { return c.is_number(); });
    expected = "a uniform, log_uniform or int domain or number choices";
  } else if (type == "string") {
    ok = categorical && all_choices([](const Json& c) { return c.is_string(); });
    expected = "string choices";
  } else if (type == "boolean") {
    ok = categorical && all_choices([](const Json& c) { return c.is_boolean(); });
    expected = "boolean choices (true, false)";
  } else {
    return SpaceError(p.name, fmt::format("has type '{}' in the trainer's schema, which cannot be "
                                          "searched",
                                          type));
  }
  if (!ok) {
    return SpaceError(p.name,
                      fmt::format("is a {} parameter of the trainer; use {}", type, expected));
  }
  if (auto it = prop.find("enum"); it != prop.end() && it->is_array()) {
    if (!categorical) {
      return SpaceError(p.name, fmt::format("only takes the values {}; use a categorical domain",
                                            ValueText(*it)));
    }
    for (const Json& c : p.choices) {
      if (std::find(it->begin(), it->end(), c) == it->end()) {
        return SpaceError(
            p.name, fmt::format("choice {} is not allowed by the trainer; allowed: {}", c.dump(),
                                it->dump()));
      }
    }
  }
  if (categorical) {
    for (const Json& c : p.choices) {
      if (c.is_number())
        EASEL_RETURN_IF_ERROR(CheckNumberBounds(p, prop, c.get<double>(), "choice"));
    }
    return OkStatus();
  }
  EASEL_RETURN_IF_ERROR(CheckNumberBounds(p, prop, p.low, "low"));
  return CheckNumberBounds(p, prop, p.high, "high");
}

}  // namespace easel::automl::internal
