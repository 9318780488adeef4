// yolo import: object detection in YOLO text labels, one .txt per image with lines
// "class cx cy w h" (centre and size as fractions of the image).
//
// Layouts: Ultralytics (images/[split/]x.jpg with labels/[split/]x.txt, the first "images"
// folder of the path swapped for "labels") and Darknet (x.txt next to x.jpg, also accepted in
// the Ultralytics layout). `file` is the path after that "images/" folder, without a leading
// train/, val/, valid/, validation/ or test/ folder: splits are easel's to decide, and the
// exporter's split folders must not leak into names on re-import. Without an "images" folder
// `file` is the image's path. An image without a label file has no boxes.
//
// Class names: data.yaml (`names:` as a list or a {0: a, 1: b} map; the shallowest .yaml with
// names), else classes.txt, else obj.names or another .names file (one name per line). Without
// any, class ids are used as names. Lines are rejected by "file:line": not 5 values, a class
// id that is not an integer or out of range, numbers that are not finite, negative or empty
// sizes; boxes outside the image are rejected like every format's. Label files without an
// image are rejected. yaml-cpp exceptions stop here.
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include "data/images/format_list.h"
#include "data/images/image_import.h"
#include "data/images/image_paths.h"

namespace easel::data {
namespace {

constexpr int kMaxClasses = 100'000;

bool IsSplitFolder(std::string_view s) {
  return s == "train" || s == "val" || s == "valid" || s == "validation" || s == "test";
}

// Where an image's label file is and what its `file` is (see the top of the file).
struct YoloPaths {
  std::string label;    // Ultralytics labels/ path ("" without an images/ folder)
  std::string sibling;  // x.txt next to the image
  std::string file;
};

YoloPaths PathsOf(std::string_view image) {
  YoloPaths p;
  p.sibling = std::string(WithoutExtension(image)) + ".txt";
  p.file = std::string(image);
  size_t start = 0;
  while (start < image.size()) {
    size_t end = image.find('/', start);
    if (end == std::string_view::npos) break;  // the last segment is the file itself
    if (image.substr(start, end - start) == "images") {
      std::string_view rest = image.substr(end + 1);
      p.label = std::string(image.substr(0, start)) + "labels/" +
                std::string(WithoutExtension(rest)) + ".txt";
      size_t slash = rest.find('/');
      if (slash != std::string_view::npos && IsSplitFolder(rest.substr(0, slash))) {
        rest.remove_prefix(slash + 1);
      }
      p.file = std::string(rest);
      break;
    }
    start = end + 1;
  }
  return p;
}

size_t Depth(std::string_view path) { return std::count(path.begin(), path.end(), '/'); }

// How much a file is preferred as the source of class names (lower is better; kNotNames for
// files that are not one).
constexpr int kNotNames = 99;
int NamesRank(std::string_view path) {
  std::string_view base = Basename(path);
  std::string ext = LowerExtension(path);
  if (base == "data.yaml") return 0;
  if (ext == ".yaml" || ext == ".yml") return 1;
  if (base == "classes.txt") return 2;
  if (base == "obj.names") return 3;
  if (ext == ".names") return 4;
  return kNotNames;
}

// The file class names come from, by preference (see the top of the file).
const SourceFile* FindNamesFile(const std::vector<const SourceFile*>& visible) {
  const SourceFile* best = nullptr;
  int best_rank = kNotNames;
  for (const SourceFile* f : visible) {
    int rank = NamesRank(f->path);
    if (rank < best_rank || (rank == best_rank && best && Depth(f->path) < Depth(best->path))) {
      best = f;
      best_rank = rank;
    }
  }
  return best_rank < kNotNames ? best : nullptr;
}

Result<std::vector<std::string>> NamesFromYaml(const std::string& text) {
  std::vector<std::string> names;
  try {
    YAML::Node root = YAML::Load(text);
    YAML::Node list = root.IsMap() ? root["names"] : YAML::Node();
    if (!list || list.IsNull()) return InvalidArgument("no 'names' list");
    if (list.IsSequence()) {
      if (list.size() > kMaxClasses) return InvalidArgument("too many class names");
      for (const YAML::Node& n : list) names.push_back(n.as<std::string>());
    } else if (list.IsMap()) {
      std::map<int, std::string> by_id;
      for (const auto& kv : list) {
        int id = kv.first.as<int>();
        if (id < 0 || id >= kMaxClasses)
          return InvalidArgument(fmt::format("class id {} out of range", id));
        by_id[id] = kv.second.as<std::string>();
      }
      if (!by_id.empty()) names.resize(by_id.rbegin()->first + 1);
      for (auto& [id, name] : by_id) names[id] = std::move(name);
    } else {
      return InvalidArgument("'names' must be a list or a map of class ids to names");
    }
  } catch (const YAML::Exception& e) {
    return InvalidArgument(fmt::format("malformed YAML: {}", e.what()));
  }
  return names;
}

std::vector<std::string> NamesFromLines(std::string_view text) {
  std::vector<std::string> names;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = std::min(text.find('\n', start), text.size());
    std::string_view line = text.substr(start, end - start);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
      line.remove_suffix(1);
    }
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    names.emplace_back(line);
    start = end + 1;
  }
  while (!names.empty() && names.back().empty()) names.pop_back();
  return names;
}

