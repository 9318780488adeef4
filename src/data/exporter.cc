#include "data/exporter.h"

#include <algorithm>

namespace easel::data {

Status ExporterRegistry::Register(Exporter exporter) {
  if (exporter.name.empty() || exporter.types.empty() || !exporter.run) {
    return InvalidArgument("an exporter needs a name, dataset types and a run function");
  }
  if (exporters_.count(exporter.name)) {
    return AlreadyExists("exporter '" + exporter.name + "' is registered twice");
  }
  std::string name = exporter.name;
  exporters_.emplace(std::move(name), std::move(exporter));
  return OkStatus();
}

Result<const Exporter*> ExporterRegistry::Find(const std::string& name) const {
  auto it = exporters_.find(name);
  if (it != exporters_.end()) return &it->second;
  std::string names;
  for (const auto& [n, e] : exporters_) names += (names.empty() ? "" : ", ") + n;
  return NotFound("unknown export format; known formats: " + names);
}

Result<const Exporter*> ExporterRegistry::FindFor(const std::string& name, DatasetType type) const {
  EASEL_ASSIGN_OR_RETURN(const Exporter* exporter, Find(name));
  if (std::find(exporter->types.begin(), exporter->types.end(), type) == exporter->types.end()) {
    return InvalidArgument("format '" + name + "' cannot export a dataset of type '" +
                           std::string(ToString(type)) + "'");
  }
  return exporter;
}

std::vector<const Exporter*> ExporterRegistry::List() const {
  std::vector<const Exporter*> out;
  for (const auto& [name, exporter] : exporters_) out.push_back(&exporter);
  return out;
}

}  // namespace easel::data
