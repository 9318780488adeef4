#pragma once
// The image half of Pipeline: decoding, pixel steps and the conversion to an ImageTensor.
// Internal to transforms/; OpenCV stays in the .cc files.

#include <memory>
#include <string_view>

#include "common/json.h"
#include "common/status.h"
#include "data/dataset_type.h"
#include "data/transforms/types.h"

namespace easel::data::transforms {

class ImagePipeline {
 public:
  // `steps` is the spec's "steps" array. Appends each step's resolved parameters (defaults
  // filled in) to `resolved`. INVALID_ARGUMENT naming the step for a bad spec.
  static Result<std::unique_ptr<ImagePipeline>> Create(const Json& steps, DatasetType type,
                                                       Json* resolved);
  ~ImagePipeline();

  // 1 (grayscale) or 3 (RGB): the channels of every output tensor.
  int channels() const;

  // Decodes and transforms. INVALID_ARGUMENT for bytes that are not a decodable image.
  Result<ImageTensor> Transform(std::string_view encoded, const TransformOptions& options) const;
  // Transforms pixels the caller already has (converted to the pipeline's channels first).
  // INVALID_ARGUMENT for an empty view or a stride smaller than a row.
  Result<ImageTensor> Transform(const ImageView& pixels, const TransformOptions& options) const;

 private:
  struct Impl;
  explicit ImagePipeline(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace easel::data::transforms
