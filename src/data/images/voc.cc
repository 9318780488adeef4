// voc: object detection in Pascal VOC XML, one file per image. The one file that calls pugixml.
//
// Import: every .xml file with an <annotation> root. <filename> must be a safe relative path
// (refused, never looked up otherwise). The image is looked for, when the XML lies under an
// Annotations/ folder, in JPEGImages/ or images/ beside that folder, then next to the XML, then
// as the only image whose path ends with the name; `file` is the name as <filename> gives it
// when found in JPEGImages/ or images/, the image's path in the upload otherwise (LabelImg's
// image-and-XML-side-by-side layout). <size> is checked against the image when given. Each
// <object> is <name> and <bndbox> xmin ymin xmax ymax, read as pixel edges: x = xmin,
// w = xmax - xmin (the exporter writes exactly that, so round trips are exact; 1-based corners
// of the original VOC devkit land within kBoxTolerance and are clipped). Images no XML names
// are rejected. pugixml never loads external entities or expands DOCTYPE-declared ones: an XXE
// or billion-laughs file parses as inert text.
//
// Export: Annotations/<file without extension>.xml and JPEGImages/<file>.
#include <fmt/format.h>

#include <charconv>
#include <pugixml.hpp>
#include <set>
#include <sstream>

#include "data/images/format_list.h"
#include "data/images/image_export.h"
#include "data/images/image_import.h"
#include "data/images/image_paths.h"

