// ResNet (torchvision's v1.5: the stride sits on the bottleneck's 3×3 conv) and MobileNetV2.
// Registration names and order follow torchvision, so named_parameters() and named_buffers()
// produce its state-dict keys ("layer1.0.conv1.weight", "features.1.conv.0.0.weight", ...).

#include "train/trainers/torch_image/nets.h"

#include <fmt/format.h>
#include <torch/nn/init.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "train/trainers/torch_common/state_dict.h"
#include "train/trainers/torch_common/torch_util.h"

namespace easel::train::torch_image {
namespace {

namespace nn = torch::nn;

nn::Conv2d Conv(int in, int out, int kernel, int stride, int groups = 1) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, kernel)
                        .stride(stride)
                        .padding((kernel - 1) / 2)
                        .groups(groups)
                        .bias(false));
}

// torchvision's init for both families: conv kaiming-normal (fan_out, relu), batch norm 1/0.
// Linear layers are left to the caller (the two families differ).
void InitConvAndNorm(nn::Module& root) {
  for (auto& module : root.modules(/*include_self=*/false)) {
    if (auto* conv = module->as<nn::Conv2d>()) {
      nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut, torch::kReLU);
      if (conv->bias.defined()) nn::init::zeros_(conv->bias);
    } else if (auto* bn = module->as<nn::BatchNorm2d>()) {
      nn::init::ones_(bn->weight);
      nn::init::zeros_(bn->bias);
    }
  }
}

// ---------------------------------------------------------------- ResNet

class BasicBlockImpl : public nn::Module {
 public:
  static constexpr int kExpansion = 1;
  BasicBlockImpl(int in, int planes, int stride, nn::Sequential shortcut)
      : conv1(register_module("conv1", Conv(in, planes, 3, stride))),
        bn1(register_module("bn1", nn::BatchNorm2d(planes))),
        conv2(register_module("conv2", Conv(planes, planes, 3, 1))),
        bn2(register_module("bn2", nn::BatchNorm2d(planes))),
        downsample(shortcut) {
    if (downsample) register_module("downsample", downsample);
  }
  torch::Tensor forward(torch::Tensor x) {
    torch::Tensor out = torch::relu(bn1(conv1(x)));
    out = bn2(conv2(out));
    return torch::relu(out + (downsample ? downsample->forward(x) : x));
  }
  // Declared in torchvision's registration order (members initialise in this order).
  nn::Conv2d conv1;
  nn::BatchNorm2d bn1;
  nn::Conv2d conv2;
  nn::BatchNorm2d bn2;
  nn::Sequential downsample;
};
TORCH_MODULE(BasicBlock);

class BottleneckImpl : public nn::Module {
 public:
  static constexpr int kExpansion = 4;
  BottleneckImpl(int in, int planes, int stride, nn::Sequential shortcut)
      : conv1(register_module("conv1", Conv(in, planes, 1, 1))),
        bn1(register_module("bn1", nn::BatchNorm2d(planes))),
        conv2(register_module("conv2", Conv(planes, planes, 3, stride))),
        bn2(register_module("bn2", nn::BatchNorm2d(planes))),
        conv3(register_module("conv3", Conv(planes, planes * kExpansion, 1, 1))),
        bn3(register_module("bn3", nn::BatchNorm2d(planes * kExpansion))),
        downsample(shortcut) {
    if (downsample) register_module("downsample", downsample);
  }
  torch::Tensor forward(torch::Tensor x) {
    torch::Tensor out = torch::relu(bn1(conv1(x)));
    out = torch::relu(bn2(conv2(out)));
    out = bn3(conv3(out));
    return torch::relu(out + (downsample ? downsample->forward(x) : x));
  }
  nn::Conv2d conv1;
  nn::BatchNorm2d bn1;
  nn::Conv2d conv2;
  nn::BatchNorm2d bn2;
  nn::Conv2d conv3;
  nn::BatchNorm2d bn3;
  nn::Sequential downsample;
};
TORCH_MODULE(Bottleneck);

class ResNet : public ClassifierNet {
 public:
  template <typename Block>
  static std::shared_ptr<ResNet> Make(const NetConfig& c, std::array<int, 4> blocks) {
    auto net = std::make_shared<ResNet>();
    net->Build<Block>(c, blocks);
    return net;
  }

  torch::Tensor features(torch::Tensor x) override {
    x = torch::relu(bn1_(conv1_(x)));
    if (!cifar_stem_) x = torch::max_pool2d(x, {3, 3}, {2, 2}, {1, 1});
    for (auto& layer : layers_) x = layer->forward(x);
    return x;
  }
  torch::Tensor head(torch::Tensor x) override {
    return fc_(torch::adaptive_avg_pool2d(x, {1, 1}).flatten(1));
  }
  std::string_view head_prefix() const override { return "fc."; }

