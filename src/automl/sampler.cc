#include "automl/sampler.h"

#include <fmt/format.h>

#include <algorithm>

#include "automl/grid_sampler.h"
#include "automl/random_sampler.h"
#include "automl/tpe_sampler.h"

namespace easel::automl {

namespace {

struct SamplerEntry {
  std::string_view type;
  Result<std::unique_ptr<Sampler>> (*make)(const Json& config, uint64_t seed);
};

// Every sampler, in one explicit list.
constexpr SamplerEntry kSamplers[] = {
    {"grid", &MakeGridSampler},
    {"random", &MakeRandomSampler},
    {"tpe", &MakeTpeSampler},
};

std::string KnownTypes() {
  std::string out;
  for (const SamplerEntry& e : kSamplers)
    out += fmt::format("{}{}", out.empty() ? "" : ", ", e.type);
  return out;
}

}  // namespace

std::vector<std::string_view> SamplerTypes() {
  std::vector<std::string_view> out;
  for (const SamplerEntry& e : kSamplers) out.push_back(e.type);
  std::sort(out.begin(), out.end());
  return out;
}

Status CheckSamplerOptions(const Json& config, std::string_view type,
                           std::initializer_list<std::string_view> known) {
  for (const auto& [key, value] : config.items()) {
    if (key == "type" || std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string list;
    for (std::string_view k : known) list += fmt::format("{}{}", list.empty() ? "" : ", ", k);
    return Status(StatusCode::kInvalidArgument,
                  fmt::format("sampler option '{}' is not known for {}; known options: {}", key,
                              type, list.empty() ? "none" : list),
                  Json{{"field", key}});
  }
  return OkStatus();
}

Result<std::unique_ptr<Sampler>> MakeSampler(const Json& config, uint64_t seed) {
  if (!config.is_object()) {
    return Status(
        StatusCode::kInvalidArgument,
        "sampler must be an object like {\"type\": \"tpe\"}; known types: " + KnownTypes());
  }
  auto type = config.find("type");
  if (type == config.end() || !type->is_string()) {
    return Status(StatusCode::kInvalidArgument,
                  "sampler needs a 'type' string; known types: " + KnownTypes(),
                  Json{{"field", "type"}});
  }
  for (const SamplerEntry& e : kSamplers) {
    if (e.type == type->get<std::string>()) return e.make(config, seed);
  }
  return Status(StatusCode::kInvalidArgument,
                fmt::format("sampler type '{}' is not known; known types: {}",
                            type->get<std::string>(), KnownTypes()),
                Json{{"field", "type"}});
}

}  // namespace easel::automl
