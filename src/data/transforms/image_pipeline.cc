#include "data/transforms/image_pipeline.h"

#include <fmt/format.h>

#include <cstdint>
#include <new>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "data/transforms/image_step.h"
#include "data/transforms/op_registry.h"

namespace easel::data::transforms {

struct ImagePipeline::Impl {
  std::vector<std::unique_ptr<ImageStep>> steps;
  int channels = 3;
  ImageOutput output;

  // Runs the steps on an 8-bit image with `channels` channels (owned: steps may replace it)
  // and converts the result. OpenCV's exceptions stop here.
  Result<ImageTensor> Run(cv::Mat image, const TransformOptions& options) const;
};

ImagePipeline::ImagePipeline(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ImagePipeline::~ImagePipeline() = default;
int ImagePipeline::channels() const { return impl_->channels; }

Result<std::unique_ptr<ImagePipeline>> ImagePipeline::Create(const Json& steps, DatasetType type,
                                                             Json* resolved) {
  auto impl = std::make_unique<Impl>();
  int first_output_step = -1;  // index of the first to_tensor / normalize
  for (size_t i = 0; i < steps.size(); ++i) {
    int index = static_cast<int>(i);
    const Json& step = steps[i];
    if (!step.is_object() || !step.contains("op") || !step["op"].is_string()) {
      return StepError(index, "", "op", "a step must be an object with a string 'op'");
    }
    EASEL_ASSIGN_OR_RETURN(const OpInfo* op, FindOp(step["op"].get<std::string>(), type, index));
    EASEL_ASSIGN_OR_RETURN(Params params, ResolveParams(*op, step, index));
    resolved->push_back(params.json());
    ImageStepContext ctx{index, op, std::move(params), impl->channels, &impl->output};
    EASEL_ASSIGN_OR_RETURN(std::unique_ptr<ImageStep> made, op->make_image(ctx));
    impl->channels = ctx.channels;
    if (!made->touches_pixels() && op->name != "decode" && first_output_step < 0) {
      first_output_step = index;
    }
    if (made->touches_pixels() && first_output_step >= 0) {
      return StepError(index, op->name, "op",
                       fmt::format("pixel steps must come before to_tensor and normalize "
                                   "(steps[{}])",
                                   first_output_step));
    }
    impl->steps.push_back(std::move(made));
  }
  return std::unique_ptr<ImagePipeline>(new ImagePipeline(std::move(impl)));
}

Result<ImageTensor> ImagePipeline::Transform(std::string_view encoded,
                                             const TransformOptions& options) const {
  if (encoded.empty()) return InvalidArgument("cannot decode an empty image");
  if (encoded.size() > static_cast<size_t>(INT32_MAX)) {
    return InvalidArgument("the encoded image is larger than 2 GiB");
  }
  cv::Mat image;
  try {
    // imdecode only reads the buffer; the const_cast satisfies its Mat interface.
    cv::Mat bytes(1, static_cast<int>(encoded.size()), CV_8UC1, const_cast<char*>(encoded.data()));
    // IMREAD_COLOR applies EXIF orientation, drops alpha and converts 16-bit to 8-bit.
    image = cv::imdecode(bytes, impl_->channels == 1 ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR);
    if (!image.empty() && image.channels() == 3) cv::cvtColor(image, image, cv::COLOR_BGR2RGB);
  } catch (const cv::Exception& e) {
    return InvalidArgument(fmt::format("cannot decode the image: {}", e.what()));
  } catch (const std::bad_alloc&) {
    return ResourceExhausted("not enough memory to decode the image");
  }
  if (image.empty()) {
    return InvalidArgument("cannot decode the image (not a format OpenCV reads, or corrupt)");
  }
  return impl_->Run(std::move(image), options);
}

Result<ImageTensor> ImagePipeline::Transform(const ImageView& pixels,
                                             const TransformOptions& options) const {
  int in_channels = pixels.format == PixelFormat::kGray ? 1 : 3;
  size_t row_bytes = static_cast<size_t>(pixels.width) * in_channels;
  size_t stride = pixels.stride == 0 ? row_bytes : pixels.stride;
  if (pixels.data == nullptr || pixels.width <= 0 || pixels.height <= 0 || stride < row_bytes) {
    return InvalidArgument(
        "an image view needs pixels, a positive size and a stride of at "
        "least width * channels bytes");
  }
  cv::Mat image;
  try {
    cv::Mat view(pixels.height, pixels.width, CV_8UC(in_channels),
                 const_cast<uint8_t*>(pixels.data), stride);
    // Every branch copies, so the caller's pixels are never modified.
    if (impl_->channels == 1) {
      if (in_channels == 1) {
        image = view.clone();
      } else {
        cv::cvtColor(view, image,
                     pixels.format == PixelFormat::kBgr ? cv::COLOR_BGR2GRAY : cv::COLOR_RGB2GRAY);
      }
    } else if (pixels.format == PixelFormat::kGray) {
      cv::cvtColor(view, image, cv::COLOR_GRAY2RGB);
    } else if (pixels.format == PixelFormat::kBgr) {
      cv::cvtColor(view, image, cv::COLOR_BGR2RGB);
    } else {
      image = view.clone();
    }
  } catch (const cv::Exception& e) {
    return InvalidArgument(fmt::format("cannot read the image view: {}", e.what()));
  }
  return impl_->Run(std::move(image), options);
}

Result<ImageTensor> ImagePipeline::Impl::Run(cv::Mat image, const TransformOptions& options) const {
  try {
    for (size_t i = 0; i < steps.size(); ++i) {
      if (options.mode == Mode::kTraining) {
        // Each step draws from its own stream, so adding or changing one random step does
        // not change the draws of the others.
        Rng rng(Mix64(options.seed ^ Mix64(0x5eed0000 + i)));
        EASEL_RETURN_IF_ERROR(steps[i]->Apply(image, &rng));
      } else {
        EASEL_RETURN_IF_ERROR(steps[i]->Apply(image, nullptr));
      }
    }
    ImageTensor tensor;
    tensor.channels = image.channels();
    tensor.height = image.rows;
    tensor.width = image.cols;
    const size_t plane = static_cast<size_t>(image.rows) * image.cols;
    tensor.data.resize(plane * tensor.channels);
    const int c_count = tensor.channels;
    for (int c = 0; c < c_count; ++c) {
      // The same float32 operations as torchvision's ToTensor + Normalize.
      const float mean = output.mean.empty() ? 0.0f : output.mean[c];
      const float std = output.std.empty() ? 1.0f : output.std[c];
      float* dst = tensor.data.data() + c * plane;
      for (int y = 0; y < image.rows; ++y) {
        const uint8_t* src = image.ptr<uint8_t>(y);
        for (int x = 0; x < image.cols; ++x) {
          float v = static_cast<float>(src[x * c_count + c]) / output.divisor;
          *dst++ = (v - mean) / std;
        }
      }
    }
    return tensor;
  } catch (const cv::Exception& e) {
    return Internal(fmt::format("image transform failed: {}", e.what()));
  } catch (const std::bad_alloc&) {
    return ResourceExhausted("not enough memory to transform the image");
  }
}

}  // namespace easel::data::transforms
