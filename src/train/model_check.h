#pragma once
// The work of `easel model-check`: opening an uploaded model file with the library that would
// run it. The server never calls this itself; it runs it in a child process
// (models/model_check.h), because a hostile file may crash or hang the library.

#include <filesystem>
#include <string_view>

#include "common/json.h"
#include "common/status.h"

namespace easel::train {

// Opens `path` as `format` (models::ImportFormats(): torchscript with LibTorch, onnx with
// OpenCV DNN, xgboost_json with XGBoost) and answers {signature: {inputs, outputs}, info}, as
// each format's checker documents. INVALID_ARGUMENT with a sentence a client may read (it
// never holds `path`) when the file is not a usable model of that format, or for an unknown
// format. Never throws.
Result<Json> CheckModelFile(std::string_view format, const std::filesystem::path& path);

}  // namespace easel::train
