#include "data/import_run.h"

#include <algorithm>

namespace easel::data {

namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  for (size_t i = 0; i < suffix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[s.size() - suffix.size() + i])) != suffix[i]) {
      return false;
    }
  }
  return true;
}

// The name a single uploaded file gets inside SourceFiles: its last path segment, or a
// neutral name when the client sent nothing usable.
std::string SingleFileName(const std::string& file_name) {
  std::string base = file_name.substr(file_name.find_last_of("/\\") + 1);
  auto normalized = NormalizeEntryPath(base, ArchiveLimits{});
  return normalized.ok() && !normalized->empty() ? *normalized : "upload";
}

}  // namespace

bool LooksLikeArchive(std::string_view head, std::string_view name) {
  auto starts = [&](std::string_view magic) { return head.substr(0, magic.size()) == magic; };
  if (starts("PK\x03\x04") || starts("PK\x05\x06")) return true;         // zip (or empty zip)
  if (starts("\x1f\x8b") || starts("BZh") || starts("\xfd" "7zXZ") ||   // gzip, bzip2, xz
      starts("\x28\xb5\x2f\xfd")) {                                        // zstd
    return true;
  }
  if (head.size() >= 262 && head.substr(257, 5) == "ustar") return true;  // tar
  for (std::string_view ext : {".zip", ".tar", ".tgz", ".tar.gz", ".tar.bz2", ".tar.xz", ".tar.zst"}) {
    if (EndsWith(name, ext)) return true;
  }
  return false;
}

Json RejectedToJson(const std::vector<RejectedEntry>& rejected) {
  Json out = Json::array();
  for (const RejectedEntry& r : rejected) out.push_back({{"file", r.name}, {"reason", r.reason}});
  return out;
}

Result<ImportOutcome> RunImport(const Formats& formats, store::BlobStore& blobs,
                                const ImportRequest& req,
                                const std::function<void(double, std::string)>& progress,
                                const std::function<bool()>& cancelled) {
  auto report = [&](double f, std::string m) {
    if (progress) progress(f, std::move(m));
  };
  auto is_cancelled = [&] { return cancelled && cancelled(); };
  if (!req.params.is_object()) return InvalidArgument("params must be a JSON object");

  // 1. The files of the upload, as blobs.
  EASEL_ASSIGN_OR_RETURN(std::string head, [&]() -> Result<std::string> {
    std::string h;
    if (req.upload_size == 0) return h;
    EASEL_RETURN_IF_ERROR(blobs.Read(req.upload_digest, 0, std::min<uint64_t>(512, req.upload_size),
                                     [&](const char* p, size_t n) {
                                       h.append(p, n);
                                       return true;
                                     }));
    return h;
  }());
  std::vector<SourceFile> files;
  std::vector<RejectedEntry> archive_rejected;
  const bool archive = LooksLikeArchive(head, req.file_name);
  double import_start = 0;
  if (archive) {
    EASEL_ASSIGN_OR_RETURN(auto path, blobs.FilePath(req.upload_digest));
    report(0, "unpacking the archive");
    EASEL_ASSIGN_OR_RETURN(
        ExtractReport extracted,
        ExtractToBlobs(path, blobs, req.limits, [&](const ArchiveReader& reader) -> Status {
          if (is_cancelled()) return Cancelled("the import was cancelled");
          report(0.5 * reader.fraction_read(),
                 "unpacked " + std::to_string(reader.entries_seen()) + " entries");
          return OkStatus();
        }));
    for (ExtractedFile& e : extracted.entries) {
      files.push_back({std::move(e.path), std::move(e.digest), e.size});
    }
    archive_rejected = std::move(extracted.rejected);
    import_start = 0.5;
  } else {
    files.push_back({SingleFileName(req.file_name), req.upload_digest, req.upload_size});
  }
  SourceFiles source(blobs, std::move(files));

  // 2. The importer: named, or recognised from the files.
  const Importer* importer = nullptr;
  if (!req.format.empty()) {
    EASEL_ASSIGN_OR_RETURN(importer, formats.importers.FindFor(req.format, req.type));
  } else {
    EASEL_ASSIGN_OR_RETURN(importer, formats.importers.Detect(source, req.type));
  }

  // 3. The samples, into a new version.
  VersionBuilder::Options options;
  options.type = req.type;
  options.split = req.split;
  options.progress = [&](double f, std::string m) {
    report(import_start + (0.95 - import_start) * std::clamp(f, 0.0, 1.0), std::move(m));
  };
  options.cancelled = is_cancelled;
  VersionBuilder builder(blobs, options);
  for (RejectedEntry& r : archive_rejected) builder.Reject(std::move(r.name), std::move(r.reason));
  EASEL_RETURN_IF_ERROR(importer->run(source, req.type, req.params, builder));
  if (is_cancelled()) return Cancelled("the import was cancelled");
  report(0.95, "writing the version");
  EASEL_ASSIGN_OR_RETURN(VersionDraft draft, builder.Finish());

  ImportOutcome out;
  out.draft = std::move(draft);
  out.format = importer->name;
  out.rejected = builder.rejected();
  out.rejected_count = builder.rejected_count();
  out.files = source.files().size();
  return out;
}

}  // namespace easel::data
