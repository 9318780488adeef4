#pragma once
// The one list of built-in import and export formats (DESIGN.md §4: explicit registration).

#include "data/exporter.h"
#include "data/importer.h"

namespace easel::data {

struct Formats {
  ImporterRegistry importers;
  ExporterRegistry exporters;
};

// Registers every built-in format: csv, jsonl (tabular/), image_folder, image_csv, coco, voc,
// yolo (images/).
void RegisterBuiltinFormats(Formats& formats);

// {importers: [{name, description, types, params}], exporters: [...]}: what /api/v1/formats
// serves.
Json FormatsToJson(const Formats& formats);

}  // namespace easel::data
