// Load(): an image_classifier model as an ImagePredictor.

#include <fmt/format.h>
#include <torch/autograd.h>
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

  std::optional<InputShape> input_shape() const override {
    return InputShape{spec_.net.channels, spec_.net.input_size, spec_.net.input_size};
  }
  std::string preparation() const override { return DumpJson(pipeline_.ToJson()); }

  Result<std::vector<float>> Predict(std::span<const std::string_view> images) const override {
    return PredictEach(images);
  }

  Result<std::vector<float>> Predict(std::span<const tf::ImageView> images) const override {
    return PredictEach(images);
  }

  // Encoded or decoded images, each prepared by the pipeline, then through the network in
  // chunks.
  template <typename Image>
  Result<std::vector<float>> PredictEach(std::span<const Image> images) const {
    std::vector<float> out(images.size() * num_classes());
    const int c = spec_.net.channels, s = spec_.net.input_size;
    const size_t per_image = input_shape()->size();
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
      EASEL_RETURN_IF_ERROR(Forward(pixels, end - begin, out.data() + begin * num_classes()));
    }
    return out;
  }

  Result<std::vector<float>> PredictPrepared(std::span<const float> input,
                                             size_t count) const override {
    const size_t per_image = input_shape()->size();
    if (input.size() != count * per_image) {
      return InvalidArgument(fmt::format("{} prepared images need {} values, not {}", count,
                                         count * per_image, input.size()));
    }
    std::vector<float> out(count * num_classes());
    for (size_t begin = 0; begin < count; begin += kChunk) {
      const size_t n = std::min(count - begin, kChunk);
      EASEL_RETURN_IF_ERROR(Forward(input.subspan(begin * per_image, n * per_image), n,
                                    out.data() + begin * num_classes()));
    }
    return out;
  }

  Result<ActivationMap> GradCam(std::string_view image, int target) const override {
    if (target < 0 || static_cast<size_t>(target) >= num_classes()) {
      return InvalidArgument(fmt::format("Grad-CAM target {} is not a class of this model ({})",
                                         target, num_classes()));
    }
    EASEL_ASSIGN_OR_RETURN(tf::ImageTensor t, pipeline_.TransformImage(image));
    const int c = spec_.net.channels, s = spec_.net.input_size;
    if (t.data.size() != static_cast<size_t>(c) * s * s) {
      return Internal(
          fmt::format("the stored pipeline produced {}x{}x{}, the network takes {}x{}x{}",
                      t.channels, t.height, t.width, c, s, s));
    }
    ActivationMap map;
    EASEL_RETURN_IF_ERROR(torch_util::Guard("computing Grad-CAM", [&] {
      // The gradient is taken with respect to the feature map only (autograd::grad, not
      // backward), so nothing accumulates in the parameters' .grad and concurrent calls on the
      // shared, eval-mode network stay independent.
      torch::AutoGradMode grad_mode(true);
      torch::Tensor input = torch::from_blob(t.data.data(), {1, c, s, s}, torch::kFloat32);
      torch::Tensor features = net_->features(input.to(device_));
      torch::Tensor score = net_->head(features)[0][target];
      torch::Tensor grad = torch::autograd::grad({score}, {features})[0];
      // Channel weights: the spatial mean of the gradient; the map: ReLU of the weighted sum.
      torch::Tensor weights = grad.mean({2, 3}, /*keepdim=*/true);
      torch::Tensor cam = torch::relu((weights * features).sum(1)).squeeze(0).detach();
      const float peak = cam.max().item<float>();
      if (peak > 0) cam = cam / peak;
      cam = cam.to(torch::kCPU).contiguous();
      map.height = static_cast<int>(cam.size(0));
      map.width = static_cast<int>(cam.size(1));
      map.values.assign(cam.data_ptr<float>(), cam.data_ptr<float>() + cam.numel());
    }));
    return map;
  }

 private:
  // Class probabilities of `n` prepared images (NCHW) into `out` (n × classes).
  Status Forward(std::span<const float> pixels, size_t n, float* out) const {
    const int c = spec_.net.channels, s = spec_.net.input_size;
    return torch_util::Guard("predicting", [&] {
      torch::NoGradGuard no_grad;
      // from_blob never writes through the pointer here: the input is only read.
      torch::Tensor input = torch::from_blob(const_cast<float*>(pixels.data()),
                                             {static_cast<int64_t>(n), c, s, s}, torch::kFloat32);
      torch::Tensor probs =
          torch::softmax(net_->forward(input.to(device_)), 1).to(torch::kCPU).contiguous();
      std::copy_n(probs.data_ptr<float>(), probs.numel(), out);
    });
  }

  ModelSpec spec_;
  tf::Pipeline pipeline_;
  // Only forward() (under a no-grad guard) and features()/head() (for Grad-CAM) are called, in
  // eval mode: they read the parameters and the batch-norm statistics and write nothing, so
  // concurrent calls need no lock.
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
