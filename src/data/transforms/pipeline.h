#pragma once
// Declarative, serializable preprocessing pipelines: the one implementation of feature
// preparation that training and serving both call, so the two cannot disagree (no
// train/serve skew).
//
// A pipeline is made from a JSON spec, an ordered list of steps naming ops of the registry
// (op_registry.h; docs/transforms.md lists every op and parameter):
//   {"steps": [{"op": "impute", "columns": ["age"], "strategy": "median"},
//              {"op": "standard_scale", "columns": ["age", "fare"]},
//              {"op": "one_hot", "columns": ["sex"], "handle_unknown": "ignore"}]}
// It learns its state (means, category lists, vocabularies) from the training samples (Fit)
// and turns samples into model inputs:
//  - record datasets (tabular, text classification, time series): a float row per sample, in
//    the order of feature_names(); a whole batch into one row-major matrix; or, with history
//    steps (lags, rolling, diff), the rows of time-ordered series (TransformSeries);
//  - image datasets: an ImageTensor per image (TransformImage), with augmentations in training
//    mode only.
// ToJson() holds the resolved spec and the fitted state: what a dataset version or a model
// version stores. FromJson() restores a pipeline whose outputs are bit-identical.
//
// Errors: a bad spec is INVALID_ARGUMENT naming the step ("steps[2] (one_hot): ...") and the
// parameter (details {step, op, param}); a bad sample is INVALID_ARGUMENT naming the row,
// the column and the value. Nothing throws.
//
// Thread safety: the const methods (every transform) may run concurrently on one pipeline;
// Fit and assignment may not run concurrently with anything.

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "data/dataset_type.h"
#include "data/sample.h"
#include "data/transforms/types.h"

namespace easel::data::transforms {

class RecordPipeline;
class ImagePipeline;

class Pipeline {
 public:
  // Validates `spec` for a dataset of `type` whose records have `columns` (ignored for image
  // types). A pipeline without stateful steps is fitted at once.
  static Result<Pipeline> Create(const Json& spec, DatasetType type,
                                 const std::vector<std::string>& columns);
  // Create, then restore the state returned by State(). INVALID_ARGUMENT when the state does
  // not match the spec or is damaged.
  static Result<Pipeline> Load(const Json& spec, const Json& state, DatasetType type,
                               const std::vector<std::string>& columns);
  // Restores a pipeline from ToJson()'s document.
  static Result<Pipeline> FromJson(const Json& stored);

  Pipeline(Pipeline&&) noexcept;
  Pipeline& operator=(Pipeline&&) noexcept;
  ~Pipeline();

  DatasetType type() const { return type_; }
  const std::vector<std::string>& columns() const { return columns_; }
  // The spec with every parameter's value, defaults included: stored instead of the user's
  // spec so that a later change of a default cannot change a stored pipeline.
  const Json& spec() const { return spec_; }

  // Learns the state of every stateful step from the training samples, streamed once per
  // fitting pass (see SampleStream); refits from scratch when called again. Records only
  // (image pipelines have no fitted state: a no-op). INVALID_ARGUMENT for a sample the steps
  // cannot read, or a column with no values to learn from. On error the pipeline is unfitted.
  Status Fit(const SampleStream& samples);
  Status Fit(std::span<const Sample> samples);
  bool fitted() const;

  // {"format": 1, "steps": [{"op", "state"?}, ...]}: one entry per step, "state" for the
  // stateful ones (docs/transforms.md describes each). Null when not fitted.
  Json State() const;
  // {"format": 1, "dataset_type", "columns", "spec", "state", "features"}.
  Json ToJson() const;

  // --- records ---
  // Valid once fitted (empty before, and for images).
  const std::vector<std::string>& feature_names() const;
  size_t num_features() const { return feature_names().size(); }
  Result<FeatureRow> Transform(const Sample& sample) const;
  // Writes samples.size() rows of num_features() floats into `out`, row-major; `out` must
  // have exactly that size (INVALID_ARGUMENT otherwise). Stops at the first bad sample.
  Status TransformBatch(std::span<const Sample> samples, std::span<float> out) const;
  Result<FeatureMatrix> TransformBatch(std::span<const Sample> samples) const;
  // The same from `rows` rows given by column: `columns` in columns() order, each holding
  // `rows` values. The features equal TransformBatch's on samples of the same cells.
  Status TransformColumns(size_t rows, std::span<const InputColumn> columns,
                          std::span<float> out) const;

  // --- time series ---
  // True when some step looks at previous rows (lags, rolling, diff). Such pipelines
  // transform whole series: Transform and TransformBatch answer FAILED_PRECONDITION.
  bool has_history() const { return history_length() > 0; }
  // How many previous rows of a series the history steps can use (their sum). To serve the
  // newest row, pass it with at least this many rows before it.
  size_t history_length() const;
  struct SeriesFeatures {
    FeatureMatrix features;      // one row per input row
    std::vector<bool> complete;  // false where some history feature lacked history (NaN)
  };
  // Transforms consecutive rows of one or more series: grouped by the spec's series_column
  // (a new series starts when its value changes; no column: one series) and ordered by time
  // within a series (checked against time_column when given: INVALID_ARGUMENT otherwise).
  // History restarts with every series. Training and serving call this same function.
  Result<SeriesFeatures> TransformSeries(std::span<const Sample> rows) const;

  // --- images ---
  // 1 (grayscale) or 3 (RGB): channels of every tensor; 0 for record pipelines.
  int image_channels() const;
  // Decodes an encoded image (any format OpenCV reads; EXIF orientation applied, alpha
  // dropped) and transforms it. INVALID_ARGUMENT for bytes that are not an image.
  Result<ImageTensor> TransformImage(std::string_view encoded,
                                     const TransformOptions& options = {}) const;
  // Transforms pixels the caller has already decoded (converted to the pipeline's channels).
  Result<ImageTensor> TransformImage(const ImageView& pixels,
                                     const TransformOptions& options = {}) const;

 private:
  Pipeline();
  Status CheckRecords() const;
  Status CheckImages() const;

  DatasetType type_ = DatasetType::kTabular;
  std::vector<std::string> columns_;
  Json spec_;
  std::unique_ptr<RecordPipeline> records_;  // record types
  std::unique_ptr<ImagePipeline> images_;    // image types
};

}  // namespace easel::data::transforms
