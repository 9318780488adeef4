// coco import: object detection from COCO "instances" JSON files and the images they list.
//
// The JSON is the `annotations` param, or every .json file of the upload that has an "images"
// list (other .json files are rejected as files); several are merged (train and val together),
// their categories matched by name. The JSON is streamed: each element of images / annotations
// / categories is parsed, copied into a small struct and dropped, and everything else
// ("segmentation" polygons, keypoints, info, licenses) is skipped while parsing, so memory
// follows the number of boxes, not the size of the file.
//
// Each image's file_name must be a safe relative path ("..", absolute paths and backslashes
// are rejected, never looked up). It is found next to the JSON, under images/ beside the JSON
// or beside its folder, at the top of the upload or under images/ there, or as the only image
// whose path ends with it (train2017/x.jpg); `file` is the file_name. Annotations become boxes
// [x, y, w, h] in pixels, or are rejected with a reason: unknown image or category, malformed
// bbox, negative or empty size, outside the image beyond kBoxTolerance, or a crowd region
// (iscrowd=1 marks a group of objects, not one).
#include <fmt/format.h>

#include <array>
#include <map>
#include <set>
#include <unordered_map>

#include "data/images/format_list.h"
#include "data/images/image_import.h"
#include "data/images/image_paths.h"

namespace easel::data {
namespace {

struct CocoImage {
  std::string id;  // IdKey
  std::string file_name;
  int64_t width = 0, height = 0;
};
struct CocoAnnotation {
  std::string id, image_id, category_id;
  std::array<double, 4> bbox{};
  bool bbox_ok = false;  // bbox was an array of 4 numbers
  bool crowd = false;
};
struct CocoCategory {
  std::string id, name;
};
struct CocoFile {
  bool has_images = false;
  std::vector<CocoImage> images;
  std::vector<CocoAnnotation> annotations;
  std::vector<CocoCategory> categories;
  std::vector<std::pair<std::string, std::string>> rejected;  // what, why
};

// COCO ids are integers, but some tools write strings; both become map keys ("" for none).
std::string IdKey(const Json& obj, const char* field) {
  auto it = obj.find(field);
  if (it == obj.end()) return {};
  if (it->is_number_integer()) return std::to_string(it->get<int64_t>());
  if (it->is_string()) return "'" + it->get<std::string>() + "'";
  return {};
}

int64_t PositiveInt(const Json& obj, const char* field) {
  auto it = obj.find(field);
  if (it == obj.end() || !it->is_number()) return 0;
  double v = it->get<double>();
  return v >= 1 && v < 1e10 ? static_cast<int64_t>(v) : 0;
}

// Files one element of a top-level list into `out`.
void Take(const std::string& section, const Json& e, size_t index, CocoFile& out) {
  std::string where = fmt::format("{} #{}", section, index + 1);
  if (!e.is_object()) {
    out.rejected.emplace_back(where, "not a JSON object");
    return;
  }
  if (section == "images") {
    CocoImage image;
    image.id = IdKey(e, "id");
    auto name = e.find("file_name");
    if (image.id.empty() || name == e.end() || !name->is_string()) {
      out.rejected.emplace_back(where, "image without an id or a file_name");
      return;
    }
    image.file_name = name->get<std::string>();
    image.width = PositiveInt(e, "width");
    image.height = PositiveInt(e, "height");
    out.images.push_back(std::move(image));
  } else if (section == "annotations") {
    CocoAnnotation a;
    a.id = IdKey(e, "id");
    if (a.id.empty()) a.id = fmt::format("#{}", index + 1);
    a.image_id = IdKey(e, "image_id");
    a.category_id = IdKey(e, "category_id");
    auto bbox = e.find("bbox");
    if (bbox != e.end() && bbox->is_array() && bbox->size() == 4) {
      a.bbox_ok = true;
      for (size_t i = 0; i < 4; ++i) {
        if (!(*bbox)[i].is_number()) a.bbox_ok = false;
        if (a.bbox_ok) a.bbox[i] = (*bbox)[i].get<double>();
      }
    }
    auto crowd = e.find("iscrowd");
    a.crowd = crowd != e.end() && crowd->is_number() && crowd->get<double>() != 0;
    out.annotations.push_back(std::move(a));
  } else if (section == "categories") {
    CocoCategory c;
    c.id = IdKey(e, "id");
    auto name = e.find("name");
    if (c.id.empty() || name == e.end() || !name->is_string() || name->get<std::string>().empty()) {
      out.rejected.emplace_back(where, "category without an id or a name");
      return;
    }
    c.name = name->get<std::string>();
    out.categories.push_back(std::move(c));
  }
}

bool Wanted(std::string_view section) {
  return section == "images" || section == "annotations" || section == "categories";
}
bool WantedField(std::string_view key) {
  return key == "id" || key == "image_id" || key == "category_id" || key == "bbox" ||
         key == "iscrowd" || key == "file_name" || key == "width" || key == "height" ||
         key == "name";
}

struct TooDeep : std::exception {};

// Streams `text` through nlohmann's parser callback (depths: 1 = top-level keys, 2 = list
// elements, 3 = their fields, 4 = bbox numbers); returning false drops what was just parsed.
Result<CocoFile> ParseCoco(std::string_view text) {
  using Event = Json::parse_event_t;
  CocoFile out;
  std::string section;
  bool in_list = false;
  std::map<std::string, size_t> counts;
  auto callback = [&](int depth, Event event, Json& parsed) -> bool {
    // Stops at once: the parser keeps a stack entry per open container even for dropped ones.
    if (depth > kDefaultMaxJsonDepth) throw TooDeep();
    if (depth == 1 && event == Event::key) {
      section = parsed.get<std::string>();
      in_list = false;
      return Wanted(section);
    }
    if (depth == 1 && event == Event::array_start) {
      in_list = Wanted(section);
      if (section == "images") out.has_images = true;
      return true;
    }
    if (depth == 1 && (event == Event::array_end || event == Event::object_end)) {
      return false;  // the list itself is never kept: its elements went to Take
    }
    if (depth == 2 && in_list &&
        (event == Event::object_end || event == Event::array_end || event == Event::value)) {
      Take(section, parsed, counts[section]++, out);
      return false;
    }
    if (depth == 3 && event == Event::key) return WantedField(parsed.get<std::string>());
    if (depth >= 4 && (event == Event::object_start || event == Event::array_start)) return false;
    return true;
  };
  try {
    // What is left of the document is an empty shell: everything went to Take or was dropped.
    Json shell = Json::parse(text.begin(), text.end(), callback, /*allow_exceptions=*/true);
  } catch (const TooDeep&) {
    return InvalidArgument(
        fmt::format("JSON nesting is deeper than the limit of {}", kDefaultMaxJsonDepth));
  } catch (const Json::parse_error& e) {
    return InvalidArgument(fmt::format("malformed JSON at byte {}", e.byte));
  } catch (const std::exception& e) {
    return InvalidArgument("malformed JSON");
  }
  return out;
}

Json Schema() {
  return ImageParamsSchema(
      {{"annotations",
        {{"type", "string"},
         {"default", nullptr},
         {"description",
          "Path of the COCO JSON in the upload; by default every .json file with an 'images' "
          "list is read."}}}});
}

// Where an image named `rel` by the JSON at `json_path` may be (see the top of the file).
const SourceFile* ResolveImage(const SourceFiles& files, const PathSuffixIndex& index,
                               std::string_view json_path, const std::string& rel,
                               std::string* why) {
  std::string_view dir = Dirname(json_path);
  std::vector<std::string> candidates = {JoinPath(dir, rel), JoinPath(dir, "images/" + rel)};
  if (!dir.empty()) {
    candidates.push_back(JoinPath(Dirname(dir), "images/" + rel));
    candidates.push_back(rel);
    candidates.push_back("images/" + rel);
  }
  for (const std::string& c : candidates) {
    if (const SourceFile* f = files.Find(c)) return f;
  }
  bool ambiguous = false;
  const SourceFile* f = index.Find(rel, &ambiguous);
  if (f == nullptr) {
    *why = ambiguous ? fmt::format("'{}' matches several files of the upload", rel)
                     : fmt::format("no file '{}' in the upload", rel);
  }
  return f;
}

Status Import(const SourceFiles& files, DatasetType type, const Json& params, ImportSink& sink) {
  EASEL_ASSIGN_OR_RETURN(ImageImportOptions options, ParseImageImportOptions(params, Schema()));
  std::vector<const SourceFile*> visible = VisibleFiles(files);
  EASEL_ASSIGN_OR_RETURN(std::optional<std::string> named,
                         GetOptionalString(params, "annotations"));
  std::vector<const SourceFile*> jsons;
  if (named) {
    const SourceFile* f = files.Find(*named);
    if (f == nullptr) return InvalidArgument(fmt::format("'{}' is not in the upload", *named));
    jsons.push_back(f);
  } else {
    for (const SourceFile* f : visible) {
      if (LowerExtension(f->path) == ".json") jsons.push_back(f);
    }
  }
  if (jsons.empty()) return InvalidArgument("no COCO annotation file (.json) in the upload");

  PathSuffixIndex index(visible);
  std::set<const SourceFile*> used;
  std::vector<std::string> classes;  // declared, in order, once each
  std::set<std::string> class_set;
  std::vector<PendingImage> images;
  int coco_files = 0;
  for (const SourceFile* json : jsons) {
    used.insert(json);
    EASEL_ASSIGN_OR_RETURN(std::string text, files.ReadAll(*json, options.max_annotation_bytes));
    Result<CocoFile> parsed = ParseCoco(text);
    text = std::string();
    if (!parsed.ok()) return InvalidArgument(json->path + ": " + parsed.status().message());
    if (!parsed->has_images) {
      if (jsons.size() == 1) {
        return InvalidArgument(json->path + ": not a COCO instances file (no 'images' list)");
      }
      sink.Reject(json->path, "not a COCO instances file (no 'images' list)");
      continue;
    }
    ++coco_files;
    const std::string& jp = json->path;
    for (auto& [what, why] : parsed->rejected) sink.Reject(jp + ": " + what, why);

    std::unordered_map<std::string, std::string> category_names;
    for (const CocoCategory& c : parsed->categories) {
      if (!category_names.emplace(c.id, c.name).second) {
        sink.Reject(jp + ": category " + c.id, "category id listed twice");
        continue;
      }
      if (class_set.insert(c.name).second) classes.push_back(c.name);
    }
    // image id -> index in `images`; SIZE_MAX for an image already rejected (its annotations
    // are dropped without a rejection each).
    std::unordered_map<std::string, size_t> image_index;
    for (const CocoImage& im : parsed->images) {
      if (sink.cancelled()) return Cancelled("import cancelled");
      std::string what = jp + ": image " + im.id;
      if (image_index.count(im.id) > 0) {
        sink.Reject(what, "image id listed twice");
        continue;
      }
      image_index[im.id] = SIZE_MAX;
      Result<std::string> rel = SafeRelativePath(im.file_name);
      if (!rel.ok()) {
        sink.Reject(what, rel.status().message());
        continue;
      }
      std::string why;
      const SourceFile* f = ResolveImage(files, index, jp, *rel, &why);
      if (f == nullptr) {
        sink.Reject(what, why);
        continue;
      }
      used.insert(f);
      image_index[im.id] = images.size();
      PendingImage p;
      p.source = f;
      p.file = std::move(*rel);
      p.declared_width = im.width;
      p.declared_height = im.height;
      p.declared_by = jp;
      images.push_back(std::move(p));
    }
    for (const CocoAnnotation& a : parsed->annotations) {
      std::string what = jp + ": annotation " + a.id;
      auto im = image_index.find(a.image_id);
      if (im == image_index.end()) {
        sink.Reject(what,
                    fmt::format("unknown image_id {}", a.image_id.empty() ? "(none)" : a.image_id));
        continue;
      }
      if (im->second == SIZE_MAX) continue;
      auto cat = category_names.find(a.category_id);
      if (cat == category_names.end()) {
        sink.Reject(what, fmt::format("unknown category_id {}",
                                      a.category_id.empty() ? "(none)" : a.category_id));
        continue;
      }
      if (a.crowd) {
        sink.Reject(what, "crowd annotation (iscrowd=1): marks a group of objects, not one");
        continue;
      }
      if (!a.bbox_ok) {
        sink.Reject(what, "bbox must be [x, y, width, height]");
        continue;
      }
      Status numbers = CheckBoxNumbers(a.bbox[0], a.bbox[1], a.bbox[2], a.bbox[3]);
      if (!numbers.ok()) {
        sink.Reject(what, numbers.message());
        continue;
      }
      PendingBox box;
      box.box = Box{cat->second, a.bbox[0], a.bbox[1], a.bbox[2], a.bbox[3]};
      box.origin = std::move(what);
      images[im->second].boxes.push_back(std::move(box));
    }
  }
  if (coco_files == 0) {
    return InvalidArgument("no COCO instances file: no .json file has an 'images' list");
  }
  sink.DeclareClasses(classes);
  for (const SourceFile* f : visible) {
    if (used.count(f) > 0) continue;
    sink.Reject(f->path, HasImageExtension(f->path) ? "not listed in the COCO annotations"
                                                    : "not an image or annotation file");
  }
  return ImportImages(files, std::move(images), options, sink);
}

int Detect(const SourceFiles& files, DatasetType type) {
  if (type != DatasetType::kObjectDetection) return 0;
  bool json = false, named = false, image = false;
  for (const SourceFile* f : VisibleFiles(files)) {
    if (LowerExtension(f->path) == ".json") {
      json = true;
      named = named || f->path.find("instances") != std::string::npos ||
              f->path.find("annotations") != std::string::npos ||
              f->path.find("coco") != std::string::npos;
    }
    image = image || HasImageExtension(f->path);
  }
  if (!json || !image) return 0;
  return named ? 90 : 60;
}

}  // namespace

Importer CocoImporter() {
  Importer importer;
  importer.name = "coco";
  importer.description =
      "Object detection from COCO instances JSON (images, annotations with bbox, categories) "
      "and the images it lists.";
  importer.types = {DatasetType::kObjectDetection};
  importer.params_schema = Schema();
  importer.detect = Detect;
  importer.run = Import;
  return importer;
}

}  // namespace easel::data
