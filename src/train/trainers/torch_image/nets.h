#pragma once
// The image classification networks, written against LibTorch's C++ frontend with torchvision's
// module names and initialisation (torchvision/models/resnet.py, mobilenetv2.py), so
// torchvision state dicts load by name. Internal to trainers/torch_image (LibTorch types).
//
// Width multiplier: every channel count c becomes MakeDivisible(c × width, 8), torchvision's
// rounding for MobileNetV2 (ResNet has no width option in torchvision; the same rule is used).
// MobileNetV2's last 1280 channels scale only when width > 1, as in torchvision.

#include <torch/nn/module.h>

#include <memory>
#include <string_view>

#include "common/status.h"
#include "train/trainer_api.h"
#include "train/trainers/torch_image/model_spec.h"

namespace easel::train::torch_image {

// torchvision's _make_divisible: round to the nearest multiple of `divisor`, at least
// `divisor`, never more than 10% below v.
int MakeDivisible(double v, int divisor = 8);

// A classifier: NCHW float input (N × channels × input_size × input_size), N × num_classes
// logits out. forward is safe to call from several threads in eval mode under a no-grad guard.
// It is head(features(x)); the split exists for Grad-CAM, which needs the gradient of a class
// score with respect to the last convolutional feature map.
class ClassifierNet : public torch::nn::Module {
 public:
  torch::Tensor forward(torch::Tensor x) { return head(features(x)); }
  // The last convolutional feature map, N × K × h × w (before global pooling).
  virtual torch::Tensor features(torch::Tensor x) = 0;
  // Global average pooling and the classification layer: N × num_classes logits.
  virtual torch::Tensor head(torch::Tensor features) = 0;
  // The state-dict prefix of the final classification layer ("fc." or "classifier.1."): the
  // tensors that may differ in shape when weights come from a model with other classes.
  virtual std::string_view head_prefix() const = 0;
};

// Builds and initialises (torchvision's init, drawing from LibTorch's global generator: seed it
// first) the network of `config`. INVALID_ARGUMENT for an unknown arch (listing the known
// ones), a width outside [0.25, 2], or channels other than 1 and 3.
Result<std::shared_ptr<ClassifierNet>> BuildNet(const NetConfig& config);

// Loads initial weights (a state dict with torchvision names) for fine-tuning. Head tensors
// (head_prefix()) of another shape are skipped and logged through `hooks`; a missing
// "*.num_batches_tracked" counter is tolerated (unused with batch norm's fixed momentum).
// Anything else missing, unexpected or of another shape is INVALID_ARGUMENT listing the
// tensors (another arch, width, channel count or stem).
Status LoadInitialWeights(ClassifierNet& net, std::string_view safetensors_bytes,
                          TrainHooks& hooks);

}  // namespace easel::train::torch_image
