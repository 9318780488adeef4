#pragma once
// The record half of Pipeline (tabular, text classification and time-series datasets): builds
// the steps from a spec, fits them in as few passes over the data as their dependencies allow,
// and flattens rows into floats. Internal to transforms/.

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "data/dataset_type.h"
#include "data/sample.h"
#include "data/transforms/record_step.h"
#include "data/transforms/types.h"

namespace easel::data::transforms {

class RecordPipeline {
 public:
  // `spec` is the whole spec object; its resolved form (defaults filled in) goes to
  // `resolved`. INVALID_ARGUMENT naming the step and parameter for a bad spec.
  static Result<std::unique_ptr<RecordPipeline>> Create(const Json& spec, DatasetType type,
                                                        const std::vector<std::string>& columns,
                                                        Json* resolved);
  ~RecordPipeline();

  bool fitted() const { return fitted_; }
  Status Fit(const SampleStream& samples);
  // {"format": 1, "steps": [{"op", "state"?}]}: see docs/transforms.md.
  Json State() const;
  Status LoadState(const Json& state);

  const std::vector<std::string>& feature_names() const { return feature_names_; }
  size_t num_features() const { return feature_names_.size(); }
  // Rows of history the history steps need, summed (a bound when history steps feed each
  // other); 0 without history steps.
  size_t history_length() const;

  // Row-wise transform of independent samples into out[i * num_features() ...].
  // FAILED_PRECONDITION with history steps (use TransformSeries).
  Status Transform(std::span<const Sample> samples, float* out) const;
  // The same from `rows` rows given by column (see InputColumn), `columns` in column order.
  Status Transform(size_t rows, std::span<const InputColumn> columns, float* out) const;
  // Transform of consecutive rows of one or more series (grouped, time-ordered), carrying
  // history from row to row within a series. `complete[i]` is false when row i lacked history.
  Status TransformSeries(std::span<const Sample> rows, float* out,
                         std::vector<bool>* complete) const;

 private:
  RecordPipeline() = default;
  // What a step does during one fitting pass.
  enum class Role : uint8_t { kApply, kFit, kSkip };

  // FAILED_PRECONDITION unless fitted and free of history steps.
  Status CheckRowWise() const;
  Status FillRow(const Sample& sample, Row* row) const;
  void FillRow(std::span<const InputColumn> columns, size_t i, Row* row) const;
  // Runs the row-wise steps on a filled row and writes its features.
  Status Finish(Row& row, std::vector<std::unique_ptr<StepScratch>>& scratch, float* out) const;
  // Runs every step on `row`.
  Status RunSteps(Row& row, std::vector<std::unique_ptr<StepScratch>>& scratch) const;
  // Fresh per-series scratch for the steps that run (all, or those with role kApply).
  void ResetScratch(std::vector<std::unique_ptr<StepScratch>>& scratch,
                    const std::vector<Role>* roles) const;
  Status Flatten(const Row& row, float* out) const;
  void BuildLayout();
  void BuildColumnPlan();
  // Transform on InputColumns column by column, through the plan; false where it does not
  // apply (no plan, text that is not a number, an infinity): the row path then runs, and
  // reports any error (over whatever this left in `out`).
  bool TransformByColumn(size_t rows, std::span<const InputColumn> columns, float* out) const;
  // The same for samples, their cells parsed as numbers first; false also where a cell the
  // plan reads is not a number, or a sample has the wrong width.
  bool TransformByColumn(std::span<const Sample> samples, float* out) const;
  bool has_history() const { return history_length() > 0; }

  // Detects series boundaries and checks time order (time-series pipelines).
  class SeriesTracker;

  DatasetType type_ = DatasetType::kTabular;
  std::vector<std::string> columns_;
  std::vector<Slot> slots_;  // the schema's slots after the last step
  std::vector<int> order_;   // output slots, in order
  std::vector<std::unique_ptr<RecordStep>> steps_;
  int series_slot_ = -1;
  int time_slot_ = -1;
  bool fitted_ = false;
  // Columns some step reads as text (tokenize, calendar, the series and time columns): an
  // InputColumn number enters them as its text.
  std::vector<bool> reads_text_;
  // Columns no step reads: their numbers reach the features only converted to float, if at all.
  std::vector<bool> passes_through_;

  // When every step maps numbers (RecordStep::maps_numbers) and every feature is an input
  // column's number, each feature is a chain of MapNumber calls on one column: a loop over
  // that column instead of rows of cells. A serving batch runs through it.
  struct ColumnFeature {
    size_t column;
    size_t offset;                                           // in the feature row
    std::vector<std::pair<const RecordStep*, size_t>> maps;  // step, input index; in order
  };
  struct ColumnPlan {
    std::vector<ColumnFeature> features;
    // Columns some step reads though no feature comes from them: numbers, checked as the rows
    // would be.
    std::vector<size_t> read_only;
  };
  std::optional<ColumnPlan> column_plan_;

  struct Output {
    int slot;
    size_t offset;
    size_t width;
    bool block;
  };
  std::vector<Output> layout_;
  std::vector<std::string> feature_names_;
};

}  // namespace easel::data::transforms
