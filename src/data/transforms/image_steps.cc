// Image steps on 8-bit RGB (or grayscale) cv::Mat: geometry (resize, crops, flips, rotation),
// color_jitter, and the output settings to_tensor and normalize. Random steps follow
// torchvision's sampling procedures so that their parameters mean what torchvision users
// expect; they draw only from the Rng they are given.

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "data/transforms/image_step.h"

namespace easel::data::transforms {

namespace {

int Interpolation(const std::string& name) {
  if (name == "nearest") return cv::INTER_NEAREST;
  if (name == "cubic") return cv::INTER_CUBIC;
  if (name == "area") return cv::INTER_AREA;
  return cv::INTER_LINEAR;
}

// Python's round() (half to even), which torchvision uses for crop offsets and sizes.
int RoundHalfEven(double x) { return static_cast<int>(std::nearbyint(x)); }

// The output size of crops: "size" (a square) or "height" and "width".
Result<cv::Size> TargetSize(const ImageStepContext& ctx) {
  bool square = ctx.params.Has("size");
  bool h = ctx.params.Has("height"), w = ctx.params.Has("width");
  if (square && !h && !w) {
    int s = static_cast<int>(ctx.params.Int("size"));
    return cv::Size(s, s);
  }
  if (!square && h && w) {
    return cv::Size(static_cast<int>(ctx.params.Int("width")),
                    static_cast<int>(ctx.params.Int("height")));
  }
  return ctx.Error(square ? "size" : "height", "give either 'size' or both 'height' and 'width'");
}

// torchvision's center_crop: zero padding when the crop is larger than the image, offsets
// rounded half to even.
cv::Mat CenterCrop(const cv::Mat& image, cv::Size size) {
  cv::Mat padded = image;
  if (size.height > image.rows || size.width > image.cols) {
    int dh = std::max(0, size.height - image.rows), dw = std::max(0, size.width - image.cols);
    cv::copyMakeBorder(image, padded, dh / 2, (dh + 1) / 2, dw / 2, (dw + 1) / 2,
                       cv::BORDER_CONSTANT, cv::Scalar::all(0));
  }
  int top = RoundHalfEven((padded.rows - size.height) / 2.0);
  int left = RoundHalfEven((padded.cols - size.width) / 2.0);
  return padded(cv::Rect(left, top, size.width, size.height)).clone();
}

// --- steps ---------------------------------------------------------------------------------

// decode, to_tensor and normalize: settings read by the pipeline, nothing to do per image.
class OutputSetting : public ImageStep {
 public:
  bool touches_pixels() const override { return false; }
  Status Apply(cv::Mat&, Rng*) const override { return OkStatus(); }
};

// Shorter side to `size` keeping the aspect ratio (the longer side truncated, like
// torchvision), or exactly height x width.
class Resize : public ImageStep {
 public:
  Resize(int shorter, cv::Size exact, int interpolation)
      : shorter_(shorter), exact_(exact), interpolation_(interpolation) {}

  Status Apply(cv::Mat& image, Rng*) const override {
    cv::Size size = exact_;
    if (shorter_ > 0) {
      int h = image.rows, w = image.cols;
      size = h <= w ? cv::Size(static_cast<int>(int64_t{shorter_} * w / h), shorter_)
                    : cv::Size(shorter_, static_cast<int>(int64_t{shorter_} * h / w));
      size.width = std::max(size.width, 1);
      size.height = std::max(size.height, 1);
    }
    if (size == image.size()) return OkStatus();
    cv::Mat out;
    cv::resize(image, out, size, 0, 0, interpolation_);
    image = out;
    return OkStatus();
  }

 private:
  int shorter_;  // 0: exact size
  cv::Size exact_;
  int interpolation_;
};

class CenterCropStep : public ImageStep {
 public:
  explicit CenterCropStep(cv::Size size) : size_(size) {}
  Status Apply(cv::Mat& image, Rng*) const override {
    image = CenterCrop(image, size_);
    return OkStatus();
  }

