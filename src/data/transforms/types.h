#pragma once
// The plain types that cross the transforms boundary: what trainers and serving backends get
// from a pipeline (float rows and image tensors) and what they pass in besides samples (raw
// camera pixels, the mode and seed of augmentations). No third-party types: OpenCV stays
// inside transforms/.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "data/sample.h"

namespace easel::data::transforms {

// The training samples, as Fit reads them: calling it streams every sample to `visit`, in the
// same order each time, and returns the first error of `visit` (or its own). Fit may call it
// several times (one pass per group of steps that depend on each other's fitted state), so
// memory stays bounded by the fitted state, not by the number of samples. Time-series
// pipelines with history steps need the rows grouped by series and ordered by time.
using SampleStream = std::function<Status(const std::function<Status(const Sample&)>& visit)>;

// One input column of a batch of records, as a serving request carries it, one value per row:
// `numbers` when not empty, else `floats` when not empty (NaN: missing in both), else `text`.
// A number is read exactly as a cell holding its shortest text (FormatNumber in numbers.h)
// would be, and a float as a cell holding the float's shortest text (FloatTextValue in
// common/float_text.h); where every step reads the column as a number or a category, that
// text is never written and parsed.
struct InputColumn {
  std::span<const double> numbers;
  std::span<const float> floats;
  std::span<const std::string> text;

  size_t size() const {
    return !numbers.empty() ? numbers.size() : !floats.empty() ? floats.size() : text.size();
  }
  bool holds_text() const { return numbers.empty() && floats.empty(); }
};

// One sample's features, in the order of Pipeline::feature_names(). Missing values that reach
// the output are NaN (XGBoost treats NaN as missing; impute first for other models).
using FeatureRow = std::vector<float>;

// Many samples' features, row-major, held by someone else: what a predictor reads. Row i is
// data[i * cols, (i + 1) * cols).
struct FeatureView {
  size_t rows = 0;
  size_t cols = 0;
  std::span<const float> data;

  std::span<const float> row(size_t i) const { return data.subspan(i * cols, cols); }
};

// Many samples' features, row-major: row i is data[i * cols, (i + 1) * cols).
struct FeatureMatrix {
  size_t rows = 0;
  size_t cols = 0;
  std::vector<float> data;

  std::span<const float> row(size_t i) const { return {data.data() + i * cols, cols}; }
  operator FeatureView() const { return {rows, cols, data}; }  // NOLINT: a view of it
};

// An image as a model input: float32, channel-major (CHW), channels in RGB order (1 channel
// for grayscale pipelines). data.size() == channels * height * width.
struct ImageTensor {
  int channels = 0;
  int height = 0;
  int width = 0;
  std::vector<float> data;

  float at(int c, int y, int x) const {
    return data[(static_cast<size_t>(c) * height + y) * width + x];
  }
};

// Decoded 8-bit pixels handed in by a caller that already has them (a camera frame, a video
// decoder), so serving need not re-encode. Interleaved channels; row i starts at
// data + i * stride (stride 0: width * channels, tightly packed). Not owned; never modified.
enum class PixelFormat { kGray, kRgb, kBgr };
struct ImageView {
  int width = 0;
  int height = 0;
  PixelFormat format = PixelFormat::kRgb;
  const uint8_t* data = nullptr;
  size_t stride = 0;
};

// How random steps (augmentations) behave. In inference mode they are skipped or replaced by
// their deterministic counterpart (random_crop crops the centre...), so serving and
// evaluation always see the same input for the same image. In training mode they draw from
// `seed`: the same seed gives the same augmented tensor, on any machine.
enum class Mode { kInference, kTraining };
struct TransformOptions {
  Mode mode = Mode::kInference;
  uint64_t seed = 0;
};

// The conventional per-sample seed: differs for every (base_seed, epoch, sample id), so each
// epoch sees fresh augmentations, and is the same whenever a run is repeated. `sample_id` is
// Sample::id.
uint64_t AugmentationSeed(uint64_t base_seed, uint64_t epoch, std::string_view sample_id);

}  // namespace easel::data::transforms
