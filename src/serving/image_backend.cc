// Image classifiers (image_classifier, image ensembles) behind the serving Backend interface.
// A request carries either
//  - encoded images (JPEG, PNG, ...) as a BYTES input of shape [n] or [n, 1], which the
//    model's stored pipeline decodes and prepares as it did in training; or
//  - "pixels", UINT8 [n, H, W, C] with C 1 (grey) or 3 (RGB): images already decoded, which
//    the pipeline converts to its channels and prepares as it does decoded files; or
//  - "input", FP32 (or FP16, FP64) [n, C, H, W]: images already prepared as the pipeline
//    would (resized, scaled, normalized), the network's own input; the pipeline is skipped.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <cstring>

#include "data/images/image_probe.h"
#include "serving/tabular_backend.h"

namespace easel::serving {
namespace {

// A 32 x 32 mid-grey 8-bit BMP: the warm-up input, built here so no file is needed.
std::string GreyBmp() {
  const int side = 32;
  const uint32_t row = side * 3;  // 96 bytes: already a multiple of 4
  const uint32_t pixels = row * side;
  std::string bmp(54 + pixels, '\x80');
  auto put = [&](size_t at, uint32_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) bmp[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
  };
  bmp[0] = 'B';
  bmp[1] = 'M';
  put(2, 54 + pixels, 4);
  put(6, 0, 4);
  put(10, 54, 4);
  put(14, 40, 4);  // BITMAPINFOHEADER
  put(18, side, 4);
  put(22, side, 4);
  put(26, 1, 2);
  put(28, 24, 2);
  put(30, 0, 4);
  put(34, pixels, 4);
  put(38, 2835, 4);
  put(42, 2835, 4);
  put(46, 0, 4);
  put(50, 0, 4);
  return bmp;
}

constexpr const char* kPixelsInput = "pixels";
constexpr const char* kPreparedInput = "input";

class ImageBackend final : public Backend {
 public:
  ImageBackend(ModelMetadata metadata, std::unique_ptr<train::ImagePredictor> model)
      : metadata_(std::move(metadata)), model_(std::move(model)) {}

  const ModelMetadata& metadata() const override { return metadata_; }
  size_t output_width() const override { return model_->num_classes(); }

  Result<Rows> Prepare(const InferRequest& request) const override {
    const std::string& name = metadata_.inputs.front().name;
    const auto prepared = model_->input_shape();
    if (request.inputs.size() == 1 && name != kPixelsInput && name != kPreparedInput) {
      const Tensor& only = request.inputs.front();
      if (only.name == kPixelsInput) return FromPixels(only);
      if (only.name == kPreparedInput && prepared) return FromPrepared(only, *prepared);
    }
    if (request.inputs.size() != 1 || request.inputs.front().name != name) {
      std::string forms = fmt::format(
          "the model reads one input: '{}', encoded images (BYTES), shape [n]; or '{}', decoded "
          "images (UINT8), shape [n, height, width, 1 or 3]",
          name, kPixelsInput);
      if (prepared) {
        forms += fmt::format("; or '{}', prepared images (FP32), shape [n, {}, {}, {}]",
                             kPreparedInput, prepared->channels, prepared->height,
                             prepared->width);
      }
      return InvalidArgument(forms);
    }
    const Tensor& t = request.inputs.front();
    if (t.datatype != DataType::kBytes) {
      return InvalidArgument("input '" + name +
                             "' must be BYTES (encoded JPEG or PNG images), not " +
                             std::string(DataTypeName(t.datatype)));
    }
    if (!(t.shape.size() == 1 || (t.shape.size() == 2 && t.shape[1] == 1))) {
      return InvalidArgument("input '" + name +
                             "' must have shape [n] or [n, 1], one image per row");
    }
    if (t.strings.empty()) return InvalidArgument("the request has no images");
    for (size_t i = 0; i < t.strings.size(); ++i) {
      // The header alone: refuses what is not an image, and decompression bombs, before any
      // decoder runs on the instance's thread.
      auto header = data::ProbeImageBytes(t.strings[i]);
      Status st =
          header.ok() ? data::CheckPixelLimit(*header, data::kDefaultMaxPixels) : header.status();
      if (!st.ok()) {
        return InvalidArgument("input '" + name + "' element " + std::to_string(i) + ": " +
                               st.message());
      }
    }
    Rows rows;
    rows.count = t.strings.size();
    rows.images = t.strings;
    return rows;
  }

