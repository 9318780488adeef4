#include "data/formats.h"

#include "data/images/formats.h"
#include "data/tabular/formats.h"

namespace easel::data {

void RegisterBuiltinFormats(Formats& formats) {
  RegisterTabularImporters(formats.importers);
  RegisterTabularExporters(formats.exporters);
  RegisterImageImporters(formats.importers);
  RegisterImageExporters(formats.exporters);
}

namespace {
Json TypesToJson(const std::vector<DatasetType>& types) {
  Json out = Json::array();
  for (DatasetType t : types) out.push_back(std::string(ToString(t)));
  return out;
}
}  // namespace

Json FormatsToJson(const Formats& formats) {
  Json importers = Json::array();
  for (const Importer* i : formats.importers.List()) {
    importers.push_back({{"name", i->name},
                         {"description", i->description},
                         {"types", TypesToJson(i->types)},
                         {"params", i->params_schema}});
  }
  Json exporters = Json::array();
  for (const Exporter* e : formats.exporters.List()) {
    exporters.push_back({{"name", e->name},
                         {"description", e->description},
                         {"types", TypesToJson(e->types)},
                         {"params", e->params_schema},
                         {"importer", e->importer}});
  }
  return {{"importers", std::move(importers)}, {"exporters", std::move(exporters)}};
}

}  // namespace easel::data
