// artifact upload|list|show|download|delete: opaque files stored in a project.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <memory>

#include "cli/command.h"
#include "cli/command_groups.h"
#include "cli/table.h"
#include "common/files.h"
#include "common/sha256.h"

namespace easel::cli {
namespace {

namespace fs = std::filesystem;

struct ArtifactFlags {
  CommonFlags common;
  ListFlags list;
  std::string project;
  std::string id;
  std::string file;
  std::string name;
  std::string content_type = "application/octet-stream";
  std::string output;
  bool force = false;
};

Result<std::string> ArtifactsPath(const ArtifactFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string project, ProjectPath(f.project));
  return project + "/artifacts";
}

std::string HumanSize(const Json& artifact) {
  if (!artifact.contains("size") || !artifact["size"].is_number()) return "-";
  double size = artifact["size"].get<double>();
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (size >= 1024 && unit < 4) {
    size /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, unit == 0 ? "%.0f %s" : "%.1f %s", size, units[unit]);
  return buf;
}

Status Upload(const ArtifactFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string path, ArtifactsPath(f));
  std::string name = f.name.empty() ? fs::path(f.file).filename().string() : f.name;
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_ASSIGN_OR_RETURN(Json artifact, UploadFile(*client, path + QueryString({{"name", name}}),
                                                   f.file, f.content_type));
  if (f.common.json) {
    PrintJson(artifact);
  } else {
    Print("Uploaded " + Field(artifact, "name") + " as artifact " + Field(artifact, "id") + " (" +
          HumanSize(artifact) + ", " + Field(artifact, "digest") + ")\n");
  }
  return OkStatus();
}

Status List(const ArtifactFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string path, ArtifactsPath(f));
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_ASSIGN_OR_RETURN(Json list, ListAll(*client, path, {}, f.list));
  if (f.common.json) {
    PrintJson(list);
    return OkStatus();
  }
  Table table({{"id"}, {"name", 40}, {"size"}, {"digest", 19}, {"created"}});
  for (const Json& a : list["items"]) {
    table.AddRow({Field(a, "id"), Field(a, "name"), HumanSize(a), Field(a, "digest"),
                  Field(a, "created_at")});
  }
  Print(table.rows() == 0 ? "No artifacts\n" : table.Render());
  return OkStatus();
}

Status Show(const ArtifactFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string path, ArtifactsPath(f));
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_ASSIGN_OR_RETURN(Json a, client->Get(path + "/" + EncodeComponent(f.id)));
  if (f.common.json) {
    PrintJson(a);
    return OkStatus();
  }
  Print(RenderFields({{"Id", Field(a, "id")},
                      {"Name", Field(a, "name")},
                      {"Size", HumanSize(a) + " (" + Field(a, "size") + " bytes)"},
                      {"Digest", Field(a, "digest")},
                      {"Content type", Field(a, "content_type")},
                      {"Created", Field(a, "created_at")}}));
  return OkStatus();
}

// Downloads into `out` while hashing; the digest must match the artifact's.
Status Download(const ArtifactFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string path, ArtifactsPath(f));
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  path += "/" + EncodeComponent(f.id);
  EASEL_ASSIGN_OR_RETURN(Json meta, client->Get(path));
  std::string name = fs::path(Field(meta, "name")).filename().string();
  std::string output = f.output;
  if (output.empty())
    output = (name.empty() || name == "." || name == ".." || name == "-") ? f.id : name;
  bool to_stdout = output == "-";
  if (!to_stdout && !f.force && fs::exists(output)) {
    return UsageError(output + " already exists (pass --force to overwrite)");
  }

  Sha256 hash;
  std::optional<AtomicFile> file;
  if (!to_stdout) {
    fs::path target = fs::absolute(output);
    EASEL_ASSIGN_OR_RETURN(AtomicFile created, AtomicFile::Create(target));
    file.emplace(std::move(created));
  }
  EASEL_RETURN_IF_ERROR(client->Stream(
      path + "/content",
      [&](std::string_view chunk) -> Status {
        hash.Update(chunk);
        if (to_stdout) {
          if (std::fwrite(chunk.data(), 1, chunk.size(), stdout) != chunk.size()) {
            return Internal("cannot write to stdout");
          }
          return OkStatus();
        }
        return file->Write(chunk.data(), chunk.size());
      },
      600));
  std::string digest = "sha256:" + hash.HexDigest();
  if (std::string expected = Field(meta, "digest"); expected != "-" && expected != digest) {
    return DataLoss("the download of artifact " + f.id + " is incomplete or corrupt (got " +
                    digest + ", expected " + expected + ")");
  }
  if (to_stdout) {
    std::fflush(stdout);
    return OkStatus();
  }
  EASEL_RETURN_IF_ERROR(file->Commit());
  std::fprintf(stderr, "Downloaded artifact %s to %s (%s)\n", f.id.c_str(), output.c_str(),
               HumanSize(meta).c_str());
  return OkStatus();
}

Status Delete(const ArtifactFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string path, ArtifactsPath(f));
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_RETURN_IF_ERROR(client->Delete(path + "/" + EncodeComponent(f.id)));
  Print("Deleted artifact " + f.id + "\n");
  return OkStatus();
}

}  // namespace

void AddArtifactCommands(CLI::App& app, int& exit_code) {
  auto f = std::make_shared<ArtifactFlags>();
  CLI::App* group = app.add_subcommand("artifact", "Upload, list and download artifacts");
  group->alias("artifacts");
  group->require_subcommand(1);

  CLI::App* upload =
      AddCommand(group, "upload", "Upload a file as a new artifact", f, exit_code, Upload);
  AddProjectFlag(upload, f->project);
  upload->add_option("file", f->file, "File to upload")->required();
  upload->add_option("--name", f->name, "Artifact name (default: the file's name)");
  upload->add_option("--content-type", f->content_type, "Media type stored with it")
      ->capture_default_str();

  CLI::App* list = AddCommand(group, "list", "List a project's artifacts", f, exit_code, List);
  list->alias("ls");
  AddProjectFlag(list, f->project);
  AddListFlags(list, f->list);

  CLI::App* show = AddCommand(group, "show", "Show an artifact's metadata", f, exit_code, Show);
  show->alias("get");
  AddProjectFlag(show, f->project);
  show->add_option("id", f->id, "Artifact id")->required();

  CLI::App* download = AddCommand(group, "download", "Download an artifact (digest checked)", f,
                                  exit_code, Download, /*json_output=*/false);
  AddProjectFlag(download, f->project);
  download->add_option("id", f->id, "Artifact id")->required();
  download->add_option("-o,--output", f->output,
                       "Where to write it (default: its name in the current directory; - for "
                       "stdout)");
  download->add_flag("--force", f->force, "Overwrite an existing file");

  CLI::App* del = AddCommand(group, "delete", "Delete an artifact", f, exit_code, Delete,
                             /*json_output=*/false);
  AddProjectFlag(del, f->project);
  del->add_option("id", f->id, "Artifact id")->required();
}

}  // namespace easel::cli
