#pragma once
// The building blocks of image pipelines. Internal to transforms/. cv::Mat is only declared
// here: OpenCV's headers are included by image_steps.cc and image_pipeline.cc alone, and
// everything outside sees ImageTensor.
//
// An image travels through the steps as an 8-bit cv::Mat in RGB order (or one channel for
// grayscale pipelines). The last steps, to_tensor and normalize, do not touch pixels: they set
// how the final image becomes a float CHW tensor (ImageOutput).

#include <memory>
#include <vector>

#include "common/status.h"
#include "data/transforms/hash.h"
#include "data/transforms/op_registry.h"

namespace cv {
class Mat;
}  // namespace cv

namespace easel::data::transforms {

// How the final pixels become floats: value = (pixel / divisor - mean[c]) / std[c], in
// float32 like torchvision's ToTensor + Normalize.
struct ImageOutput {
  float divisor = 255.0f;
  std::vector<float> mean;  // per channel, or empty for 0
  std::vector<float> std;   // per channel, or empty for 1
};

struct ImageStepContext {
  int index = 0;
  const OpInfo* op = nullptr;
  Params params{Json::object()};
  int channels = 3;  // of the decoded image: 3 (RGB) or 1
  ImageOutput* output = nullptr;

  Status Error(std::string_view param, std::string message) const {
    return StepError(index, op->name, param, std::move(message));
  }
};

class ImageStep {
 public:
  virtual ~ImageStep() = default;
  // Pixel steps (not decode, to_tensor, normalize) must come before the output steps.
  virtual bool touches_pixels() const { return true; }
  // Transforms `image` in place. `rng` is this step's own generator in training mode and null
  // in inference mode. Const and thread-safe.
  virtual Status Apply(cv::Mat& image, Rng* rng) const = 0;
};

// Factories (image_steps.cc), listed in ops.cc. decode is handled by the pipeline itself
// (ops.cc gives it a factory that only checks its position).
Result<std::unique_ptr<ImageStep>> MakeDecode(ImageStepContext& ctx);
Result<std::unique_ptr<ImageStep>> MakeResize(ImageStepContext& ctx);
Result<std::unique_ptr<ImageStep>> MakeCenterCrop(ImageStepContext& ctx);
Result<std::unique_ptr<ImageStep>> MakeRandomCrop(ImageStepContext& ctx);
Result<std::unique_ptr<ImageStep>> MakeRandomResizedCrop(ImageStepContext& ctx);
Result<std::unique_ptr<ImageStep>> MakeHorizontalFlip(ImageStepContext& ctx);
Result<std::unique_ptr<ImageStep>> MakeVerticalFlip(ImageStepContext& ctx);
Result<std::unique_ptr<ImageStep>> MakeRotation(ImageStepContext& ctx);
Result<std::unique_ptr<ImageStep>> MakeColorJitter(ImageStepContext& ctx);
Result<std::unique_ptr<ImageStep>> MakeToTensor(ImageStepContext& ctx);
Result<std::unique_ptr<ImageStep>> MakeNormalize(ImageStepContext& ctx);

}  // namespace easel::data::transforms
