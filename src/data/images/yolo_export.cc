// yolo export (Ultralytics layout): images/<split>/<file>, labels/<split>/<file>.txt with one
// "class cx cy w h" line per box (class = index in source.classes; an image without boxes gets
// an empty file), classes.txt, and data.yaml naming the classes and the split folders. The
// importer drops the split folder again, so `file` survives the round trip. Numbers are
// written as the shortest text that reads back exactly.
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "data/images/format_list.h"
#include "data/images/image_export.h"
#include "data/images/image_paths.h"

namespace easel::data {
namespace {

Result<std::string> DataYaml(const ExportSource& source) {
  try {
    YAML::Emitter yaml;
    yaml << YAML::BeginMap;
    yaml << YAML::Key << "path" << YAML::Value << ".";
    yaml << YAML::Key << "train" << YAML::Value << "images/train";
    yaml << YAML::Key << "val" << YAML::Value << "images/val";
    yaml << YAML::Key << "test" << YAML::Value << "images/test";
    yaml << YAML::Key << "nc" << YAML::Value << source.classes.size();
    yaml << YAML::Key << "names" << YAML::Value << YAML::BeginSeq;
    for (const std::string& name : source.classes) yaml << YAML::DoubleQuoted << name;
    yaml << YAML::EndSeq << YAML::EndMap;
    if (!yaml.good()) return Internal("writing data.yaml: " + yaml.GetLastError());
    return std::string(yaml.c_str()) + "\n";
  } catch (const YAML::Exception& e) {
    return Internal(std::string("writing data.yaml: ") + e.what());
  }
}

Status Export(const ExportSource& source, const Json& params, ExportWriter& out) {
  for (const std::string& name : source.classes) {
    if (name.find_first_of("\r\n") != std::string::npos) {
      return InvalidArgument(
          fmt::format("class '{}' has a line break: classes.txt cannot hold it", name));
    }
  }
  std::string classes;
  for (const std::string& name : source.classes) classes += name + "\n";
  EASEL_RETURN_IF_ERROR(out.AddBytes("classes.txt", classes));
  EASEL_ASSIGN_OR_RETURN(std::string yaml, DataYaml(source));
  EASEL_RETURN_IF_ERROR(out.AddBytes("data.yaml", yaml));

  ExportProgress progress(out, source, 1);
  return source.for_each([&](const Sample& sample, Split split) -> Status {
    EASEL_RETURN_IF_ERROR(progress.Step());
    EASEL_ASSIGN_OR_RETURN(ImageHeader header, SampleImageHeader(source, sample));
    const double W = static_cast<double>(header.width), H = static_cast<double>(header.height);
    std::string lines;
    for (const Box& box : sample.boxes) {
      auto it = std::lower_bound(source.classes.begin(), source.classes.end(), box.label);
      if (it == source.classes.end() || *it != box.label) {
        return InvalidArgument(fmt::format("{}: box label '{}' is not a class of the dataset",
                                           sample.file, box.label));
      }
      lines += fmt::format("{} {} {} {} {}\n", it - source.classes.begin(),
                           FormatCoordinate((box.x + box.w / 2) / W),
                           FormatCoordinate((box.y + box.h / 2) / H), FormatCoordinate(box.w / W),
                           FormatCoordinate(box.h / H));
    }
    std::string_view s = ToString(split);
    std::string label_path = fmt::format("labels/{}/{}.txt", s, WithoutExtension(sample.file));
    EASEL_RETURN_IF_ERROR(out.AddBytes(label_path, lines));
    return out.AddBlob(fmt::format("images/{}/{}", s, sample.file), sample.blob);
  });
}

}  // namespace

Exporter YoloExporter() {
  Exporter exporter;
  exporter.name = "yolo";
  exporter.description =
      "YOLO (Ultralytics layout): images/<split>/, labels/<split>/*.txt, classes.txt and "
      "data.yaml.";
  exporter.types = {DatasetType::kObjectDetection};
  exporter.importer = "yolo";
  exporter.run = Export;
  return exporter;
}

}  // namespace easel::data
