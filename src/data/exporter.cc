#include "data/exporter.h"

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

std::vector<const Exporter*> ExporterRegistry::List() const {
  std::vector<const Exporter*> out;
  for (const auto& [name, exporter] : exporters_) out.push_back(&exporter);
  return out;
}

}  // namespace easel::data
