// coco export: images/<file> and annotations/instances.json, written in three walks over the
// samples (the image files, then the JSON's "images" list, then its "annotations"), so only
// one sample is in memory at a time. Image ids are 1..n in manifest order, category ids 1..k
// in the order of source.classes; file_name is the sample's file, which the importer reads
// back from images/ beside the JSON's folder.
#include <fmt/format.h>

#include <algorithm>

#include "data/images/format_list.h"
#include "data/images/image_export.h"
#include "data/images/image_paths.h"

namespace easel::data {
namespace {

Status Export(const ExportSource& source, const Json& params, ExportWriter& out) {
  ExportProgress progress(out, source, 3);
  EASEL_RETURN_IF_ERROR(source.for_each([&](const Sample& sample, Split) -> Status {
    EASEL_RETURN_IF_ERROR(progress.Step());
    return out.AddBlob(JoinPath("images", sample.file), sample.blob);
  }));

  EASEL_ASSIGN_OR_RETURN(BufferedExportFile json,
                         BufferedExportFile::Open(out, "annotations/instances.json"));
  Json info = {{"description", source.dataset_name}, {"version", "1.0"}};
  Json categories = Json::array();
  for (size_t i = 0; i < source.classes.size(); ++i) {
    categories.push_back({{"id", i + 1}, {"name", source.classes[i]}, {"supercategory", ""}});
  }
  EASEL_RETURN_IF_ERROR(
      json.Append(fmt::format("{{\"info\":{},\"licenses\":[],\"categories\":{},\n\"images\":[",
                              DumpJson(info), DumpJson(categories))));
  int64_t image_id = 0;
  EASEL_RETURN_IF_ERROR(source.for_each([&](const Sample& sample, Split) -> Status {
    EASEL_RETURN_IF_ERROR(progress.Step());
    EASEL_ASSIGN_OR_RETURN(ImageHeader header, SampleImageHeader(source, sample));
    Json image = {{"id", ++image_id},
                  {"file_name", sample.file},
                  {"width", header.width},
                  {"height", header.height}};
    return json.Append((image_id == 1 ? "\n" : ",\n") + DumpJson(image));
  }));
  EASEL_RETURN_IF_ERROR(json.Append("],\n\"annotations\":["));
  image_id = 0;
  int64_t annotation_id = 0;
  EASEL_RETURN_IF_ERROR(source.for_each([&](const Sample& sample, Split) -> Status {
    EASEL_RETURN_IF_ERROR(progress.Step());
    ++image_id;
    for (const Box& box : sample.boxes) {
      auto it = std::lower_bound(source.classes.begin(), source.classes.end(), box.label);
      if (it == source.classes.end() || *it != box.label) {
        return InvalidArgument(fmt::format("{}: box label '{}' is not a class of the dataset",
                                           sample.file, box.label));
      }
      // Numbers by hand: the shortest text that reads back as the same double.
      std::string text = fmt::format(
          "{}{{\"id\":{},\"image_id\":{},\"category_id\":{},\"bbox\":[{},{},{},{}],"
          "\"area\":{},\"iscrowd\":0,\"segmentation\":[]}}",
          annotation_id == 0 ? "\n" : ",\n", annotation_id + 1, image_id,
          (it - source.classes.begin()) + 1, FormatCoordinate(box.x), FormatCoordinate(box.y),
          FormatCoordinate(box.w), FormatCoordinate(box.h), FormatCoordinate(box.w * box.h));
      ++annotation_id;
      EASEL_RETURN_IF_ERROR(json.Append(text));
    }
    return OkStatus();
  }));
  EASEL_RETURN_IF_ERROR(json.Append("]}\n"));
  return json.Close();
}

}  // namespace

Exporter CocoExporter() {
  Exporter exporter;
  exporter.name = "coco";
  exporter.description = "COCO: annotations/instances.json (boxes as [x, y, w, h]) and images/.";
  exporter.types = {DatasetType::kObjectDetection};
  exporter.importer = "coco";
  exporter.run = Export;
  return exporter;
}

}  // namespace easel::data