Result<std::vector<std::string>> ReadNames(const SourceFiles& files, const SourceFile& f,
                                           const ImageImportOptions& options) {
  EASEL_ASSIGN_OR_RETURN(std::string text, files.ReadAll(f, options.max_annotation_bytes));
  std::string ext = LowerExtension(f.path);
  Result<std::vector<std::string>> names =
      ext == ".yaml" || ext == ".yml" ? NamesFromYaml(text)
                                      : Result<std::vector<std::string>>(NamesFromLines(text));
  if (!names.ok()) return InvalidArgument(f.path + ": " + names.status().message());
  for (size_t i = 0; i < names->size(); ++i) {
    if ((*names)[i].empty())
      return InvalidArgument(fmt::format("{}: class {} has no name", f.path, i));
  }
  if (names->size() > kMaxClasses) return InvalidArgument(f.path + ": too many class names");
  return names;
}

std::vector<std::string_view> Tokens(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    size_t j = i;
    while (j < line.size() && !std::isspace(static_cast<unsigned char>(line[j]))) ++j;
    if (j > i) out.push_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

// Reads one label file into `image`'s boxes, rejecting bad lines by "file:line".
void ReadLabels(std::string_view path, std::string_view text, const std::vector<std::string>& names,
                const std::string& names_source, ImportSink& sink, PendingImage& image) {
  size_t start = 0;
  int line_no = 0;
  while (start < text.size()) {
    size_t end = std::min(text.find('\n', start), text.size());
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_no;
    std::vector<std::string_view> t = Tokens(line);
    if (t.empty()) continue;
    std::string where = fmt::format("{}:{}", path, line_no);
    if (t.size() != 5) {
      sink.Reject(where, fmt::format("expected 5 values (class cx cy w h), found {}", t.size()));
      continue;
    }
    int64_t id = -1;
    auto [id_end, id_ec] = std::from_chars(t[0].data(), t[0].data() + t[0].size(), id);
    if (id_ec != std::errc() || id_end != t[0].data() + t[0].size() || id < 0) {
      sink.Reject(where, fmt::format("class id '{}' is not a non-negative integer", t[0]));
      continue;
    }
    if (!names.empty() && id >= static_cast<int64_t>(names.size())) {
      sink.Reject(where, fmt::format("class id {} out of range ({} classes in {})", id,
                                     names.size(), names_source));
      continue;
    }
    double v[4];
    bool numbers = true;
    for (int i = 0; i < 4; ++i) {
      std::string_view s = t[i + 1];
      auto [e, ec] = std::from_chars(s.data(), s.data() + s.size(), v[i]);
      numbers = numbers && ec == std::errc() && e == s.data() + s.size();
    }
    if (!numbers) {
      sink.Reject(where, "cx, cy, w and h must be numbers");
      continue;
    }
    Status check = CheckBoxNumbers(v[0], v[1], v[2], v[3]);
    if (!check.ok()) {
      sink.Reject(where, check.message());
      continue;
    }
    PendingBox box;
    box.box = Box{names.empty() ? std::to_string(id) : names[id], v[0], v[1], v[2], v[3]};
    box.normalized = true;
    box.origin = std::move(where);
    image.boxes.push_back(std::move(box));
  }
}

Json Schema() { return ImageParamsSchema(); }

Status Import(const SourceFiles& files, DatasetType type, const Json& params, ImportSink& sink) {
  EASEL_ASSIGN_OR_RETURN(ImageImportOptions options, ParseImageImportOptions(params, Schema()));
  std::vector<const SourceFile*> visible = VisibleFiles(files);
  std::set<const SourceFile*> used;
  std::vector<std::string> names;
  std::string names_source;
  if (const SourceFile* f = FindNamesFile(visible)) {
    EASEL_ASSIGN_OR_RETURN(names, ReadNames(files, *f, options));
    names_source = f->path;
    used.insert(f);
    sink.DeclareClasses(names);
  }
  std::vector<PendingImage> images;
  for (const SourceFile* f : visible) {
    if (!HasImageExtension(f->path)) continue;
    if (sink.cancelled()) return Cancelled("import cancelled");
    YoloPaths paths = PathsOf(f->path);
    PendingImage image;
    image.source = f;
    image.file = std::move(paths.file);
    const SourceFile* label = paths.label.empty() ? nullptr : files.Find(paths.label);
    if (label == nullptr) label = files.Find(paths.sibling);
    used.insert(f);
    if (label != nullptr && used.insert(label).second) {
      if (label->size > options.max_annotation_bytes) {
        sink.Reject(label->path, "label file too large");
      } else {
        EASEL_ASSIGN_OR_RETURN(std::string text,
                               files.ReadAll(*label, options.max_annotation_bytes));
        ReadLabels(label->path, text, names, names_source, sink, image);
      }
    }
    images.push_back(std::move(image));
  }
  if (images.empty()) return InvalidArgument("no images in the upload");
  for (const SourceFile* f : visible) {
    // Other names files (classes.txt beside data.yaml) belong to the dataset too.
    if (used.count(f) > 0 || NamesRank(f->path) != kNotNames) continue;
    bool label_file =
        LowerExtension(f->path) == ".txt" &&
        (f->path.rfind("labels/", 0) == 0 || f->path.find("/labels/") != std::string::npos);
    sink.Reject(f->path,
                label_file ? "no image for this label file" : "not an image or label file");
  }
  return ImportImages(files, std::move(images), options, sink);
}

int Detect(const SourceFiles& files, DatasetType type) {
  if (type != DatasetType::kObjectDetection) return 0;
  bool names = false, labels_dir = false, txt = false, image = false;
  for (const SourceFile* f : VisibleFiles(files)) {
    std::string_view base = Basename(f->path);
    std::string ext = LowerExtension(f->path);
    names = names || base == "data.yaml" || base == "classes.txt" || ext == ".names";
    labels_dir = labels_dir || (ext == ".txt" && (f->path.rfind("labels/", 0) == 0 ||
                                                  f->path.find("/labels/") != std::string::npos));
    txt = txt || ext == ".txt";
    image = image || HasImageExtension(f->path);
  }
  if (!image || !txt) return 0;
  return names || labels_dir ? 85 : 50;
}

}  // namespace

Importer YoloImporter() {
  Importer importer;
  importer.name = "yolo";
  importer.description =
      "Object detection in YOLO text labels (images/ and labels/ with one 'class cx cy w h' line "
      "per box) with class names from data.yaml, classes.txt or obj.names.";
  importer.types = {DatasetType::kObjectDetection};
  importer.params_schema = Schema();
  importer.detect = Detect;
  importer.run = Import;
  return importer;
}

}  // namespace easel::data
