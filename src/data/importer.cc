#include "data/importer.h"

#include <algorithm>

namespace easel::data {

namespace {
template <typename Map>
std::string KnownNames(const Map& map) {
  std::string names;
  for (const auto& [name, entry] : map) {
    if (!names.empty()) names += ", ";
    names += name;
  }
  return names;
}
}  // namespace

Status ImporterRegistry::Register(Importer importer) {
  if (importer.name.empty() || importer.types.empty() || !importer.run) {
    return InvalidArgument("an importer needs a name, dataset types and a run function");
  }
  if (importers_.count(importer.name)) {
    return AlreadyExists("importer '" + importer.name + "' is registered twice");
  }
  std::string name = importer.name;
  importers_.emplace(std::move(name), std::move(importer));
  return OkStatus();
}

Result<const Importer*> ImporterRegistry::Find(const std::string& name) const {
  auto it = importers_.find(name);
  if (it == importers_.end()) {
    return NotFound("unknown import format; known formats: " + KnownNames(importers_));
  }
  return &it->second;
}

Result<const Importer*> ImporterRegistry::FindFor(const std::string& name, DatasetType type) const {
  EASEL_ASSIGN_OR_RETURN(const Importer* importer, Find(name));
  if (std::find(importer->types.begin(), importer->types.end(), type) == importer->types.end()) {
    return InvalidArgument("format '" + name + "' cannot fill a dataset of type '" +
                           std::string(ToString(type)) + "'");
  }
  return importer;
}

Result<const Importer*> ImporterRegistry::Detect(const SourceFiles& files, DatasetType type) const {
  const Importer* best = nullptr;
  int best_score = 0;
  std::string for_type;
  for (const auto& [name, importer] : importers_) {
    if (std::find(importer.types.begin(), importer.types.end(), type) == importer.types.end()) {
      continue;
    }
    if (!for_type.empty()) for_type += ", ";
    for_type += name;
    const int score = importer.detect ? importer.detect(files, type) : 0;
    if (score > best_score) {
      best = &importer;
      best_score = score;
    }
  }
  if (best == nullptr) {
    return InvalidArgument("could not tell the format of the upload for a " +
                           std::string(ToString(type)) + " dataset; name one of: " + for_type);
  }
  return best;
}

std::vector<const Importer*> ImporterRegistry::List() const {
  std::vector<const Importer*> out;
  for (const auto& [name, importer] : importers_) out.push_back(&importer);
  return out;
}

}  // namespace easel::data
