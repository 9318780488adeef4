#include "data/tabular/source_reading.h"

#include <algorithm>

namespace easel::data {
namespace {

std::string JoinPaths(const std::vector<const SourceFile*>& files) {
  std::string out;
  for (const SourceFile* f : files) {
    if (!out.empty()) out += ", ";
    out += f->path;
  }
  return out;
}

}  // namespace

Status CheckParams(const Json& params, std::string_view format,
                   std::initializer_list<std::string_view> known) {
  if (params.is_null()) return OkStatus();
  if (!params.is_object()) return InvalidArgument("params must be a JSON object");
  for (const auto& [key, value] : params.items()) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string list;
    for (std::string_view k : known) {
      if (!list.empty()) list += ", ";
      list += k;
    }
    return InvalidArgument("unknown parameter '" + key + "' for format " + std::string(format) +
                           "; known parameters: " + list);
  }
  return OkStatus();
}

Result<std::string> StringParam(const Json& params, std::string_view name, std::string fallback) {
  if (!params.is_object()) return fallback;
  EASEL_ASSIGN_OR_RETURN(std::optional<std::string> value, GetOptionalString(params, name));
  return value ? std::move(*value) : std::move(fallback);
}

Result<const SourceFile*> SelectFile(const SourceFiles& files, const Json& params,
                                     std::initializer_list<std::string_view> extensions,
                                     std::string_view kind) {
  EASEL_ASSIGN_OR_RETURN(std::string wanted, StringParam(params, "file", ""));
  if (!wanted.empty()) {
    if (const SourceFile* f = files.Find(wanted)) return f;
    return InvalidArgument("file '" + wanted + "' is not in the upload");
  }
  std::vector<const SourceFile*> candidates = files.WithExtension(extensions);
  if (candidates.size() == 1) return candidates[0];
  if (candidates.size() > 1) {
    return InvalidArgument("the upload has several " + std::string(kind) + " files (" +
                           JoinPaths(candidates) + "); name the one to import with params.file");
  }
  if (files.files().size() == 1) return &files.files()[0];
  std::string list;
  for (std::string_view e : extensions) list += (list.empty() ? "" : ", ") + std::string(e);
  return InvalidArgument("the upload has no " + std::string(kind) + " file (" + list + ")");
}

int DetectOneFile(const SourceFiles& files, std::initializer_list<std::string_view> extensions) {
  const size_t n = files.WithExtension(extensions).size();
  if (n == 0) return 0;
  if (n > 1) return 30;
  return files.files().size() == 1 ? 90 : 70;
}

Status ReadWithProgress(const SourceFiles& files, const SourceFile& file, ImportSink& sink,
                        const std::function<Status(std::string_view)>& consume) {
  const std::string message = "reading " + file.path;
  uint64_t done = 0;
  double reported = 0;
  Status status;
  Status read = files.Read(file, [&](const char* p, size_t n) {
    if (sink.cancelled()) {
      status = Cancelled("import cancelled");
      return false;
    }
    status = consume(std::string_view(p, n));
    if (!status.ok()) return false;
    done += n;
    const double fraction =
        file.size == 0 ? 1.0 : std::min(1.0, static_cast<double>(done) / file.size);
    if (fraction - reported >= 0.01 || fraction == 1.0) {
      sink.Progress(fraction, message);
      reported = fraction;
    }
    return true;
  });
  EASEL_RETURN_IF_ERROR(status);
  return read;
}

}  // namespace easel::data
