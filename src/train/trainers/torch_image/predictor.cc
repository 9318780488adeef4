// Load(): an image_classifier model as an ImagePredictor.

#include <fmt/format.h>
#include <torch/utils.h>

#include <algorithm>
#include <memory>

#include "data/transforms/pipeline.h"
#include "train/trainers/torch_common/state_dict.h"
#include "train/trainers/torch_common/torch_util.h"
#include "train/trainers/torch_image/image_classifier.h"
#include "train/trainers/torch_image/model_spec.h"
#include "train/trainers/torch_image/nets.h"

namespace easel::train::torch_image {
namespace {

namespace tf = data::transforms;

// Images per forward pass: bounds the memory of one Predict call on large inputs.
constexpr size_t kChunk = 32;

class TorchImagePredictor : public ImagePredictor {
 public:
  TorchImagePredictor(ModelSpec spec, tf::Pipeline pipeline, std::shared_ptr<ClassifierNet> net,
                      torch::Device device)
      : spec_(std::move(spec)),
        pipeline_(std::move(pipeline)),
        net_(std::move(net)),
        device_(device) {}

  size_t num_classes() const override { return spec_.classes.size(); }

  Result<std::vector<float>> Predict(std::span<const std::string_view> images) const override {
    const size_t classes = num_classes();
    std::vector<float> out(images.size() * classes);
    const int c = spec_.net.channels, s = spec_.net.input_size;
    const size_t per_image = static_cast<size_t>(c) * s * s;
    std::vector<float> pixels;
    for (size_t begin = 0; begin < images.size(); begin += kChunk) {
      const size_t end = std::min(images.size(), begin + kChunk);
      pixels.resize((end - begin) * per_image);
      for (size_t i = begin; i < end; ++i) {
        Result<tf::ImageTensor> t = pipeline_.TransformImage(images[i]);
        if (!t.ok()) {
          return Status(t.status().code(), fmt::format("image {}: {}", i, t.status().message()),
                        Json{{"index", i}});
        }
        if (t->data.size() != per_image) {
          return Internal(
              fmt::format("image {}: the stored pipeline produced {}x{}x{}, the "
                          "network takes {}x{}x{}",
                          i, t->channels, t->height, t->width, c, s, s));
        }
        std::copy(t->data.begin(), t->data.end(), pixels.begin() + (i - begin) * per_image);
      }
      EASEL_RETURN_IF_ERROR(torch_util::Guard("predicting", [&] {
        torch::NoGradGuard no_grad;
        torch::Tensor input = torch::from_blob(
            pixels.data(), {static_cast<int64_t>(end - begin), c, s, s}, torch::kFloat32);
        torch::Tensor probs =
            torch::softmax(net_->forward(input.to(device_)), 1).to(torch::kCPU).contiguous();
        std::copy_n(probs.data_ptr<float>(), probs.numel(), out.begin() + begin * classes);
      }));
    }
    return out;
  }

 private:
  ModelSpec spec_;
  tf::Pipeline pipeline_;
  // Only forward() is called, in eval mode under a no-grad guard: it reads the parameters and
  // the batch-norm statistics and writes nothing, so concurrent calls need no lock.
  std::shared_ptr<ClassifierNet> net_;
  torch::Device device_;
};

}  // namespace

Result<std::unique_ptr<ImagePredictor>> Load(const ModelFiles& files, const Resources& resources) {
  auto model_json = files.find(std::string(kModelJson));
  auto weights = files.find(std::string(kWeightsFile));
  if (model_json == files.end() || weights == files.end()) {
    return InvalidArgument(
        fmt::format("an image_classifier model needs '{}' and '{}'", kModelJson, kWeightsFile));
  }
  EASEL_ASSIGN_OR_RETURN(ModelSpec spec, ParseModelSpec(model_json->second));
  EASEL_ASSIGN_OR_RETURN(tf::Pipeline pipeline, tf::Pipeline::FromJson(spec.pipeline));
  if (pipeline.image_channels() != spec.net.channels) {
    return InvalidArgument(
        fmt::format("model.json: the pipeline gives {} channels, the network "
                    "takes {}",
                    pipeline.image_channels(), spec.net.channels));
  }
  EASEL_ASSIGN_OR_RETURN(torch::Device device, torch_util::ResolveDevice(resources));
  if (resources.threads > 0) torch_util::ConfigureThreads(resources);
  EASEL_ASSIGN_OR_RETURN(std::shared_ptr<ClassifierNet> net, BuildNet(spec.net));
  EASEL_RETURN_IF_ERROR(
      torch_util::LoadStateDict(*net, weights->second, torch_util::LoadMode::kStrict));
  EASEL_RETURN_IF_ERROR(torch_util::Guard("preparing the model", [&] {
    net->eval();
    net->to(device);
  }));
  return std::unique_ptr<ImagePredictor>(std::make_unique<TorchImagePredictor>(
      std::move(spec), std::move(pipeline), std::move(net), device));
}

}  // namespace easel::train::torch_image