  Result<std::vector<float>> Execute(const Rows& rows) const override {
    const int forms = !rows.features.empty() + !rows.images.empty() + !rows.pixels.empty();
    // The deployment then runs the batch's requests one by one.
    if (forms > 1) return FailedPrecondition("a batch mixes encoded, decoded and prepared images");
    if (!rows.features.empty()) return model_->PredictPrepared(rows.features, rows.count);
    if (!rows.pixels.empty()) return model_->Predict(std::span(rows.pixels));
    std::vector<std::string_view> views(rows.images.begin(), rows.images.end());
    return model_->Predict(views);
  }

  Status Warmup() const override {
    Rows rows;
    rows.count = 1;
    rows.images.push_back(GreyBmp());
    return Execute(rows).status();
  }

 private:
  // Views of each image of a decoded-images tensor (into the request's own bytes).
  static Result<Rows> FromPixels(const Tensor& t) {
    const std::string what = fmt::format("input '{}'", kPixelsInput);
    if (t.datatype != DataType::kUint8) {
      return InvalidArgument(fmt::format("{} must be UINT8 (decoded images), not {}", what,
                                         DataTypeName(t.datatype)));
    }
    if (t.shape.size() != 4 || (t.shape[3] != 1 && t.shape[3] != 3) || t.shape[1] <= 0 ||
        t.shape[2] <= 0) {
      return InvalidArgument(
          fmt::format("{} must have shape [n, height, width, channels] with 1 (grey) or 3 (RGB) "
                      "channels, not [{}]",
                      what, fmt::join(t.shape, ", ")));
    }
    const int64_t height = t.shape[1], width = t.shape[2], channels = t.shape[3];
    if (static_cast<uint64_t>(height) * static_cast<uint64_t>(width) > data::kDefaultMaxPixels) {
      return InvalidArgument(fmt::format("{}: {}x{} images are over the limit of {} pixels", what,
                                         width, height, data::kDefaultMaxPixels));
    }
    if (t.shape[0] == 0) return InvalidArgument("the request has no images");
    const size_t per_image = static_cast<size_t>(height * width * channels);
    Rows rows;
    rows.count = static_cast<size_t>(t.shape[0]);
    for (size_t i = 0; i < rows.count; ++i) {
      rows.pixels.push_back(
          {.width = static_cast<int>(width),
           .height = static_cast<int>(height),
           .format = channels == 1 ? data::transforms::PixelFormat::kGray
                                   : data::transforms::PixelFormat::kRgb,
           .data = reinterpret_cast<const uint8_t*>(t.data.data()) + i * per_image});
    }
    return rows;
  }

  // Checks a prepared-images tensor against the network's input.
  static Result<Rows> FromPrepared(const Tensor& t, const train::ImagePredictor::InputShape& want) {
    const int64_t dims[] = {want.channels, want.height, want.width};
    EASEL_ASSIGN_OR_RETURN(Rows rows, FloatRows(t, dims));
    if (rows.count == 0) return InvalidArgument("the request has no images");
    for (size_t i = 0; i < rows.features.size(); ++i) {
      if (!std::isfinite(rows.features[i])) {
        return InvalidArgument(fmt::format("input '{}': value {} of image {} is not a finite number",
                                           kPreparedInput, i % want.size(), i / want.size()));
      }
    }
    return rows;
  }

  ModelMetadata metadata_;
  std::unique_ptr<train::ImagePredictor> model_;
};

}  // namespace

Result<std::unique_ptr<Backend>> LoadImageBackend(const train::ModelLoader& loader,
                                                  const train::ModelFiles& files,
                                                  const train::Resources& resources,
                                                  ModelMetadata metadata) {
  if (metadata.inputs.size() != 1) {
    metadata.inputs = {{"image", "BYTES", {-1}}};
  }
  EASEL_ASSIGN_OR_RETURN(std::unique_ptr<train::ImagePredictor> model,
                         loader.image(files, resources));
  return std::unique_ptr<Backend>(
      std::make_unique<ImageBackend>(std::move(metadata), std::move(model)));
}

}  // namespace easel::serving