namespace easel::data {
namespace {

std::string_view Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::optional<double> Number(const pugi::xml_node& parent, const char* name) {
  std::string_view text = Trim(parent.child(name).text().get());
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

// The folder holding Annotations/ ("" at the top), or nullopt when the XML is not in one.
std::optional<std::string> VocRoot(std::string_view xml_path) {
  std::string_view dir = Dirname(xml_path);
  size_t start = 0;
  while (start <= dir.size()) {
    size_t end = std::min(dir.find('/', start), dir.size());
    std::string_view seg = dir.substr(start, end - start);
    if (seg == "Annotations" || seg == "annotations") {
      return std::string(start == 0 ? std::string_view() : dir.substr(0, start - 1));
    }
    start = end + 1;
  }
  return std::nullopt;
}

// The image and its sample `file` (see the top of the file); nullptr with *why set otherwise.
const SourceFile* ResolveImage(const SourceFiles& files, const PathSuffixIndex& index,
                               std::string_view xml_path, const std::string& rel, std::string* file,
                               std::string* why) {
  if (std::optional<std::string> root = VocRoot(xml_path)) {
    for (const char* folder : {"JPEGImages", "images"}) {
      if (const SourceFile* f = files.Find(JoinPath(*root, JoinPath(folder, rel)))) {
        *file = rel;
        return f;
      }
    }
  }
  const SourceFile* f = files.Find(JoinPath(Dirname(xml_path), rel));
  bool ambiguous = false;
  if (f == nullptr) f = index.Find(rel, &ambiguous);
  if (f == nullptr) {
    *why = ambiguous ? fmt::format("'{}' matches several files of the upload", rel)
                     : fmt::format("no file '{}' in the upload", rel);
    return nullptr;
  }
  *file = f->path;
  return f;
}

Json Schema() { return ImageParamsSchema(); }

// Reads one XML into `image` (boxes and declared size); the reason on refusal of the file.
Status ReadVocXml(std::string_view xml_path, std::string_view text, ImportSink& sink,
                  std::string* filename, PendingImage* image) {
  pugi::xml_document doc;
  // Default options: no DOCTYPE node, only the predefined and numeric entities expanded.
  pugi::xml_parse_result parsed = doc.load_buffer(text.data(), text.size(), pugi::parse_default);
  if (!parsed) {
    return InvalidArgument(
        fmt::format("malformed XML: {} at byte {}", parsed.description(), parsed.offset));
  }
  pugi::xml_node root = doc.child("annotation");
  if (!root) return InvalidArgument("not a Pascal VOC annotation (no <annotation> element)");
  *filename = std::string(Trim(root.child("filename").text().get()));
  if (filename->empty()) return InvalidArgument("no <filename>");
  if (pugi::xml_node size = root.child("size")) {
    std::optional<double> w = Number(size, "width"), h = Number(size, "height");
    if (w && h && *w >= 1 && *h >= 1 && *w < 1e10 && *h < 1e10) {
      image->declared_width = static_cast<int64_t>(*w);
      image->declared_height = static_cast<int64_t>(*h);
    }
  }
  int n = 0;
  for (pugi::xml_node object : root.children("object")) {
    std::string what = fmt::format("{}: object {}", xml_path, ++n);
    std::string name(Trim(object.child("name").text().get()));
    pugi::xml_node bndbox = object.child("bndbox");
    if (name.empty()) {
      sink.Reject(what, "object without a <name>");
      continue;
    }
    std::optional<double> x0 = Number(bndbox, "xmin"), y0 = Number(bndbox, "ymin"),
                          x1 = Number(bndbox, "xmax"), y1 = Number(bndbox, "ymax");
    if (!bndbox || !x0 || !y0 || !x1 || !y1) {
      sink.Reject(what, "<bndbox> needs numeric xmin, ymin, xmax and ymax");
      continue;
    }
    Status numbers = CheckBoxNumbers(*x0, *y0, *x1 - *x0, *y1 - *y0);
    if (!numbers.ok()) {
      sink.Reject(what, numbers.message());
      continue;
    }
    PendingBox box;
    box.box = Box{std::move(name), *x0, *y0, *x1 - *x0, *y1 - *y0};
    box.origin = std::move(what);
    image->boxes.push_back(std::move(box));
  }
  return OkStatus();
}

Status Import(const SourceFiles& files, DatasetType type, const Json& params, ImportSink& sink) {
  EASEL_ASSIGN_OR_RETURN(ImageImportOptions options, ParseImageImportOptions(params, Schema()));
  std::vector<const SourceFile*> visible = VisibleFiles(files);
  PathSuffixIndex index(visible);
  std::set<const SourceFile*> used;
  std::vector<PendingImage> images;
  int xml_files = 0;
  for (const SourceFile* xml : visible) {
    if (LowerExtension(xml->path) != ".xml") continue;
    if (sink.cancelled()) return Cancelled("import cancelled");
    ++xml_files;
    used.insert(xml);
    if (xml->size > options.max_annotation_bytes) {
      sink.Reject(xml->path, fmt::format("annotation file larger than {} bytes",
                                         options.max_annotation_bytes));
      continue;
    }
    EASEL_ASSIGN_OR_RETURN(std::string text, files.ReadAll(*xml, options.max_annotation_bytes));
    PendingImage image;
    std::string filename;
    Status read = ReadVocXml(xml->path, text, sink, &filename, &image);
    if (!read.ok()) {
      sink.Reject(xml->path, read.message());
      continue;
    }
    Result<std::string> rel = SafeRelativePath(filename);
    if (!rel.ok()) {
      sink.Reject(xml->path, rel.status().message());
      continue;
    }
    std::string why;
    image.source = ResolveImage(files, index, xml->path, *rel, &image.file, &why);
    if (image.source == nullptr) {
      sink.Reject(xml->path, why);
      continue;
    }
    used.insert(image.source);
    image.declared_by = xml->path;
    images.push_back(std::move(image));
  }
  if (xml_files == 0) return InvalidArgument("no Pascal VOC annotation files (.xml) in the upload");
  for (const SourceFile* f : visible) {
    if (used.count(f) > 0) continue;
    sink.Reject(f->path, HasImageExtension(f->path) ? "no annotation XML names this image"
                                                    : "not an image or annotation file");
  }
  return ImportImages(files, std::move(images), options, sink);
}

int Detect(const SourceFiles& files, DatasetType type) {
  if (type != DatasetType::kObjectDetection) return 0;
  bool xml = false, in_annotations = false, image = false;
  for (const SourceFile* f : VisibleFiles(files)) {
    if (LowerExtension(f->path) == ".xml") {
      xml = true;
      in_annotations = in_annotations || VocRoot(f->path).has_value();
    }
    image = image || HasImageExtension(f->path);
  }
  if (!xml || !image) return 0;
  return in_annotations ? 90 : 70;
}

std::string VocXml(const Sample& sample, const ImageHeader& header) {
  pugi::xml_document doc;
  pugi::xml_node root = doc.append_child("annotation");
  root.append_child("folder").text().set("JPEGImages");
  root.append_child("filename").text().set(sample.file.c_str());
  pugi::xml_node size = root.append_child("size");
  size.append_child("width").text().set(static_cast<long long>(header.width));
  size.append_child("height").text().set(static_cast<long long>(header.height));
  size.append_child("depth").text().set(3);
  root.append_child("segmented").text().set(0);
  for (const Box& box : sample.boxes) {
    pugi::xml_node object = root.append_child("object");
    object.append_child("name").text().set(box.label.c_str());
    object.append_child("pose").text().set("Unspecified");
    object.append_child("truncated").text().set(0);
    object.append_child("difficult").text().set(0);
    pugi::xml_node b = object.append_child("bndbox");
    // Corners rounded like the importer's boxes, so xmax - xmin reads back as w exactly.
    b.append_child("xmin").text().set(FormatCoordinate(box.x).c_str());
    b.append_child("ymin").text().set(FormatCoordinate(box.y).c_str());
    b.append_child("xmax").text().set(FormatCoordinate(RoundBoxCoordinate(box.x + box.w)).c_str());
    b.append_child("ymax").text().set(FormatCoordinate(RoundBoxCoordinate(box.y + box.h)).c_str());
  }
  std::ostringstream out;
  doc.save(out, "  ");
  return out.str();
}

Status Export(const ExportSource& source, const Json& params, ExportWriter& out) {
  ExportProgress progress(out, source, 1);
  return source.for_each([&](const Sample& sample, Split) -> Status {
    EASEL_RETURN_IF_ERROR(progress.Step());
    EASEL_ASSIGN_OR_RETURN(ImageHeader header, SampleImageHeader(source, sample));
    std::string xml_path = "Annotations/" + std::string(WithoutExtension(sample.file)) + ".xml";
    EASEL_RETURN_IF_ERROR(out.AddBytes(xml_path, VocXml(sample, header)));
    return out.AddBlob(JoinPath("JPEGImages", sample.file), sample.blob);
  });
}

}  // namespace

Importer VocImporter() {
  Importer importer;
  importer.name = "voc";
  importer.description =
      "Object detection in Pascal VOC XML (Annotations/*.xml with JPEGImages/, or XML files "
      "next to the images).";
  importer.types = {DatasetType::kObjectDetection};
  importer.params_schema = Schema();
  importer.detect = Detect;
  importer.run = Import;
  return importer;
}

Exporter VocExporter() {
  Exporter exporter;
  exporter.name = "voc";
  exporter.description = "Pascal VOC: Annotations/<name>.xml and JPEGImages/.";
  exporter.types = {DatasetType::kObjectDetection};
  exporter.importer = "voc";
  exporter.run = Export;
  return exporter;
}

}  // namespace easel::data
