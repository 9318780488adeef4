#include "train/model_check.h"

#include <system_error>

#include "models/model_import.h"
#include "train/onnx_check.h"
#include "train/trainers/torch_common/torchscript_check.h"
#include "train/trainers/xgboost/booster_import.h"

namespace easel::train {

Result<Json> CheckModelFile(std::string_view format, const std::filesystem::path& path) {
  if (auto known = models::ImportFileName(format); !known.ok()) return known.status();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    return InvalidArgument("the file cannot be read");
  try {
    if (format == "torchscript") return torch_util::CheckTorchScriptFile(path);
    if (format == "onnx") return CheckOnnxFile(path);
    if (format == "xgboost_json") return xgboost::CheckBoosterJsonFile(path);
  } catch (const std::exception& e) {  // the checkers catch their libraries'; a last guard
    return InvalidArgument(std::string("the check failed: ") + e.what());
  }
  return Internal("format '" + std::string(format) + "' has no checker");
}

}  // namespace easel::train