 private:
  cv::Size size_;
};

// torchvision's RandomCrop(size, padding, pad_if_needed=True) with zero fill. Inference: the
// centre crop.
class RandomCrop : public ImageStep {
 public:
  RandomCrop(cv::Size size, int padding) : size_(size), padding_(padding) {}
  Status Apply(cv::Mat& image, Rng* rng) const override {
    if (rng == nullptr) {
      image = CenterCrop(image, size_);
      return OkStatus();
    }
    cv::Mat padded = image;
    int p = padding_;
    int dh = std::max(0, size_.height - (image.rows + 2 * p));
    int dw = std::max(0, size_.width - (image.cols + 2 * p));
    if (p > 0 || dh > 0 || dw > 0) {
      cv::copyMakeBorder(image, padded, p + dh, p + dh, p + dw, p + dw, cv::BORDER_CONSTANT,
                         cv::Scalar::all(0));
    }
    int top = static_cast<int>(rng->Below(padded.rows - size_.height + 1));
    int left = static_cast<int>(rng->Below(padded.cols - size_.width + 1));
    image = padded(cv::Rect(left, top, size_.width, size_.height)).clone();
    return OkStatus();
  }

 private:
  cv::Size size_;
  int padding_;
};

// torchvision's RandomResizedCrop: a crop of random area (a fraction in `scale` of the image)
// and aspect ratio (log-uniform in `ratio`), 10 tries then a centre fallback, resized to the
// target size. Inference: resize so the image covers the target, then the centre crop.
class RandomResizedCrop : public ImageStep {
 public:
  RandomResizedCrop(cv::Size size, double scale_lo, double scale_hi, double ratio_lo,
                    double ratio_hi, int interpolation)
      : size_(size),
        scale_lo_(scale_lo),
        scale_hi_(scale_hi),
        ratio_lo_(ratio_lo),
        ratio_hi_(ratio_hi),
        interpolation_(interpolation) {}

  Status Apply(cv::Mat& image, Rng* rng) const override {
    cv::Mat out;
    if (rng == nullptr) {
      double s = std::max(static_cast<double>(size_.height) / image.rows,
                          static_cast<double>(size_.width) / image.cols);
      cv::Size cover(std::max(size_.width, static_cast<int>(std::lround(image.cols * s))),
                     std::max(size_.height, static_cast<int>(std::lround(image.rows * s))));
      cv::resize(image, out, cover, 0, 0, interpolation_);
      image = CenterCrop(out, size_);
      return OkStatus();
    }
    cv::Rect crop = Sample(image.rows, image.cols, *rng);
    cv::resize(image(crop), out, size_, 0, 0, interpolation_);
    image = out;
    return OkStatus();
  }

 private:
  cv::Rect Sample(int height, int width, Rng& rng) const {
    const double area = static_cast<double>(height) * width;
    const double log_lo = std::log(ratio_lo_), log_hi = std::log(ratio_hi_);
    for (int attempt = 0; attempt < 10; ++attempt) {
      double target = area * rng.Uniform(scale_lo_, scale_hi_);
      double aspect = std::exp(rng.Uniform(log_lo, log_hi));
      int w = RoundHalfEven(std::sqrt(target * aspect));
      int h = RoundHalfEven(std::sqrt(target / aspect));
      if (w > 0 && w <= width && h > 0 && h <= height) {
        int top = static_cast<int>(rng.Below(height - h + 1));
        int left = static_cast<int>(rng.Below(width - w + 1));
        return cv::Rect(left, top, w, h);
      }
    }
    double in_ratio = static_cast<double>(width) / height;
    int w = width, h = height;
    if (in_ratio < ratio_lo_) {
      h = std::max(1, RoundHalfEven(w / ratio_lo_));
    } else if (in_ratio > ratio_hi_) {
      w = std::max(1, RoundHalfEven(h * ratio_hi_));
    }
    return cv::Rect((width - w) / 2, (height - h) / 2, w, h);
  }

  cv::Size size_;
  double scale_lo_, scale_hi_, ratio_lo_, ratio_hi_;
  int interpolation_;
};

// Flips with probability p (1: always, a deterministic flip also applied at inference).
class Flip : public ImageStep {
 public:
  Flip(double p, int code) : p_(p), code_(code) {}
  Status Apply(cv::Mat& image, Rng* rng) const override {
    bool flip = p_ >= 1 || (rng != nullptr && rng->Uniform() < p_);
    if (flip) {
      cv::Mat out;
      cv::flip(image, out, code_);
      image = out;
    }
    return OkStatus();
  }

