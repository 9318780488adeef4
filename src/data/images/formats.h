#pragma once
// The image dataset formats: image_folder and image_csv (classification), coco, voc and yolo
// (object detection). Each has an importer and an exporter that reads back into the same
// samples (import -> export -> import is exact).

#include "data/exporter.h"
#include "data/importer.h"

namespace easel::data {

// Adds the importers / exporters of every image format. Called once from the one list of
// formats (data/formats.cc); a registration failure is a programming error and aborts.
void RegisterImageImporters(ImporterRegistry& registry);
void RegisterImageExporters(ExporterRegistry& registry);

}  // namespace easel::data
