#include "train/trainers/torch_image/params.h"

#include <vector>

#include "train/params.h"

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
  EASEL_ASSIGN_OR_RETURN(Json resolved, ResolveParams(ImageParamsSchema(), params));
  ImageParams p;
  p.arch = resolved["arch"];
  p.width = resolved["width"];
  p.input_size = resolved["input_size"].get<int>();
  p.grayscale = resolved["grayscale"];
  p.epochs = resolved["epochs"].get<int>();
  p.batch_size = resolved["batch_size"].get<int>();
  p.optimizer = resolved["optimizer"];
  p.learning_rate = resolved["learning_rate"];
  p.weight_decay = resolved["weight_decay"];
  p.momentum = resolved["momentum"];
  p.schedule = resolved["schedule"];
  p.step_size = resolved["step_size"].get<int>();
  p.gamma = resolved["gamma"];
  p.warmup_epochs = resolved["warmup_epochs"].get<int>();
  p.label_smoothing = resolved["label_smoothing"];
  p.augment = resolved["augment"];
  p.early_stopping_patience = resolved["early_stopping_patience"].get<int>();
  p.workers = resolved["workers"].get<int>();
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
