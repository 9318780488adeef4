#include "train/trainers/torch_common/torchscript_check.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <torch/script.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <string>

#include "train/trainers/torch_common/torch_util.h"

namespace easel::train::torch_util {
namespace {

constexpr int64_t kMaxEntries = 100000;
constexpr uint64_t kSlackBytes = 64ull << 20;
// Also what a cut-short archive reads as: the zip directory is at its end.
constexpr const char* kNotZip =
    "it is not a whole zip archive, and TorchScript files are zip archives";

// The first non-empty line of a library's message: LibTorch's may start with a newline and
// go on with source excerpts and a C++ backtrace.
std::string FirstLine(std::string_view s) {
  size_t begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return "LibTorch gave no reason";
  s.remove_prefix(begin);
  return std::string(s.substr(0, s.find_first_of("\r\n")));
}

// Reads the zip directory only (no entry is inflated) and refuses archives whose entries
// would expand far beyond the file: LibTorch allocates each record at its declared size.
Result<int64_t> CheckZipDirectory(const std::filesystem::path& path, uint64_t file_size) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return InvalidArgument("the file cannot be read");
  std::unique_ptr<archive, decltype(&archive_read_free)> a(archive_read_new(), archive_read_free);
  archive_read_support_format_zip_seekable(a.get());
  Status st = OkStatus();
  int64_t entries = 0;
  uint64_t expanded = 0;
  const uint64_t budget = file_size * 4 + kSlackBytes;
  if (archive_read_open_fd(a.get(), fd, 64 << 10) != ARCHIVE_OK) {
    st = InvalidArgument(kNotZip);
  }
  archive_entry* entry = nullptr;
  while (st.ok()) {
    int r = archive_read_next_header(a.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      st = InvalidArgument(entries == 0 ? kNotZip : "its zip directory is damaged");
      break;
    }
    if (++entries > kMaxEntries) {
      st = InvalidArgument(fmt::format("it holds more than {} zip entries", kMaxEntries));
      break;
    }
    if (archive_entry_size_is_set(entry)) {
      expanded += static_cast<uint64_t>(std::max<int64_t>(archive_entry_size(entry), 0));
    }
    if (expanded > budget) {
      st = InvalidArgument(
          fmt::format("its zip entries expand to more than {} MiB, far more than the file itself",
                      budget >> 20));
    }
  }
  a.reset();
  ::close(fd);
  if (st.ok() && entries == 0) st = InvalidArgument("it is an empty zip archive");
  if (!st.ok()) return st;
  return entries;
}

// A TorchScript type as an inference-protocol tensor.
Json TensorFor(const std::string& name, const c10::TypePtr& type) {
  std::string datatype = "OTHER";
  Json shape = Json::array({1});
  switch (type->kind()) {
    case c10::TypeKind::TensorType:
      datatype = "FP32";
      shape = Json::array({-1});
      break;
    case c10::TypeKind::IntType:
      datatype = "INT64";
      break;
    case c10::TypeKind::FloatType:
      datatype = "FP64";
      break;
    case c10::TypeKind::BoolType:
      datatype = "BOOL";
      break;
    case c10::TypeKind::StringType:
      datatype = "BYTES";
      break;
    default:
      shape = Json::array({-1});
      break;
  }
  return {{"name", name},
          {"datatype", datatype},
          {"shape", shape},
          {"torch_type", type->annotation_str()}};
}

Json Outputs(const c10::FunctionSchema& schema) {
  Json outputs = Json::array();
  if (schema.returns().size() == 1 &&
      schema.returns()[0].type()->kind() == c10::TypeKind::TupleType) {
    const auto& elements = schema.returns()[0].type()->containedTypes();
    for (size_t i = 0; i < elements.size(); ++i) {
      outputs.push_back(TensorFor("output" + std::to_string(i), elements[i]));
    }
    return outputs;
  }
  for (size_t i = 0; i < schema.returns().size(); ++i) {
    const c10::TypePtr& t = schema.returns()[i].type();
    if (t->kind() == c10::TypeKind::NoneType) continue;
    outputs.push_back(
        TensorFor(schema.returns().size() == 1 ? "output" : "output" + std::to_string(i), t));
  }
  return outputs;
}

Result<Json> Inspect(const std::filesystem::path& path, int64_t entries) {
  // Read through a stream, not by name, so no message of LibTorch's carries the path.
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidArgument("the file cannot be read");
  torch::jit::Module module = torch::jit::load(in, torch::kCPU);
  auto forward = module.find_method("forward");
  if (!forward) return InvalidArgument("the module has no forward method");
  const c10::FunctionSchema& schema = forward->function().getSchema();
  Json inputs = Json::array();
  for (size_t i = 0; i < schema.arguments().size(); ++i) {
    const c10::Argument& arg = schema.arguments()[i];
    if (i == 0 && arg.name() == "self") continue;
    inputs.push_back(TensorFor(arg.name(), arg.type()));
  }
  Json methods = Json::array();
  for (const torch::jit::Method& m : module.get_methods()) methods.push_back(m.name());
  int64_t parameters = 0;
  for (const at::Tensor& p : module.parameters(/*recurse=*/true)) parameters += p.numel();
  const auto& type_name = module.type()->name();
  return Json{{"signature", {{"inputs", inputs}, {"outputs", Outputs(schema)}}},
              {"info",
               {{"module", type_name ? type_name->qualifiedName() : std::string()},
                {"methods", methods},
                {"parameters", parameters},
                {"entries", entries}}}};
}

}  // namespace

Result<Json> CheckTorchScriptFile(const std::filesystem::path& path) {
  std::error_code ec;
  const uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) return InvalidArgument("the file cannot be read");
  if (size == 0) return InvalidArgument("the file is empty");
  EASEL_ASSIGN_OR_RETURN(int64_t entries, CheckZipDirectory(path, size));
  ConfigureThreads(Resources{"cpu", 1});
  try {
    return Inspect(path, entries);
  } catch (const c10::Error& e) {
    return InvalidArgument("LibTorch cannot load it: " + FirstLine(e.what_without_backtrace()));
  } catch (const std::bad_alloc&) {
    return InvalidArgument("loading it needs more memory than a model check may use");
  } catch (const std::exception& e) {
    return InvalidArgument("LibTorch cannot load it: " + FirstLine(e.what()));
  }
}

}  // namespace easel::train::torch_util
