#pragma once
// Importing a model trained elsewhere (TorchScript, ONNX, an XGBoost JSON booster) as a new
// version of a registry model: the accepted formats, the fields of an import request, and the
// version an import registers. The file itself is opened in a child process first
// (model_check.h); nothing here trusts its content.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "models/model_check.h"
#include "models/model_store.h"
#include "store/blob_store.h"

namespace easel::models {

// "torchscript", "onnx", "xgboost_json".
const std::vector<std::string>& ImportFormats();
// The name a version stores the model file under: model.pt, model.onnx, booster.json.
// INVALID_ARGUMENT listing the formats for an unknown one.
Result<std::string> ImportFileName(std::string_view format);

// What the client said about the file.
struct ModelImport {
  std::string format;
  std::string task = "other";     // binary|multiclass|regression|image_classification|other
  std::optional<Json> signature;  // declared; else the check's inferred one is used
  std::string description;        // of the model, when this import creates it
  std::string file_name;          // as the client named the upload (lineage only)
};

// Reads the text fields of an import (multipart fields, or query parameters for a raw body):
// format (required), task, signature (a JSON object), description. INVALID_ARGUMENT naming the
// field for a missing format, an unknown format or task, a signature that is not valid JSON or
// not of the shape ValidateSignature accepts, or a field it does not know.
Result<ModelImport> ParseImportFields(const std::map<std::string, std::string>& fields);

// A declared signature: an object {inputs: [...], outputs: [...], classes?: [...]} whose
// inputs and outputs are objects with a non-empty string `name`, an optional string
// `datatype` and an optional `shape` (integers, -1 for unknown); classes are strings.
// INVALID_ARGUMENT naming the first problem.
Status ValidateSignature(const Json& signature);

// model.json of an imported version: {format, imported: true, file, info}.
Json ImportDescriptor(const ModelImport& import, const ModelCheckReport& report);

// The version an import registers: algorithm "import", the format and task, the declared
// signature or else the inferred one, lineage {imported: {file_name, size, digest}}, and the
// files {<ImportFileName>: file, "model.json": descriptor}. `import.format` must be valid.
NewModelVersion ImportedVersion(const ModelImport& import, const ModelCheckReport& report,
                                const store::BlobInfo& file, const store::BlobInfo& descriptor);

}  // namespace easel::models
