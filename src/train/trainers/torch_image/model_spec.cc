#include "train/trainers/torch_image/model_spec.h"

#include <fmt/format.h>

namespace easel::train::torch_image {

Json ModelSpecToJson(const ModelSpec& spec) {
  return Json{
      {"format", kModelFormat},        {"arch", spec.net.arch},
      {"width", spec.net.width},       {"input_size", spec.net.input_size},
      {"channels", spec.net.channels}, {"stem", spec.net.cifar_stem() ? "cifar" : "imagenet"},
      {"classes", spec.classes},       {"pipeline", spec.pipeline}};
}

Result<ModelSpec> ParseModelSpec(std::string_view model_json) {
  EASEL_ASSIGN_OR_RETURN(Json doc, ParseJson(model_json));
  EASEL_RETURN_IF_ERROR(RequireObject(doc, std::string(kModelJson)));
  EASEL_ASSIGN_OR_RETURN(std::string format, GetString(doc, "format"));
  if (format != kModelFormat) {
    return InvalidArgument(
        fmt::format("model.json has format '{}', expected '{}'", format, kModelFormat));
  }
  ModelSpec spec;
  EASEL_ASSIGN_OR_RETURN(spec.net.arch, GetString(doc, "arch"));
  EASEL_ASSIGN_OR_RETURN(std::optional<double> width, GetOptionalNumber(doc, "width"));
  EASEL_ASSIGN_OR_RETURN(std::optional<int64_t> size, GetOptionalInt(doc, "input_size", 1, 4096));
  EASEL_ASSIGN_OR_RETURN(std::optional<int64_t> channels, GetOptionalInt(doc, "channels", 1, 3));
  if (!width || !size || !channels) {
    return InvalidArgument("model.json needs 'width', 'input_size' and 'channels'");
  }
  if (*channels != 1 && *channels != 3)
    return InvalidArgument("model.json: 'channels' must be 1 or 3");
  spec.net.width = *width;
  spec.net.input_size = static_cast<int>(*size);
  spec.net.channels = static_cast<int>(*channels);
  auto classes = doc.find("classes");
  if (classes == doc.end() || !classes->is_array() || classes->empty()) {
    return InvalidArgument("model.json: 'classes' must be a non-empty array of names");
  }
  for (const Json& c : *classes) {
    if (!c.is_string()) return InvalidArgument("model.json: 'classes' must hold strings");
    spec.classes.push_back(c.get<std::string>());
  }
  spec.net.num_classes = static_cast<int>(spec.classes.size());
  auto pipeline = doc.find("pipeline");
  if (pipeline == doc.end() || !pipeline->is_object()) {
    return InvalidArgument("model.json: 'pipeline' must be an object");
  }
  spec.pipeline = *pipeline;
  return spec;
}

}  // namespace easel::train::torch_image
