#include "train/trainers/torch_image/params.h"

#include <fmt/format.h>

#include <cmath>
#include <vector>

namespace easel::train::torch_image {
namespace {

Json Property(std::string_view type, Json default_value, std::string_view description) {
  return Json{{"type", type}, {"default", std::move(default_value)}, {"description", description}};
}

Json Bounded(std::string_view type, Json default_value, double minimum, double maximum,
             std::string_view description) {
  Json p = Property(type, std::move(default_value), description);
  p["minimum"] = minimum;
  p["maximum"] = maximum;
  return p;
}

Json OneOf(std::vector<std::string> values, std::string_view default_value,
           std::string_view description) {
  Json p = Property("string", default_value, description);
  p["enum"] = std::move(values);
  return p;
}

Status BadParam(const std::string& name, std::string message) {
  return Status(StatusCode::kInvalidArgument, fmt::format("parameter '{}' {}", name, message),
                Json{{"param", name}});
}

// Checks one value against its schema entry (type, bounds, enum).
Status CheckValue(const std::string& name, const Json& value, const Json& schema) {
  const std::string type = schema.at("type");
  if (type == "boolean" && !value.is_boolean()) return BadParam(name, "must be a boolean");
  if (type == "string" && !value.is_string()) return BadParam(name, "must be a string");
  if (type == "integer") {
    bool integral = value.is_number_integer() ||
                    (value.is_number_float() && std::isfinite(value.get<double>()) &&
                     std::floor(value.get<double>()) == value.get<double>());
    if (!integral) return BadParam(name, "must be an integer");
  }
  if (type == "number" && (!value.is_number() || !std::isfinite(value.get<double>()))) {
    return BadParam(name, "must be a finite number");
  }
  if (schema.contains("minimum") && value.is_number()) {
    double v = value.get<double>();
    double lo = schema["minimum"], hi = schema["maximum"];
    if (v < lo || v > hi) return BadParam(name, fmt::format("must be in [{}, {}]", lo, hi));
  }
  if (schema.contains("enum")) {
    for (const Json& allowed : schema["enum"]) {
      if (allowed == value) return OkStatus();
    }
    std::vector<std::string> names = schema["enum"];
    return BadParam(name, fmt::format("must be one of: {}", fmt::join(names, ", ")));
  }
  return OkStatus();
}

}  // namespace

Json ImageParamsSchema() {
  Json props = Json::object();
  props["arch"] = OneOf({"resnet18", "resnet34", "resnet50", "mobilenet_v2"}, "resnet18",
                        "network (torchvision's definitions and module names)");
  props["width"] = Bounded("number", 1.0, 0.25, 2.0,
                           "width multiplier: every channel count is scaled by it (rounded to a "
                           "multiple of 8)");
  props["input_size"] = Bounded("integer", 224, 32, 1024,
                                "side of the square network input in pixels; below 64 a "
                                "CIFAR-style stem keeps the resolution");
  props["grayscale"] = Property("boolean", false, "one input channel instead of RGB");
  props["epochs"] = Bounded("integer", 10, 1, 10000, "passes over the training images");
  props["batch_size"] = Bounded("integer", 32, 1, 4096, "images per optimizer step");
  props["optimizer"] = OneOf({"sgd", "adamw"}, "adamw", "optimizer");
  props["learning_rate"] = Bounded("number", 1e-3, 1e-8, 10.0, "peak learning rate");
  props["weight_decay"] = Bounded("number", 1e-4, 0.0, 1.0, "weight decay (decoupled for adamw)");
  props["momentum"] = Bounded("number", 0.9, 0.0, 0.999, "SGD momentum");
  props["schedule"] =
      OneOf({"cosine", "step", "constant"}, "cosine", "learning-rate schedule over the epochs");
  props["step_size"] =
      Bounded("integer", 10, 1, 10000, "step schedule: epochs between learning-rate decays");
  props["gamma"] = Bounded("number", 0.1, 0.0, 1.0, "step schedule: decay factor");
  props["warmup_epochs"] = Bounded("integer", 0, 0, 1000, "epochs of linear learning-rate warm-up");
  props["label_smoothing"] =
      Bounded("number", 0.0, 0.0, 0.5, "label smoothing of the cross-entropy loss");
  props["augment"] = Property("boolean", true,
                              "random crops and horizontal flips in training (random resized "
                              "crop from 64 px up, padded random crop below)");
  props["early_stopping_patience"] =
      Bounded("integer", 0, 0, 10000,
              "stop after this many epochs without a lower validation loss and restore the best "
              "epoch's weights; 0: off");
  props["workers"] = Bounded("integer", 2, 1, 64, "threads decoding and transforming images");
  return Json{{"type", "object"}, {"properties", std::move(props)}};
}

Result<ImageParams> ParseImageParams(const Json& params) {
  if (!params.is_null()) EASEL_RETURN_IF_ERROR(RequireObject(params, "params"));
  Json schema = ImageParamsSchema();
  const Json& props = schema["properties"];
  Json resolved = Json::object();
  for (auto it = props.begin(); it != props.end(); ++it) resolved[it.key()] = it.value()["default"];
  if (params.is_object()) {
    for (auto it = params.begin(); it != params.end(); ++it) {
      if (!props.contains(it.key())) {
        std::vector<std::string> known;
        for (auto p = props.begin(); p != props.end(); ++p) known.push_back(p.key());
        return BadParam(it.key(),
                        fmt::format("is unknown; known parameters: {}", fmt::join(known, ", ")));
      }
      if (it.value().is_null()) continue;  // null: the default
      EASEL_RETURN_IF_ERROR(CheckValue(it.key(), it.value(), props[it.key()]));
      resolved[it.key()] = it.value();
    }
  }
  ImageParams p;
  p.arch = resolved["arch"];
  p.width = resolved["width"];
  p.input_size = static_cast<int>(resolved["input_size"].get<double>());
  p.grayscale = resolved["grayscale"];
  p.epochs = static_cast<int>(resolved["epochs"].get<double>());
  p.batch_size = static_cast<int>(resolved["batch_size"].get<double>());
  p.optimizer = resolved["optimizer"];
  p.learning_rate = resolved["learning_rate"];
  p.weight_decay = resolved["weight_decay"];
  p.momentum = resolved["momentum"];
  p.schedule = resolved["schedule"];
  p.step_size = static_cast<int>(resolved["step_size"].get<double>());
  p.gamma = resolved["gamma"];
  p.warmup_epochs = static_cast<int>(resolved["warmup_epochs"].get<double>());
  p.label_smoothing = resolved["label_smoothing"];
  p.augment = resolved["augment"];
  p.early_stopping_patience = static_cast<int>(resolved["early_stopping_patience"].get<double>());
  p.workers = static_cast<int>(resolved["workers"].get<double>());
  return p;
}

Json ImageParamsToJson(const ImageParams& p) {
  return Json{{"arch", p.arch},
              {"width", p.width},
              {"input_size", p.input_size},
              {"grayscale", p.grayscale},
              {"epochs", p.epochs},
              {"batch_size", p.batch_size},
              {"optimizer", p.optimizer},
              {"learning_rate", p.learning_rate},
              {"weight_decay", p.weight_decay},
              {"momentum", p.momentum},
              {"schedule", p.schedule},
              {"step_size", p.step_size},
              {"gamma", p.gamma},
              {"warmup_epochs", p.warmup_epochs},
              {"label_smoothing", p.label_smoothing},
              {"augment", p.augment},
              {"early_stopping_patience", p.early_stopping_patience},
              {"workers", p.workers}};
}

Json ImagePipelineSpec(const ImageParams& p) {
  const int size = p.input_size;
  Json steps = Json::array();
  steps.push_back({{"op", "decode"}, {"mode", p.grayscale ? "grayscale" : "rgb"}});
  if (p.augment && size >= 64) {
    steps.push_back({{"op", "random_resized_crop"}, {"size", size}});
    steps.push_back({{"op", "horizontal_flip"}});
  } else {
    steps.push_back({{"op", "resize"}, {"size", size}});
    steps.push_back({{"op", "center_crop"}, {"size", size}});
    if (p.augment) {
      steps.push_back({{"op", "random_crop"}, {"size", size}, {"padding", size / 8}});
      steps.push_back({{"op", "horizontal_flip"}});
    }
  }
  steps.push_back({{"op", "to_tensor"}});
  if (p.grayscale) {
    steps.push_back(
        {{"op", "normalize"}, {"mean", Json::array({0.5})}, {"std", Json::array({0.5})}});
  } else {
    steps.push_back({{"op", "normalize"},
                     {"mean", Json::array({0.485, 0.456, 0.406})},
                     {"std", Json::array({0.229, 0.224, 0.225})}});
  }
  return Json{{"steps", std::move(steps)}};
}

}  // namespace easel::train::torch_image
