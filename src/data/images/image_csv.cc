// image_csv: image classification as a CSV manifest plus the images.
//
// Import: the manifest is the `manifest` param, or the upload's only .csv file, read with the
// tabular CSV parser (so a malformed manifest stops the import naming its line). Its header
// names a file column (file, image, path, filename, image_path or filepath) and a label column
// (label, class or category), in any order and case. Each row's file is looked up relative to
// the manifest's folder, then under images/ beside it; `file` is the name as the row wrote it
// (normalized). An empty label makes an unlabeled sample. Rows are rejected by line
// ("labels.csv:7"): an unsafe or missing file, a file listed twice. Images the manifest does
// not list are rejected ("not listed in the manifest labels.csv").
//
// Export: labels.csv ("file,label") and images/<file>.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <span>

#include "data/images/format_list.h"
#include "data/images/image_export.h"
#include "data/images/image_import.h"
#include "data/images/image_paths.h"
#include "data/tabular/csv.h"

namespace easel::data {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

// A cell as written; spaces around unquoted cells ("a.jpg, cat") are not part of it.
std::string_view CellText(const CsvField& field) {
  return field.quoted ? field.text : Trim(field.text);
}

// `cell` ready to be written: quoted (inner quotes doubled) when it holds a delimiter the
// parser might detect, a quote, a line break or surrounding spaces.
std::string CsvCell(std::string_view cell) {
  bool quote = cell.find_first_of(",;|\t\"\r\n") != std::string_view::npos ||
               (!cell.empty() && (cell.front() == ' ' || cell.back() == ' '));
  if (!quote) return std::string(cell);
  std::string out = "\"";
  for (char c : cell) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

Json Schema() {
  return ImageParamsSchema(
      {{"manifest",
        {{"type", "string"},
         {"default", nullptr},
         {"description", "Path of the CSV manifest in the upload; needed when it has several."}}}});
}

Result<const SourceFile*> FindManifest(const std::vector<const SourceFile*>& visible,
                                       const SourceFiles& files, const Json& params) {
  EASEL_ASSIGN_OR_RETURN(std::optional<std::string> named, GetOptionalString(params, "manifest"));
  if (named) {
    const SourceFile* f = files.Find(*named);
    if (f == nullptr)
      return InvalidArgument(fmt::format("manifest '{}' is not in the upload", *named));
    return f;
  }
  std::vector<const SourceFile*> csvs;
  for (const SourceFile* f : visible) {
    if (LowerExtension(f->path) == ".csv") csvs.push_back(f);
  }
  if (csvs.size() == 1) return csvs.front();
  if (csvs.empty()) return InvalidArgument("no CSV manifest in the upload");
  std::string names;
  for (const SourceFile* f : csvs) names += (names.empty() ? "" : ", ") + f->path;
  return InvalidArgument(fmt::format(
      "several CSV files ({}): name the manifest with the 'manifest' parameter", names));
}

int FindColumn(std::span<const CsvField> header, std::initializer_list<std::string_view> names) {
  for (size_t i = 0; i < header.size(); ++i) {
    std::string name = Lower(Trim(header[i].text));
    if (std::find(names.begin(), names.end(), name) != names.end()) return static_cast<int>(i);
  }
  return -1;
}

Status Import(const SourceFiles& files, DatasetType type, const Json& params, ImportSink& sink) {
  EASEL_ASSIGN_OR_RETURN(ImageImportOptions options, ParseImageImportOptions(params, Schema()));
  std::vector<const SourceFile*> visible = VisibleFiles(files);
  EASEL_ASSIGN_OR_RETURN(const SourceFile* manifest, FindManifest(visible, files, params));
  if (manifest->size > options.max_annotation_bytes) {
    return ResourceExhausted(fmt::format("{} is larger than the limit of {} bytes", manifest->path,
                                         options.max_annotation_bytes));
  }
  const std::string dir(Dirname(manifest->path));
  int file_col = -1, label_col = -1;
  std::map<const SourceFile*, uint64_t> listed;  // image -> line that listed it
  std::vector<PendingImage> images;
  // One manifest row: the header finds the columns, every other row names one image.
  auto on_record = [&](const CsvRecord& record) -> Status {
    if (file_col < 0) {
      file_col = FindColumn(record.fields,
                            {"file", "image", "path", "filename", "image_path", "filepath"});
      label_col = FindColumn(record.fields, {"label", "class", "category"});
      if (file_col < 0) {
        return InvalidArgument(manifest->path +
                               ": no file column in the header (file, image, path or filename)");
      }
      if (label_col < 0) {
        return InvalidArgument(manifest->path + ": no label column in the header (label or class)");
      }
      return OkStatus();
    }
    if (record.line % 4096 == 0 && sink.cancelled()) return Cancelled("import cancelled");
    std::string where = fmt::format("{}:{}", manifest->path, record.line);
    std::string_view name = CellText(record.fields[file_col]);
    if (name.empty()) {
      sink.Reject(where, "empty file name");
      return OkStatus();
    }
    Result<std::string> rel = SafeRelativePath(name);
    if (!rel.ok()) {
      sink.Reject(where, rel.status().message());
      return OkStatus();
    }
    const SourceFile* f = files.Find(JoinPath(dir, *rel));
    if (f == nullptr) f = files.Find(JoinPath(dir, JoinPath("images", *rel)));
    if (f == nullptr) {
      sink.Reject(where, fmt::format("no file '{}' in the upload", *rel));
      return OkStatus();
    }
    auto [it, first] = listed.emplace(f, record.line);
    if (!first) {
      sink.Reject(where, fmt::format("'{}' is listed twice (first on line {})", *rel, it->second));
      return OkStatus();
    }
    PendingImage image;
    image.source = f;
    image.file = std::move(*rel);
    std::string_view label = CellText(record.fields[label_col]);
    if (!label.empty()) image.labels.emplace_back(label);
    images.push_back(std::move(image));
    return OkStatus();
  };
  CsvOptions csv_options;
  csv_options.file_name = manifest->path;
  CsvParser parser(csv_options);
  Status parsed;
  Status read = files.Read(*manifest, [&](const char* p, size_t n) {
    parsed = parser.Feed(std::string_view(p, n), on_record);
    return parsed.ok();  // stopping makes Read answer CANCELLED; `parsed` says why
  });
  EASEL_RETURN_IF_ERROR(parsed);
  EASEL_RETURN_IF_ERROR(read);
  EASEL_RETURN_IF_ERROR(parser.Finish(on_record));
  if (file_col < 0) return InvalidArgument(manifest->path + ": empty manifest");
  for (const SourceFile* f : visible) {
    if (f == manifest || listed.count(f) > 0) continue;
    sink.Reject(f->path, HasImageExtension(f->path)
                             ? fmt::format("not listed in the manifest {}", manifest->path)
                             : std::string("not an image file"));
  }
  return ImportImages(files, std::move(images), options, sink);
}

int Detect(const SourceFiles& files, DatasetType type) {
  if (type != DatasetType::kImageClassification) return 0;
  bool csv = false, image = false;
  for (const SourceFile* f : VisibleFiles(files)) {
    csv = csv || LowerExtension(f->path) == ".csv";
    image = image || HasImageExtension(f->path);
  }
  return csv && image ? 80 : 0;
}

Status Export(const ExportSource& source, const Json& params, ExportWriter& out) {
  ExportProgress progress(out, source, 2);
  {
    EASEL_ASSIGN_OR_RETURN(BufferedExportFile csv, BufferedExportFile::Open(out, "labels.csv"));
    EASEL_RETURN_IF_ERROR(csv.Append("file,label\n"));
    EASEL_RETURN_IF_ERROR(source.for_each([&](const Sample& sample, Split) -> Status {
      EASEL_RETURN_IF_ERROR(progress.Step());
      std::string line = CsvCell(sample.file);
      line += ',';
      if (!sample.labels.empty()) line += CsvCell(sample.labels.front());
      line += '\n';
      return csv.Append(line);
    }));
    EASEL_RETURN_IF_ERROR(csv.Close());
  }
  return source.for_each([&](const Sample& sample, Split) -> Status {
    EASEL_RETURN_IF_ERROR(progress.Step());
    return out.AddBlob(JoinPath("images", sample.file), sample.blob);
  });
}

}  // namespace

Importer ImageCsvImporter() {
  Importer importer;
  importer.name = "image_csv";
  importer.description =
      "Image classification from a CSV manifest (columns file and label) and the images it "
      "lists.";
  importer.types = {DatasetType::kImageClassification};
  importer.params_schema = Schema();
  importer.detect = Detect;
  importer.run = Import;
  return importer;
}

Exporter ImageCsvExporter() {
  Exporter exporter;
  exporter.name = "image_csv";
  exporter.description = "labels.csv (file,label) and the images under images/.";
  exporter.types = {DatasetType::kImageClassification};
  exporter.importer = "image_csv";
  exporter.run = Export;
  return exporter;
}

}  // namespace easel::data
