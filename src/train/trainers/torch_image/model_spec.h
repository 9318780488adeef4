#pragma once
// What "model.json" of an image_classifier model holds, and the network configuration both the
// trainer and the loader build a net from. No LibTorch here.

#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"

namespace easel::train::torch_image {

inline constexpr std::string_view kModelFormat = "torch_image";
inline constexpr std::string_view kModelJson = "model.json";
inline constexpr std::string_view kWeightsFile = "weights.safetensors";

// Everything that decides the network's modules and tensor shapes.
struct NetConfig {
  std::string arch = "resnet18";  // resnet18 | resnet34 | resnet50 | mobilenet_v2
  double width = 1.0;
  int input_size = 224;
  int channels = 3;  // input channels: 1 or 3
  int num_classes = 1000;

  // Inputs below 64 px use the CIFAR-style stem (image_classifier.h).
  bool cifar_stem() const { return input_size < 64; }
};

struct ModelSpec {
  NetConfig net;
  std::vector<std::string> classes;  // net.num_classes names
  Json pipeline;                     // data::transforms::Pipeline::ToJson()
};

Json ModelSpecToJson(const ModelSpec& spec);
// Parses "model.json". INVALID_ARGUMENT naming the field for anything missing or malformed,
// or a format other than "torch_image".
Result<ModelSpec> ParseModelSpec(std::string_view model_json);

}  // namespace easel::train::torch_image
