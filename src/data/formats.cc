#include "data/formats.h"

// TEMPORARY while the format parts land: register what exists.
#if __has_include("data/images/formats.h")
#include "data/images/formats.h"
#define EASEL_HAS_IMAGE_FORMATS 1
#endif
#if __has_include("data/tabular/formats.h")
#include "data/tabular/formats.h"
#define EASEL_HAS_TABULAR_FORMATS 1
#endif

namespace easel::data {

void RegisterBuiltinFormats(Formats& formats) {
#ifdef EASEL_HAS_TABULAR_FORMATS
  RegisterTabularImporters(formats.importers);
  RegisterTabularExporters(formats.exporters);
#endif
#ifdef EASEL_HAS_IMAGE_FORMATS
  RegisterImageImporters(formats.importers);
  RegisterImageExporters(formats.exporters);
#endif
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
