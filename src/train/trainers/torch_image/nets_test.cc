// The networks against torchvision's: parameter counts (torchvision's published numbers),
// state-dict names, forward shapes. torchvision is not installed here (no Debian package), so
// the names are checked against torchvision's source (models/resnet.py, mobilenetv2.py,
// ops/misc.py Conv2dNormActivation), and the counts against its model documentation.

#include "train/trainers/torch_image/nets.h"

#include <gtest/gtest.h>
#include <torch/utils.h>

#include <cstring>
#include <set>

#include "common/safetensors.h"
#include "testing/temp_dir.h"
#include "train/trainers/torch_common/state_dict.h"
#include "train/trainers/torch_image/image_classifier.h"
#include "train/trainers/torch_image/test_support.h"

namespace easel::train::torch_image {
namespace {

std::shared_ptr<ClassifierNet> Build(const std::string& arch, double width = 1.0,
                                     int input_size = 224, int classes = 1000, int channels = 3) {
  Result<std::shared_ptr<ClassifierNet>> net = BuildNet(NetConfig{.arch = arch,
                                                                  .width = width,
                                                                  .input_size = input_size,
                                                                  .channels = channels,
                                                                  .num_classes = classes});
  EXPECT_TRUE(net.ok()) << net.status().ToString();
  return std::move(net).value();
}

int64_t CountParameters(const torch::nn::Module& net) {
  int64_t n = 0;
  for (const torch::Tensor& p : net.parameters()) n += p.numel();
  return n;
}

std::set<std::string> StateDictNames(const torch::nn::Module& net) {
  std::set<std::string> names;
  for (const auto& p : net.named_parameters()) names.insert(p.key());
  for (const auto& b : net.named_buffers()) names.insert(b.key());
  return names;
}

TEST(NetsTest, ParameterCountsEqualTorchvision) {
  EXPECT_EQ(CountParameters(*Build("resnet18")), 11'689'512);
  EXPECT_EQ(CountParameters(*Build("resnet34")), 21'797'672);
  EXPECT_EQ(CountParameters(*Build("resnet50")), 25'557'032);
  EXPECT_EQ(CountParameters(*Build("mobilenet_v2")), 3'504'872);
}

TEST(NetsTest, StateDictNamesAreTorchvisions) {
  std::set<std::string> resnet18 = StateDictNames(*Build("resnet18"));
  EXPECT_EQ(resnet18.size(), 122u);  // len(torchvision.models.resnet18().state_dict())
  for (const char* name :
       {"conv1.weight", "bn1.weight", "bn1.running_var", "bn1.num_batches_tracked",
        "layer1.0.conv1.weight", "layer1.1.bn2.bias", "layer2.0.downsample.0.weight",
        "layer2.0.downsample.1.running_mean", "layer4.1.conv2.weight", "fc.weight", "fc.bias"}) {
    EXPECT_TRUE(resnet18.count(name)) << name;
  }
  EXPECT_FALSE(resnet18.count("layer1.0.downsample.0.weight"));  // 64 → 64, stride 1

  std::set<std::string> resnet50 = StateDictNames(*Build("resnet50", 0.25));
  EXPECT_EQ(resnet50.size(), 320u);
  for (const char* name : {"layer1.0.conv3.weight", "layer1.0.bn3.running_mean",
                           "layer1.0.downsample.0.weight", "layer3.5.conv2.weight"}) {
    EXPECT_TRUE(resnet50.count(name)) << name;
  }

  std::set<std::string> mobilenet = StateDictNames(*Build("mobilenet_v2", 0.25));
  EXPECT_EQ(mobilenet.size(), 314u);
  for (const char* name :
       {"features.0.0.weight", "features.0.1.running_mean", "features.1.conv.0.0.weight",
        "features.1.conv.1.weight", "features.1.conv.2.running_var", "features.2.conv.0.0.weight",
        "features.2.conv.1.0.weight", "features.2.conv.3.bias", "features.17.conv.2.weight",
        "features.18.0.weight", "features.18.1.num_batches_tracked", "classifier.1.weight",
        "classifier.1.bias"}) {
    EXPECT_TRUE(mobilenet.count(name)) << name;
  }
}

TEST(NetsTest, ShapesFollowWidthChannelsAndStem) {
  auto weight = [](const torch::nn::Module& net, const std::string& name) {
    for (const auto& p : net.named_parameters()) {
      if (p.key() == name) return p.value().sizes().vec();
    }
    return std::vector<int64_t>{};
  };
  auto imagenet = Build("resnet18", 1.0, 224, 1000, 1);
  EXPECT_EQ(weight(*imagenet, "conv1.weight"), (std::vector<int64_t>{64, 1, 7, 7}));
  auto cifar = Build("resnet18", 0.25, 32, 10);
  EXPECT_EQ(weight(*cifar, "conv1.weight"), (std::vector<int64_t>{16, 3, 3, 3}));
  EXPECT_EQ(weight(*cifar, "fc.weight"), (std::vector<int64_t>{10, 128}));
  auto bottleneck = Build("resnet50", 0.5, 64, 7);
  EXPECT_EQ(weight(*bottleneck, "fc.weight"), (std::vector<int64_t>{7, 1024}));
  // MobileNetV2 keeps 1280 final channels below width 1, like torchvision.
  auto mobile = Build("mobilenet_v2", 0.5, 32, 3);
  EXPECT_EQ(weight(*mobile, "features.0.0.weight"), (std::vector<int64_t>{16, 3, 3, 3}));
  EXPECT_EQ(weight(*mobile, "classifier.1.weight"), (std::vector<int64_t>{3, 1280}));
  EXPECT_EQ(MakeDivisible(24 * 0.5), 16);
  EXPECT_EQ(MakeDivisible(16 * 0.25), 8);
  EXPECT_EQ(MakeDivisible(1280 * 1.5), 1920);
}

TEST(NetsTest, ForwardShapesAtSeveralInputSizes) {
  torch::NoGradGuard no_grad;
  for (const std::string arch : {"resnet18", "resnet50", "mobilenet_v2"}) {
    for (int size : {32, 48, 64, 97, 160}) {
      auto net = Build(arch, 0.25, size, 5);
      net->eval();
      torch::Tensor out = net->forward(torch::randn({2, 3, size, size}));
      EXPECT_EQ(out.sizes().vec(), (std::vector<int64_t>{2, 5})) << arch << " at " << size;
    }
  }
  auto gray = Build("resnet34", 0.25, 40, 4, 1);
  gray->eval();
  EXPECT_EQ(gray->forward(torch::randn({3, 1, 40, 40})).sizes().vec(),
            (std::vector<int64_t>{3, 4}));
}

TEST(NetsTest, BadConfigs) {
  Result<std::shared_ptr<ClassifierNet>> r = BuildNet(NetConfig{.arch = "vgg16"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("resnet18, resnet34, resnet50, mobilenet_v2"),
            std::string::npos);
  EXPECT_FALSE(BuildNet(NetConfig{.width = 4}).ok());
  EXPECT_FALSE(BuildNet(NetConfig{.channels = 2}).ok());
}

// Train a 10-class model, then start a 3-class one from its weights.safetensors: every body
// tensor arrives bit for bit, the head keeps its fresh initialisation and the skip is logged.
TEST(InitialWeightsTest, BodyLoadsBitExactlyAndTheHeadIsSkipped) {
  easel::testing::TempDir dir;
  ImageProblem problem = testing::SmallDigitsProblem(dir.path(), 32, 0, 0);
  testing::FakeHooks train_hooks;
  Json params{
      {"width", 0.25}, {"input_size", 32}, {"grayscale", true}, {"epochs", 1}, {"batch_size", 16}};
  Result<ModelFiles> files = Train(problem, params, 3, Resources{.threads = 1}, train_hooks);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  const std::string& bytes = files->at("weights.safetensors");
  safetensors::File weights = safetensors::File::Parse(bytes).value();

  auto net = Build("resnet18", 0.25, 32, 3, 1);
  std::vector<float> fresh_head(net->named_parameters()["fc.weight"].numel());
  std::memcpy(fresh_head.data(), net->named_parameters()["fc.weight"].data_ptr<float>(),
              fresh_head.size() * sizeof(float));
  testing::FakeHooks hooks;
  ASSERT_TRUE(LoadInitialWeights(*net, bytes, hooks).ok());
  EXPECT_TRUE(hooks.Logged("head fc.bias, fc.weight skipped"));

  size_t compared = 0;
  auto check = [&](const std::string& name, const torch::Tensor& t) {
    const safetensors::TensorInfo* info = weights.Find(name);
    ASSERT_NE(info, nullptr) << name;
    if (name.starts_with("fc.")) {
      EXPECT_NE(info->shape, t.sizes().vec()) << name;
      return;
    }
    ASSERT_EQ(info->shape, t.sizes().vec()) << name;
    torch::Tensor c = t.contiguous();
    ASSERT_EQ(info->data.size(), static_cast<size_t>(c.nbytes())) << name;
    EXPECT_EQ(std::memcmp(info->data.data(), c.data_ptr(), info->data.size()), 0) << name;
    ++compared;
  };
  for (const auto& p : net->named_parameters()) check(p.key(), p.value());
  for (const auto& b : net->named_buffers()) check(b.key(), b.value());
  EXPECT_EQ(compared, 122u - 2);
  EXPECT_EQ(std::memcmp(fresh_head.data(), net->named_parameters()["fc.weight"].data_ptr<float>(),
                        fresh_head.size() * sizeof(float)),
            0);

  // Another architecture's weights do not fit: named, not silently half-loaded.
  auto mobile = Build("mobilenet_v2", 0.25, 32, 3, 1);
  Status wrong = LoadInitialWeights(*mobile, bytes, hooks);
  EXPECT_EQ(wrong.code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace easel::train::torch_image
