// Importing a model trained elsewhere: POST /api/v1/projects/{project}/models/{model}/versions
// with the model file (multipart field `file`, or the raw body with the other fields in the
// query) and its format. The upload streams into the blob store, a child process opens it
// (models/model_check.h) and only a file that opened registers a version; a refused file is
// left unreferenced for garbage collection.

#include "models/model_import.h"

#include <shared_mutex>

#include "api/call.h"
#include "api/routes.h"
#include "common/names.h"
#include "models/model_check.h"
#include "models/model_json.h"

namespace easel::api {
namespace {

using auth::Role;

constexpr uint64_t kMaxModelBytes = 2ull << 30;
constexpr size_t kMaxFieldBytes = 64 << 10;
constexpr size_t kMaxFileName = 1024;
// The checker is this very binary's `model-check` subcommand: the server's own code, whatever
// has happened to the file on disk since it started.
constexpr const char* kEaselBinary = "/proc/self/exe";

struct Upload {
  std::map<std::string, std::string> fields;
  std::string file_name;
  bool have_file = false;
};

Status ReceiveMultipart(Call& call, uint64_t limit, store::BlobStore::Writer& writer, Upload& up) {
  std::string current;  // the part being read: "file" or a field name
  return call.StreamMultipart(
      limit,
      [&](const std::string& name, const std::string& filename) -> Status {
        if (name == "file") {
          if (up.have_file) return InvalidArgument("send one file per import");
          up.have_file = true;
          up.file_name = filename;
        } else if (up.fields.count(name)) {
          return InvalidArgument("field '" + name + "' appears twice");
        } else {
          up.fields[name];
        }
        current = name;
        return OkStatus();
      },
      [&](const char* data, size_t n) -> Status {
        if (current == "file") return writer.Write(data, n);
        std::string& value = up.fields[current];
        if (value.size() + n > kMaxFieldBytes) {
          return InvalidArgument("field '" + current + "' is longer than 64 KiB");
        }
        value.append(data, n);
        return OkStatus();
      });
}

Status ReceiveRawBody(Call& call, uint64_t limit, store::BlobStore::Writer& writer, Upload& up) {
  for (const char* name : {"format", "task", "signature", "description"}) {
    if (auto v = call.query(name)) up.fields[name] = *v;
  }
  up.file_name = call.query("file_name").value_or("");
  EASEL_RETURN_IF_ERROR(
      call.StreamBody(limit, [&](const char* data, size_t n) { return writer.Write(data, n); }));
  up.have_file = true;
  return OkStatus();
}

Status ImportModel(Call& call, ApiContext& ctx) {
  EASEL_ASSIGN_OR_RETURN(auth::Project project, ProjectFor(call, ctx, Role::kEditor));
  const std::string& model = call.param("model");
  if (model.find('@') != std::string::npos) {
    return InvalidArgument("'" + model + "' names a version; import into the model's name");
  }
  EASEL_RETURN_IF_ERROR(ValidateName("model", model));

  // Held until the version references the blobs, so garbage collection (which waits for it,
  // for at most the check's timeout) never removes them in between.
  std::shared_lock gc_guard(ctx.blobs.gc_mutex());
  EASEL_ASSIGN_OR_RETURN(store::BlobStore::Writer writer, ctx.blobs.NewWriter());
  const uint64_t limit = std::min(call.limits().max_upload_bytes, kMaxModelBytes);
  Upload up;
  EASEL_RETURN_IF_ERROR(call.is_multipart() ? ReceiveMultipart(call, limit, writer, up)
                                            : ReceiveRawBody(call, limit, writer, up));
  if (!up.have_file)
    return InvalidArgument("no file: send the model as the multipart field 'file'");
  if (up.file_name.size() > kMaxFileName) {
    return InvalidArgument("file name is longer than 1024 bytes");
  }
  EASEL_ASSIGN_OR_RETURN(models::ModelImport import, models::ParseImportFields(up.fields));
  import.file_name = up.file_name;
  if (writer.size() == 0) {
    return InvalidArgument("the uploaded file is not a valid " + import.format +
                           " model: the file is empty");
  }

  EASEL_ASSIGN_OR_RETURN(store::BlobInfo file, writer.Commit());
  EASEL_ASSIGN_OR_RETURN(std::filesystem::path path, ctx.blobs.FilePath(file.digest));
  EASEL_ASSIGN_OR_RETURN(models::ModelCheckReport report,
                         models::CheckModelInChild(kEaselBinary, import.format, path));
  EASEL_ASSIGN_OR_RETURN(store::BlobInfo descriptor,
                         ctx.blobs.Put(DumpJson(models::ImportDescriptor(import, report))));
  EASEL_ASSIGN_OR_RETURN(
      models::ModelVersion version,
      models::ModelStore(ctx.db).Register(project.id, model,
                                          models::ImportedVersion(import, report, file, descriptor),
                                          call.principal().user_id));
  call.Reply(201, models::VersionToJson(version));
  return OkStatus();
}

}  // namespace

void AddModelImportRoutes(Router& router, ApiContext& ctx) {
  router.Add("POST", "/api/v1/projects/{project}/models/{model}/versions",
             [&ctx](Call& call) -> Status { return ImportModel(call, ctx); });
}

}  // namespace easel::api
