#pragma once
// The image_classifier trainer's parameters: the schema (the single source of names, types,
// defaults and bounds), validation of a user's params against it, and the transform pipeline
// the params imply. No LibTorch here.

#include <cstdint>
#include <string>

#include "common/json.h"
#include "common/status.h"

namespace easel::train::torch_image {

struct ImageParams {
  std::string arch = "resnet18";
  double width = 1.0;
  int input_size = 224;
  bool grayscale = false;
  int epochs = 10;
  int batch_size = 32;
  std::string optimizer = "adamw";
  double learning_rate = 1e-3;
  double weight_decay = 1e-4;
  double momentum = 0.9;
  std::string schedule = "cosine";
  int step_size = 10;
  double gamma = 0.1;
  int warmup_epochs = 0;
  double label_smoothing = 0.0;
  bool augment = true;
  int early_stopping_patience = 0;  // 0: train every epoch, keep the last weights
  int workers = 2;

  int channels() const { return grayscale ? 1 : 3; }
};

// See image_classifier.h.
Json ImageParamsSchema();

// Checks `params` (an object, or null for all defaults) against the schema with the shared
// train::ResolveParams: an unknown name lists the known ones; a wrong type (integers must be
// JSON integers), a value out of bounds or not in the enum names the parameter.
// INVALID_ARGUMENT "params.<name> ..." with details {"param"}.
Result<ImageParams> ParseImageParams(const Json& params);

// Every parameter with its resolved value, for logs and checkpoints.
Json ImageParamsToJson(const ImageParams& p);

// The data::transforms image spec for these params: decode (rgb or grayscale), then
//  - augment, input_size >= 64: random_resized_crop + horizontal_flip (the ImageNet recipe);
//  - augment, input_size < 64: resize + center_crop, then random_crop with padding
//    input_size / 8 + horizontal_flip (the CIFAR recipe: small images cannot lose 92% of their
//    area to a random resized crop);
//  - no augment: resize (shorter side) + center_crop;
// then to_tensor and normalize (ImageNet mean/std for RGB, 0.5/0.5 for grayscale). In inference
// mode every branch reduces to resize + centre crop, so the stored pipeline serves as is.
Json ImagePipelineSpec(const ImageParams& p);

}  // namespace easel::train::torch_image
