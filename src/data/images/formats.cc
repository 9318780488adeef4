// The one list of image formats.
#include "data/images/formats.h"

#include <cstdlib>

#include "common/log.h"
#include "data/images/format_list.h"

namespace easel::data {
namespace {

void MustRegister(const Status& status, const char* what) {
  if (status.ok()) return;
  EASEL_LOG_ERROR("registering the {} failed: {}", what, status.ToString());
  std::abort();
}

}  // namespace

void RegisterImageImporters(ImporterRegistry& registry) {
  MustRegister(registry.Register(ImageFolderImporter()), "importer image_folder");
  MustRegister(registry.Register(ImageCsvImporter()), "importer image_csv");
  MustRegister(registry.Register(CocoImporter()), "importer coco");
  MustRegister(registry.Register(VocImporter()), "importer voc");
  MustRegister(registry.Register(YoloImporter()), "importer yolo");
}

void RegisterImageExporters(ExporterRegistry& registry) {
  MustRegister(registry.Register(ImageFolderExporter()), "exporter image_folder");
  MustRegister(registry.Register(ImageCsvExporter()), "exporter image_csv");
  MustRegister(registry.Register(CocoExporter()), "exporter coco");
  MustRegister(registry.Register(VocExporter()), "exporter voc");
  MustRegister(registry.Register(YoloExporter()), "exporter yolo");
}

}  // namespace easel::data