 private:
  template <typename Block>
  void Build(const NetConfig& c, std::array<int, 4> blocks) {
    cifar_stem_ = c.cifar_stem();
    int in = MakeDivisible(64 * c.width);
    conv1_ = register_module(
        "conv1",
        cifar_stem_
            ? Conv(c.channels, in, 3, 1)
            : nn::Conv2d(nn::Conv2dOptions(c.channels, in, 7).stride(2).padding(3).bias(false)));
    bn1_ = register_module("bn1", nn::BatchNorm2d(in));
    const std::array<int, 4> planes = {64, 128, 256, 512};
    for (int i = 0; i < 4; ++i) {
      int p = MakeDivisible(planes[i] * c.width);
      int stride = i == 0 ? 1 : 2;
      nn::Sequential layer;
      for (int b = 0; b < blocks[i]; ++b) {
        int s = b == 0 ? stride : 1;
        nn::Sequential downsample{nullptr};
        if (b == 0 && (s != 1 || in != p * Block::ContainedType::kExpansion)) {
          downsample = nn::Sequential(
              nn::Conv2d(nn::Conv2dOptions(in, p * Block::ContainedType::kExpansion, 1)
                             .stride(s)
                             .bias(false)),
              nn::BatchNorm2d(p * Block::ContainedType::kExpansion));
        }
        layer->push_back(Block(in, p, s, downsample));
        in = p * Block::ContainedType::kExpansion;
      }
      layers_.push_back(register_module(fmt::format("layer{}", i + 1), layer));
    }
    fc_ = register_module("fc", nn::Linear(in, c.num_classes));
    InitConvAndNorm(*this);  // nn::Linear keeps its default init, as torchvision's fc does
  }

  bool cifar_stem_ = false;
  nn::Conv2d conv1_{nullptr};
  nn::BatchNorm2d bn1_{nullptr};
  std::vector<nn::Sequential> layers_;
  nn::Linear fc_{nullptr};
};

// ---------------------------------------------------------------- MobileNetV2

// torchvision's Conv2dNormActivation: conv, batch norm, ReLU6 as children "0", "1", "2". A
// Sequential subclass with a plain forward, because LibTorch cannot nest a bare Sequential.
class ConvBnRelu6Impl : public nn::SequentialImpl {
 public:
  ConvBnRelu6Impl(int in, int out, int kernel, int stride, int groups = 1) {
    push_back(Conv(in, out, kernel, stride, groups));
    push_back(nn::BatchNorm2d(out));
    push_back(nn::ReLU6());
  }
  torch::Tensor forward(torch::Tensor x) { return nn::SequentialImpl::forward(x); }
};
TORCH_MODULE(ConvBnRelu6);

class InvertedResidualImpl : public nn::Module {
 public:
  InvertedResidualImpl(int in, int out, int stride, int expand_ratio)
      : use_residual_(stride == 1 && in == out) {
    int hidden = static_cast<int>(std::lround(in * static_cast<double>(expand_ratio)));
    nn::Sequential conv;
    if (expand_ratio != 1) conv->push_back(ConvBnRelu6(in, hidden, 1, 1));
    conv->push_back(ConvBnRelu6(hidden, hidden, 3, stride, hidden));  // depthwise
    conv->push_back(Conv(hidden, out, 1, 1));
    conv->push_back(nn::BatchNorm2d(out));
    conv_ = register_module("conv", conv);
  }
  torch::Tensor forward(torch::Tensor x) {
    return use_residual_ ? x + conv_->forward(x) : conv_->forward(x);
  }

 private:
  bool use_residual_;
  nn::Sequential conv_{nullptr};
};
TORCH_MODULE(InvertedResidual);

