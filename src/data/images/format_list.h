#pragma once
// One factory per image format and direction, each in its format's file; formats.cc registers
// them all. Internal to src/data/images.

#include "data/exporter.h"
#include "data/importer.h"

namespace easel::data {

Importer ImageFolderImporter();  // image_folder.cc
Exporter ImageFolderExporter();
Importer ImageCsvImporter();  // image_csv.cc
Exporter ImageCsvExporter();
Importer CocoImporter();  // coco_import.cc
Exporter CocoExporter();  // coco_export.cc
Importer VocImporter();   // voc.cc
Exporter VocExporter();
Importer YoloImporter();  // yolo_import.cc
Exporter YoloExporter();  // yolo_export.cc

}  // namespace easel::data
