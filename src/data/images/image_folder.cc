// image_folder: image classification as one folder per class ("cats/1.jpg", "dogs/2.png").
//
// Import: the class is the first folder of the path; images deeper inside a class folder
// belong to it too ("cats/kittens/3.jpg" is a cat, file "cats/kittens/3.jpg"). One extra folder
// wrapping everything ("pets/cats/1.jpg", as archives made of a folder have) is recognised and
// left out of `file`: it is a wrapper when every file lies under it and at least one lies two
// folders deep. (So "cats/kittens/3.jpg" alone reads as the class "kittens" in the wrapper
// "cats"; the exporter always writes a wrapper, which keeps its own output unambiguous.)
// Hidden files are skipped silently; other files are rejected: images directly in the top
// folder ("image outside a class folder") and anything that is not an image.
//
// Export: "<dataset>/<class>/<file>", where the class folder is left out of `file` when the file
// already starts with it, so imported paths come back unchanged. Unlabeled samples are skipped.
#include <fmt/format.h>

#include "data/images/format_list.h"
#include "data/images/image_export.h"
#include "data/images/image_import.h"
#include "data/images/image_paths.h"

namespace easel::data {
namespace {

std::string_view FirstSegment(std::string_view path) { return path.substr(0, path.find('/')); }

// "pets/" when one folder wraps all the class folders, "" otherwise (see the top).
std::string WrapperPrefix(const std::vector<const SourceFile*>& files) {
  if (files.empty()) return "";
  std::string_view top = FirstSegment(files.front()->path);
  bool deep = false;
  for (const SourceFile* f : files) {
    std::string_view p = f->path;
    if (p.size() <= top.size() || p.substr(0, top.size()) != top || p[top.size()] != '/') {
      return "";
    }
    if (p.find('/', top.size() + 1) != std::string_view::npos) deep = true;
  }
  return deep ? std::string(top) + "/" : "";
}

Json Schema() { return ImageParamsSchema(); }

Status Import(const SourceFiles& files, DatasetType type, const Json& params, ImportSink& sink) {
  EASEL_ASSIGN_OR_RETURN(ImageImportOptions options, ParseImageImportOptions(params, Schema()));
  std::vector<const SourceFile*> visible = VisibleFiles(files);
  const std::string wrapper = WrapperPrefix(visible);
  std::vector<PendingImage> images;
  for (const SourceFile* f : visible) {
    if (sink.cancelled()) return Cancelled("import cancelled");
    if (!HasImageExtension(f->path)) {
      sink.Reject(f->path, "not an image file");
      continue;
    }
    std::string_view rel = std::string_view(f->path).substr(wrapper.size());
    size_t slash = rel.find('/');
    if (slash == std::string_view::npos) {
      sink.Reject(f->path, "image outside a class folder");
      continue;
    }
    PendingImage image;
    image.source = f;
    image.file = std::string(rel);
    image.labels.emplace_back(rel.substr(0, slash));
    images.push_back(std::move(image));
  }
  if (images.empty()) {
    return InvalidArgument(
        "no images in class folders: expected one folder per class, like cats/1.jpg and "
        "dogs/2.jpg");
  }
  return ImportImages(files, std::move(images), options, sink);
}

int Detect(const SourceFiles& files, DatasetType type) {
  if (type != DatasetType::kImageClassification) return 0;
  std::vector<const SourceFile*> visible = VisibleFiles(files);
  const std::string wrapper = WrapperPrefix(visible);
  size_t images = 0, in_folders = 0, manifests = 0;
  for (const SourceFile* f : visible) {
    if (LowerExtension(f->path) == ".csv") ++manifests;
    if (!HasImageExtension(f->path)) continue;
    ++images;
    if (f->path.find('/', wrapper.size()) != std::string::npos) ++in_folders;
  }
  if (images == 0 || in_folders == 0) return 0;
  if (manifests > 0) return 20;  // more likely image_csv with images in folders
  return in_folders * 10 >= images * 9 ? 70 : 40;
}

Status Export(const ExportSource& source, const Json& params, ExportWriter& out) {
  const std::string root = source.dataset_name.empty() || !CheckFolderName(source.dataset_name).ok()
                               ? std::string("dataset")
                               : source.dataset_name;
  ExportProgress progress(out, source, 1);
  return source.for_each([&](const Sample& sample, Split) -> Status {
    EASEL_RETURN_IF_ERROR(progress.Step());
    if (sample.labels.empty()) return OkStatus();  // an unlabeled image has no folder
    const std::string& label = sample.labels.front();
    EASEL_RETURN_IF_ERROR(CheckFolderName(label));
    std::string_view file = sample.file;
    bool in_class_folder = file.size() > label.size() && file.substr(0, label.size()) == label &&
                           file[label.size()] == '/';
    std::string path =
        in_class_folder ? JoinPath(root, file) : JoinPath(root, JoinPath(label, file));
    return out.AddBlob(path, sample.blob);
  });
}

}  // namespace

Importer ImageFolderImporter() {
  Importer importer;
  importer.name = "image_folder";
  importer.description =
      "Image classification with one folder per class (cats/1.jpg, dogs/2.png), optionally "
      "inside one top folder.";
  importer.types = {DatasetType::kImageClassification};
  importer.params_schema = Schema();
  importer.detect = Detect;
  importer.run = Import;
  return importer;
}

Exporter ImageFolderExporter() {
  Exporter exporter;
  exporter.name = "image_folder";
  exporter.description =
      "One folder per class inside a folder named after the dataset; unlabeled images are "
      "left out.";
  exporter.types = {DatasetType::kImageClassification};
  exporter.importer = "image_folder";
  exporter.run = Export;
  return exporter;
}

}  // namespace easel::data