class MobileNetV2 : public ClassifierNet {
 public:
  explicit MobileNetV2(const NetConfig& c) {
    struct Stage {
      int t, c, n, s;
    };
    const std::array<Stage, 7> stages = {{{1, 16, 1, 1},
                                          {6, 24, 2, 2},
                                          {6, 32, 3, 2},
                                          {6, 64, 4, 2},
                                          {6, 96, 3, 1},
                                          {6, 160, 3, 2},
                                          {6, 320, 1, 1}}};
    const bool cifar = c.cifar_stem();
    int in = MakeDivisible(32 * c.width);
    int last = MakeDivisible(1280 * std::max(1.0, c.width));
    nn::Sequential features;
    features->push_back(ConvBnRelu6(c.channels, in, 3, cifar ? 1 : 2));
    for (size_t i = 0; i < stages.size(); ++i) {
      const Stage& st = stages[i];
      int out = MakeDivisible(st.c * c.width);
      // The CIFAR stem also keeps the first stride-2 stage (24 channels) at full resolution.
      int stage_stride = cifar && i == 1 ? 1 : st.s;
      for (int b = 0; b < st.n; ++b) {
        features->push_back(InvertedResidual(in, out, b == 0 ? stage_stride : 1, st.t));
        in = out;
      }
    }
    features->push_back(ConvBnRelu6(in, last, 1, 1));
    features_ = register_module("features", features);
    linear_ = nn::Linear(last, c.num_classes);
    classifier_ = register_module("classifier", nn::Sequential(nn::Dropout(0.2), linear_));
    InitConvAndNorm(*this);
    nn::init::normal_(linear_->weight, 0.0, 0.01);
    nn::init::zeros_(linear_->bias);
  }

  torch::Tensor features(torch::Tensor x) override { return features_->forward(x); }
  torch::Tensor head(torch::Tensor x) override {
    return classifier_->forward(torch::adaptive_avg_pool2d(x, {1, 1}).flatten(1));
  }
  std::string_view head_prefix() const override { return "classifier.1."; }

 private:
  nn::Sequential features_{nullptr};
  nn::Linear linear_{nullptr};
  nn::Sequential classifier_{nullptr};
};

}  // namespace

int MakeDivisible(double v, int divisor) {
  int rounded = std::max(divisor, static_cast<int>(v + divisor / 2.0) / divisor * divisor);
  if (rounded < 0.9 * v) rounded += divisor;
  return rounded;
}

Result<std::shared_ptr<ClassifierNet>> BuildNet(const NetConfig& c) {
  if (c.width < 0.25 || c.width > 2.0) {
    return InvalidArgument(fmt::format("width {} is outside [0.25, 2]", c.width));
  }
  if (c.channels != 1 && c.channels != 3) {
    return InvalidArgument(fmt::format("input channels must be 1 or 3, not {}", c.channels));
  }
  if (c.num_classes < 1) return InvalidArgument("a classifier needs at least one class");
  std::shared_ptr<ClassifierNet> net;
  EASEL_RETURN_IF_ERROR(torch_util::Guard("building " + c.arch, [&] {
    if (c.arch == "resnet18") {
      net = ResNet::Make<BasicBlock>(c, {2, 2, 2, 2});
    } else if (c.arch == "resnet34") {
      net = ResNet::Make<BasicBlock>(c, {3, 4, 6, 3});
    } else if (c.arch == "resnet50") {
      net = ResNet::Make<Bottleneck>(c, {3, 4, 6, 3});
    } else if (c.arch == "mobilenet_v2") {
      net = std::make_shared<MobileNetV2>(c);
    }
  }));
  if (!net) {
    return InvalidArgument(fmt::format(
        "unknown arch '{}'; known: resnet18, resnet34, resnet50, mobilenet_v2", c.arch));
  }
  return net;
}

Status LoadInitialWeights(ClassifierNet& net, std::string_view bytes, TrainHooks& hooks) {
  EASEL_ASSIGN_OR_RETURN(
      torch_util::LoadReport report,
      torch_util::LoadStateDict(net, bytes, torch_util::LoadMode::kSkipMismatchedShapes));
  auto in_head = [&](const std::string& name) { return name.starts_with(net.head_prefix()); };
  std::vector<std::string> problems, head;
  for (const std::string& name : report.skipped) {
    if (in_head(name)) {
      head.push_back(name);
    } else {
      problems.push_back(fmt::format("'{}' has another shape", name));
    }
  }
  for (const std::string& name : report.missing) {
    // Weights saved before batch norm counted its batches lack the counter; it is unused with
    // a fixed momentum, so its absence is harmless.
    if (!name.ends_with(".num_batches_tracked")) {
      problems.push_back(fmt::format("'{}' is missing", name));
    }
  }
  for (const std::string& name : report.unexpected) {
    problems.push_back(fmt::format("'{}' is not part of the model", name));
  }
  if (!problems.empty()) {
    return InvalidArgument(fmt::format(
        "initial weights do not fit this network (arch, width, channels and stem must match; "
        "only the classification head may differ): {}",
        fmt::join(problems, "; ")));
  }
  if (!head.empty()) {
    hooks.Log(
        fmt::format("initial weights: head {} skipped (another class count), trained from "
                    "scratch",
                    fmt::join(head, ", ")));
  }
  hooks.Log("initial weights loaded");
  return OkStatus();
}

}  // namespace easel::train::torch_image
