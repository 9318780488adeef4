#include "models/model_import.h"

#include <algorithm>
#include <array>
#include <utility>

namespace easel::models {
namespace {

constexpr std::array<std::pair<const char*, const char*>, 3> kFormats = {{
    {"torchscript", "model.pt"},
    {"onnx", "model.onnx"},
    {"xgboost_json", "booster.json"},
}};

constexpr std::array<const char*, 5> kTasks = {"binary", "multiclass", "regression",
                                               "image_classification", "other"};

constexpr int kMaxSignatureDepth = 8;

std::string Join(const auto& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

Status BadField(const std::string& field, const std::string& sentence) {
  return Status(StatusCode::kInvalidArgument, sentence, Json{{"field", field}});
}

Status ValidateTensors(const Json& list, const std::string& where) {
  if (!list.is_array()) return BadField(where, "signature." + where + " must be an array");
  for (size_t i = 0; i < list.size(); ++i) {
    const Json& t = list[i];
    const std::string at = "signature." + where + "[" + std::to_string(i) + "]";
    if (!t.is_object()) return BadField(at, at + " must be an object");
    auto name = t.find("name");
    if (name == t.end() || !name->is_string() || name->get_ref<const std::string&>().empty()) {
      return BadField(at, at + " needs a non-empty string 'name'");
    }
    if (auto d = t.find("datatype"); d != t.end() && !d->is_string()) {
      return BadField(at, at + ".datatype must be a string (FP32, INT64, BYTES...)");
    }
    if (auto s = t.find("shape"); s != t.end()) {
      bool ok = s->is_array() && std::all_of(s->begin(), s->end(), [](const Json& d) {
                  return d.is_number_integer() && d.get<int64_t>() >= -1;
                });
      if (!ok) return BadField(at, at + ".shape must be an array of integers (-1: any size)");
    }
  }
  return OkStatus();
}

}  // namespace

const std::vector<std::string>& ImportFormats() {
  static const std::vector<std::string> formats = [] {
    std::vector<std::string> out;
    for (const auto& f : kFormats) out.emplace_back(f.first);
    return out;
  }();
  return formats;
}

Result<std::string> ImportFileName(std::string_view format) {
  for (const auto& [name, file] : kFormats) {
    if (format == name) return std::string(file);
  }
  return BadField("format", "unknown model format '" + std::string(format) +
                                "'; formats: " + Join(ImportFormats()));
}

Status ValidateSignature(const Json& signature) {
  if (!signature.is_object()) return BadField("signature", "signature must be a JSON object");
  for (const auto& [key, value] : signature.items()) {
    if (key != "inputs" && key != "outputs" && key != "classes") {
      return BadField("signature", "unknown signature field '" + key +
                                       "'; a signature has inputs, outputs and classes");
    }
  }
  for (const char* part : {"inputs", "outputs"}) {
    auto it = signature.find(part);
    if (it == signature.end()) {
      return BadField("signature", std::string("signature needs '") + part + "'");
    }
    EASEL_RETURN_IF_ERROR(ValidateTensors(*it, part));
  }
  if (auto c = signature.find("classes"); c != signature.end()) {
    if (!c->is_array() ||
        !std::all_of(c->begin(), c->end(), [](const Json& v) { return v.is_string(); })) {
      return BadField("signature.classes", "signature.classes must be an array of strings");
    }
  }
  return OkStatus();
}

Result<ModelImport> ParseImportFields(const std::map<std::string, std::string>& fields) {
  ModelImport out;
  bool have_format = false;
  for (const auto& [name, value] : fields) {
    if (name == "format") {
      if (auto file = ImportFileName(value); !file.ok()) return file.status();
      out.format = value;
      have_format = true;
    } else if (name == "task") {
      if (std::find(kTasks.begin(), kTasks.end(), value) == kTasks.end()) {
        return BadField("task", "unknown task '" + value + "'; tasks: " + Join(kTasks));
      }
      out.task = value;
    } else if (name == "signature") {
      auto j = ParseJson(value, kMaxSignatureDepth);
      if (!j.ok()) {
        return BadField("signature", "signature is not valid JSON: " + j.status().message());
      }
      EASEL_RETURN_IF_ERROR(ValidateSignature(*j));
      out.signature = std::move(*j);
    } else if (name == "description") {
      out.description = value;
    } else {
      return BadField(
          name, "unknown field '" + name + "'; send file, format, signature, task, description");
    }
  }
  if (!have_format) {
    return BadField("format", "field 'format' is required: one of " + Join(ImportFormats()));
  }
  return out;
}

Json ImportDescriptor(const ModelImport& import, const ModelCheckReport& report) {
  auto file = ImportFileName(import.format);
  return {{"format", import.format},
          {"imported", true},
          {"file", file.ok() ? *file : std::string()},
          {"info", report.info}};
}

NewModelVersion ImportedVersion(const ModelImport& import, const ModelCheckReport& report,
                                const store::BlobInfo& file, const store::BlobInfo& descriptor) {
  NewModelVersion v;
  v.algorithm = "import";
  v.task = import.task;
  v.format = import.format;
  v.params = Json::object();
  v.signature = import.signature.value_or(report.signature);
  v.lineage = {{"imported",
                {{"file_name", import.file_name}, {"size", file.size}, {"digest", file.digest}}}};
  auto name = ImportFileName(import.format);
  v.files = {{name.ok() ? *name : std::string("model.bin"), file}, {"model.json", descriptor}};
  v.description = import.description;
  return v;
}

}  // namespace easel::models