 private:
  double p_;
  int code_;  // 1: around the vertical axis (horizontal flip), 0: vertical flip
};

// Rotation by an angle uniform in [-degrees, degrees] (counter-clockwise positive) around the
// image centre, same size, corners filled with `fill`. Skipped at inference.
class Rotation : public ImageStep {
 public:
  Rotation(double degrees, int fill, int interpolation)
      : degrees_(degrees), fill_(fill), interpolation_(interpolation) {}
  Status Apply(cv::Mat& image, Rng* rng) const override {
    if (rng == nullptr) return OkStatus();
    double angle = rng->Uniform(-degrees_, degrees_);
    cv::Point2f centre((image.cols - 1) * 0.5f, (image.rows - 1) * 0.5f);
    cv::Mat m = cv::getRotationMatrix2D(centre, angle, 1.0);
    cv::Mat out;
    cv::warpAffine(image, out, m, image.size(), interpolation_, cv::BORDER_CONSTANT,
                   cv::Scalar::all(fill_));
    image = out;
    return OkStatus();
  }

 private:
  double degrees_;
  int fill_;
  int interpolation_;
};

// Brightness, contrast and saturation factors, each uniform in [max(0, 1 - a), 1 + a], drawn
// and applied in that fixed order (torchvision shuffles the order; a fixed one is simpler to
// reason about). brightness scales pixels; contrast blends with the mean gray level;
// saturation blends with each pixel's gray (ITU-R 601 luma). Results are rounded and
// saturated to 0..255. Skipped at inference.
class ColorJitter : public ImageStep {
 public:
  ColorJitter(double brightness, double contrast, double saturation)
      : brightness_(brightness), contrast_(contrast), saturation_(saturation) {}

  Status Apply(cv::Mat& image, Rng* rng) const override {
    if (rng == nullptr) return OkStatus();
    auto factor = [&](double a) { return a > 0 ? rng->Uniform(std::max(0.0, 1 - a), 1 + a) : 1; };
    double b = factor(brightness_), c = factor(contrast_), s = factor(saturation_);
    if (b != 1) image.convertTo(image, -1, b, 0);
    if (c != 1) {
      double mean = cv::mean(Gray(image))[0];
      image.convertTo(image, -1, c, (1 - c) * mean);
    }
    if (s != 1 && image.channels() == 3) {
      cv::Mat gray3;
      cv::cvtColor(Gray(image), gray3, cv::COLOR_GRAY2RGB);
      cv::Mat out;
      cv::addWeighted(image, s, gray3, 1 - s, 0, out);
      image = out;
    }
    return OkStatus();
  }

