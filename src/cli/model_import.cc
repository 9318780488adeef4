// model import NAME FILE: registers a TorchScript, ONNX or XGBoost JSON model trained elsewhere
// as a new version (POST …/models/{model}/versions; the server opens the file in a child
// process before it registers anything).

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <memory>
#include <random>

#include "cli/command.h"
#include "cli/command_groups.h"
#include "common/files.h"

namespace easel::cli {
namespace {

namespace fs = std::filesystem;

struct ImportFlags {
  CommonFlags common;
  std::string project;
  std::string model;
  std::string file;
  std::string format;
  std::string signature;
  std::string task;
  std::string description;
};

// --format, or the format the file's extension names.
Result<std::string> FormatFor(const ImportFlags& f) {
  if (!f.format.empty()) return f.format;
  const std::string ext = fs::path(f.file).extension().string();
  if (ext == ".pt" || ext == ".pth" || ext == ".torchscript") return std::string("torchscript");
  if (ext == ".onnx") return std::string("onnx");
  if (ext == ".json") return std::string("xgboost_json");
  return UsageError(
      "cannot tell the format from the file name; pass --format torchscript, onnx "
      "or xgboost_json");
}

// --signature as JSON text, or @FILE to read it from a file.
Result<std::string> SignatureText(const std::string& flag) {
  if (flag.empty()) return std::string();
  std::string text = flag;
  if (flag[0] == '@') {
    auto read = ReadFile(flag.substr(1));
    if (!read.ok()) return UsageError("cannot read " + flag.substr(1));
    text = *read;
  }
  auto j = ParseJson(text);
  if (!j.ok() || !j->is_object()) {
    return UsageError("--signature must be a JSON object {\"inputs\": [...], \"outputs\": [...]}");
  }
  return text;
}

// A multipart/form-data body streamed from the file: the text fields and the file part's
// header, the file's bytes, then the closing boundary. Fields travel in the body, not the URL,
// so a large signature fits.
class MultipartBody {
 public:
  MultipartBody(const std::vector<std::pair<std::string, std::string>>& fields,
                const std::string& file_name, int fd, uint64_t file_size)
      : fd_(fd), file_size_(file_size) {
    std::random_device rd;
    boundary_ = "easel-" + std::to_string(rd()) + std::to_string(rd()) + std::to_string(rd());
    for (const auto& [name, value] : fields) {
      if (value.empty()) continue;
      head_ += "--" + boundary_ + "\r\nContent-Disposition: form-data; name=\"" + name +
               "\"\r\n\r\n" + value + "\r\n";
    }
    std::string safe_name = file_name;
    for (char& c : safe_name) {
      if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) c = '_';
    }
    head_ += "--" + boundary_ + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" +
             safe_name + "\"\r\nContent-Type: application/octet-stream\r\n\r\n";
    tail_ = "\r\n--" + boundary_ + "--\r\n";
  }

  std::string content_type() const { return "multipart/form-data; boundary=" + boundary_; }
  uint64_t size() const { return head_.size() + file_size_ + tail_.size(); }

  // Fills buf with up to n bytes at `offset` of the body.
  Result<size_t> Read(uint64_t offset, char* buf, size_t n) const {
    if (offset < head_.size()) return Copy(head_, offset, buf, n);
    offset -= head_.size();
    if (offset < file_size_) {
      ssize_t got;
      do {
        got = ::pread(fd_, buf, std::min<uint64_t>(n, file_size_ - offset),
                      static_cast<off_t>(offset));
      } while (got < 0 && errno == EINTR);
      if (got < 0) return Internal("read failed: " + ErrnoMessage(errno));
      return static_cast<size_t>(got);
    }
    return Copy(tail_, offset - file_size_, buf, n);
  }

 private:
  static size_t Copy(const std::string& s, uint64_t offset, char* buf, size_t n) {
    size_t k = std::min<uint64_t>(n, s.size() - offset);
    std::copy_n(s.data() + offset, k, buf);
    return k;
  }

  int fd_;
  uint64_t file_size_;
  std::string boundary_;
  std::string head_;
  std::string tail_;
};

Status Import(const ImportFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string project, ProjectPath(f.project));
  EASEL_ASSIGN_OR_RETURN(std::string format, FormatFor(f));
  EASEL_ASSIGN_OR_RETURN(std::string signature, SignatureText(f.signature));
  const int fd = ::open(f.file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return UsageError("cannot open " + f.file + ": " + ErrnoMessage(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    return UsageError(f.file + " is not a regular file");
  }
  MultipartBody body({{"format", format},
                      {"task", f.task},
                      {"signature", signature},
                      {"description", f.description}},
                     fs::path(f.file).filename().string(), fd, static_cast<uint64_t>(st.st_size));
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_ASSIGN_OR_RETURN(
      Json v,
      client->Upload(project + "/models/" + EncodeComponent(f.model) + "/versions", body.size(),
                     body.content_type(), [&body](uint64_t offset, char* buf, size_t n) {
                       return body.Read(offset, buf, n);
                     }));
  if (f.common.json) {
    PrintJson(v);
    return OkStatus();
  }
  const Json& sig = Member(v, "signature");
  Print("Imported " + Field(v, "model") + " v" + Field(v, "version") + " (" + Field(v, "format") +
        "; " + std::to_string(Member(sig, "inputs").size()) + " input(s), " +
        std::to_string(Member(sig, "outputs").size()) + " output(s))\n");
  return OkStatus();
}

}  // namespace

void AddModelImportCommand(CLI::App& app, int& exit_code) {
  CLI::App* group = app.get_subcommand("model");
  auto f = std::make_shared<ImportFlags>();
  CLI::App* cmd =
      AddCommand(group, "import", "Register a TorchScript, ONNX or XGBoost JSON model as a version",
                 f, exit_code, Import);
  cmd->add_option("model", f->model, "Model name (created by its first version)")->required();
  cmd->add_option("file", f->file, "The model file")->required();
  AddProjectFlag(cmd, f->project);
  cmd->add_option("--format", f->format,
                  "torchscript, onnx or xgboost_json (default: from the file's extension: .pt, "
                  ".onnx, .json)");
  cmd->add_option("--signature", f->signature,
                  "Inputs and outputs as JSON {\"inputs\": [...], \"outputs\": [...]}, or @FILE "
                  "(default: what the server reads from the model)");
  cmd->add_option("--task", f->task,
                  "binary, multiclass, regression, image_classification or other (default)");
  cmd->add_option("--description", f->description, "Description of the model, if it is new");
}

}  // namespace easel::cli