 private:
  static cv::Mat Gray(const cv::Mat& image) {
    if (image.channels() == 1) return image;
    cv::Mat gray;
    cv::cvtColor(image, gray, cv::COLOR_RGB2GRAY);
    return gray;
  }
  double brightness_, contrast_, saturation_;
};

}  // namespace

Result<std::unique_ptr<ImageStep>> MakeDecode(ImageStepContext& ctx) {
  if (ctx.index != 0) return ctx.Error("op", "decode must be the first step");
  ctx.channels = ctx.params.String("mode") == "grayscale" ? 1 : 3;
  return std::unique_ptr<ImageStep>(new OutputSetting());
}

Result<std::unique_ptr<ImageStep>> MakeResize(ImageStepContext& ctx) {
  int interpolation = Interpolation(ctx.params.String("interpolation"));
  if (ctx.params.Has("size") && !ctx.params.Has("height") && !ctx.params.Has("width")) {
    return std::unique_ptr<ImageStep>(
        new Resize(static_cast<int>(ctx.params.Int("size")), {}, interpolation));
  }
  EASEL_ASSIGN_OR_RETURN(cv::Size size, TargetSize(ctx));
  return std::unique_ptr<ImageStep>(new Resize(0, size, interpolation));
}

Result<std::unique_ptr<ImageStep>> MakeCenterCrop(ImageStepContext& ctx) {
  EASEL_ASSIGN_OR_RETURN(cv::Size size, TargetSize(ctx));
  return std::unique_ptr<ImageStep>(new CenterCropStep(size));
}

Result<std::unique_ptr<ImageStep>> MakeRandomCrop(ImageStepContext& ctx) {
  EASEL_ASSIGN_OR_RETURN(cv::Size size, TargetSize(ctx));
  return std::unique_ptr<ImageStep>(
      new RandomCrop(size, static_cast<int>(ctx.params.Int("padding"))));
}

Result<std::unique_ptr<ImageStep>> MakeRandomResizedCrop(ImageStepContext& ctx) {
  EASEL_ASSIGN_OR_RETURN(cv::Size size, TargetSize(ctx));
  std::vector<double> scale = ctx.params.Numbers("scale");
  std::vector<double> ratio = ctx.params.Numbers("ratio");
  if (!(scale[0] > 0 && scale[0] <= scale[1])) {
    return ctx.Error("scale", "parameter 'scale' must be [lo, hi] with 0 < lo <= hi <= 1");
  }
  if (!(ratio[0] > 0 && ratio[0] <= ratio[1])) {
    return ctx.Error("ratio", "parameter 'ratio' must be [lo, hi] with 0 < lo <= hi");
  }
  return std::unique_ptr<ImageStep>(
      new RandomResizedCrop(size, scale[0], scale[1], ratio[0], ratio[1],
                            Interpolation(ctx.params.String("interpolation"))));
}

Result<std::unique_ptr<ImageStep>> MakeHorizontalFlip(ImageStepContext& ctx) {
  return std::unique_ptr<ImageStep>(new Flip(ctx.params.Number("p"), 1));
}

Result<std::unique_ptr<ImageStep>> MakeVerticalFlip(ImageStepContext& ctx) {
  return std::unique_ptr<ImageStep>(new Flip(ctx.params.Number("p"), 0));
}

Result<std::unique_ptr<ImageStep>> MakeRotation(ImageStepContext& ctx) {
  return std::unique_ptr<ImageStep>(
      new Rotation(ctx.params.Number("degrees"), static_cast<int>(ctx.params.Int("fill")),
                   Interpolation(ctx.params.String("interpolation"))));
}

Result<std::unique_ptr<ImageStep>> MakeColorJitter(ImageStepContext& ctx) {
  return std::unique_ptr<ImageStep>(new ColorJitter(ctx.params.Number("brightness"),
                                                    ctx.params.Number("contrast"),
                                                    ctx.params.Number("saturation")));
}

Result<std::unique_ptr<ImageStep>> MakeToTensor(ImageStepContext& ctx) {
  ctx.output->divisor = ctx.params.Bool("scale") ? 255.0f : 1.0f;
  return std::unique_ptr<ImageStep>(new OutputSetting());
}

Result<std::unique_ptr<ImageStep>> MakeNormalize(ImageStepContext& ctx) {
  std::vector<double> mean = ctx.params.Numbers("mean");
  std::vector<double> std = ctx.params.Numbers("std");
  auto per_channel = [&](std::string_view name,
                         const std::vector<double>& v) -> Result<std::vector<float>> {
    if (v.size() != 1 && v.size() != static_cast<size_t>(ctx.channels)) {
      return ctx.Error(name,
                       fmt::format("parameter '{}' needs 1 or {} values (the image has {} "
                                   "channel{})",
                                   name, ctx.channels, ctx.channels, ctx.channels == 1 ? "" : "s"));
    }
    std::vector<float> out;
    for (int c = 0; c < ctx.channels; ++c)
      out.push_back(static_cast<float>(v[v.size() == 1 ? 0 : c]));
    return out;
  };
  EASEL_ASSIGN_OR_RETURN(ctx.output->mean, per_channel("mean", mean));
  EASEL_ASSIGN_OR_RETURN(ctx.output->std, per_channel("std", std));
  for (float s : ctx.output->std) {
    if (!(s > 0)) return ctx.Error("std", "parameter 'std' must be positive");
  }
  return std::unique_ptr<ImageStep>(new OutputSetting());
}

}  // namespace easel::data::transforms
