#include "data/transforms/record_pipeline.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "common/float_text.h"
#include "data/timestamps.h"
#include "data/transforms/numbers.h"
#include "data/transforms/op_registry.h"

namespace easel::data::transforms {

namespace {

constexpr int kStateFormat = 1;

// Adds which sample failed to an error: "row 3 (sample 'ab12'): column 'age': ...".
Status InSample(const Status& status, std::string_view sample_id, size_t position) {
  std::string where = sample_id.empty() ? fmt::format("row {}", position)
                                        : fmt::format("row {} (sample '{}')", position, sample_id);
  Json details = status.details().is_object() ? status.details() : Json::object();
  details["row"] = position;
  if (!sample_id.empty()) details["sample"] = sample_id;
  return Status(status.code(), fmt::format("{}: {}", where, status.message()), std::move(details));
}

}  // namespace

// --- series --------------------------------------------------------------------------------

class RecordPipeline::SeriesTracker {
 public:
  SeriesTracker(const RecordPipeline& p) : series_slot_(p.series_slot_), time_slot_(p.time_slot_) {
    if (time_slot_ >= 0) time_name_ = p.columns_[time_slot_];
  }

  // True when `row` (as filled from its sample) starts a new series: the first row, or a
  // change of the series column. INVALID_ARGUMENT when the time column is not a timestamp or
  // goes backwards within a series.
  Result<bool> Next(const Row& row) {
    bool fresh = !started_;
    started_ = true;
    if (series_slot_ >= 0) {
      const Cell& c = row.cells[series_slot_];
      std::optional<std::string_view> key;
      if (c.kind == Cell::Kind::kText) key = c.text;
      if (!fresh && key != (key_ ? std::optional<std::string_view>(*key_) : std::nullopt)) {
        fresh = true;
      }
      if (fresh) key_ = key ? std::optional<std::string>(*key) : std::nullopt;
    }
    if (time_slot_ >= 0) {
      const Cell& c = row.cells[time_slot_];
      std::optional<int64_t> t;
      if (c.kind == Cell::Kind::kText) t = ParseTimestamp(c.text);
      if (!t) {
        std::string value = c.kind == Cell::Kind::kText ? Excerpt(c.text) : "";
        return Status(StatusCode::kInvalidArgument,
                      fmt::format("time column '{}': '{}' is not an ISO 8601 date or date-time",
                                  time_name_, value),
                      Json{{"column", time_name_}, {"value", value}});
      }
      if (!fresh && *t < last_time_) {
        return Status(StatusCode::kInvalidArgument,
                      fmt::format("rows must be ordered by time within a series: '{}' comes "
                                  "after {}",
                                  Excerpt(c.text), FormatTimestamp(last_time_)),
                      Json{{"column", time_name_}, {"value", Excerpt(c.text)}});
      }
      last_time_ = *t;
    }
    return fresh;
  }

 private:
  int series_slot_;
  int time_slot_;
  std::string time_name_;
  bool started_ = false;
  std::optional<std::string> key_;
  int64_t last_time_ = 0;
};

// --- creation ------------------------------------------------------------------------------

RecordPipeline::~RecordPipeline() = default;

Result<std::unique_ptr<RecordPipeline>> RecordPipeline::Create(
    const Json& spec, DatasetType type, const std::vector<std::string>& columns, Json* resolved) {
  if (columns.empty()) return InvalidArgument("a record pipeline needs the dataset's columns");
  for (size_t i = 0; i < columns.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (columns[i] == columns[j]) {
        return InvalidArgument(fmt::format("column '{}' appears twice", columns[i]));
      }
    }
  }
  std::unique_ptr<RecordPipeline> p(new RecordPipeline());
  p->type_ = type;
  p->columns_ = columns;

  auto column_field = [&](const char* field, int* slot) -> Status {
    auto it = spec.find(field);
    if (it == spec.end() || it->is_null()) return OkStatus();
    if (type != DatasetType::kTimeSeries) {
      return Status(StatusCode::kInvalidArgument,
                    fmt::format("'{}' applies to time_series datasets only", field),
                    Json{{"field", field}});
    }
    auto pos = it->is_string() ? std::find(columns.begin(), columns.end(), it->get<std::string>())
                               : columns.end();
    if (pos == columns.end()) {
      return Status(StatusCode::kInvalidArgument,
                    fmt::format("'{}' must name one of the dataset's columns", field),
                    Json{{"field", field}});
    }
    *slot = static_cast<int>(pos - columns.begin());
    (*resolved)[field] = *it;
    return OkStatus();
  };
  EASEL_RETURN_IF_ERROR(column_field("series_column", &p->series_slot_));
  EASEL_RETURN_IF_ERROR(column_field("time_column", &p->time_slot_));

  RecordSchema schema(columns);
  Json& resolved_steps = (*resolved)["steps"] = Json::array();
  const Json& steps = spec["steps"];
  for (size_t i = 0; i < steps.size(); ++i) {
    int index = static_cast<int>(i);
    const Json& step = steps[i];
    if (!step.is_object() || !step.contains("op") || !step["op"].is_string()) {
      return StepError(index, "", "op", "a step must be an object with a string 'op'");
    }
    EASEL_ASSIGN_OR_RETURN(const OpInfo* op, FindOp(step["op"].get<std::string>(), type, index));
    EASEL_ASSIGN_OR_RETURN(Params params, ResolveParams(*op, step, index));
    resolved_steps.push_back(params.json());
    RecordStepContext ctx{index, op, std::move(params), &schema, type};
    EASEL_ASSIGN_OR_RETURN(std::unique_ptr<RecordStep> made, op->make_record(ctx));
    p->steps_.push_back(std::move(made));
  }
  for (int s : schema.order()) {
    if (schema.slot(s).kind == ColumnKind::kTokens) {
      return Status(StatusCode::kInvalidArgument,
                    fmt::format("column '{}' is still a token list at the end of the pipeline: "
                                "encode it with token_ids or bag_of_words, or drop it",
                                schema.slot(s).name),
                    Json{{"column", schema.slot(s).name}});
    }
  }
  for (size_t s = 0; s < schema.size(); ++s) p->slots_.push_back(schema.slot(static_cast<int>(s)));
  p->order_ = schema.order();
  p->reads_text_.assign(columns.size(), false);
  for (int s : {p->series_slot_, p->time_slot_}) {
    if (s >= 0) p->reads_text_[s] = true;
  }
  p->passes_through_.assign(columns.size(), true);
  for (const auto& step : p->steps_) {
    for (const std::vector<int>* slots : {&step->inputs(), &step->outputs()}) {
      for (int s : *slots) {
        if (static_cast<size_t>(s) >= columns.size()) continue;
        p->passes_through_[s] = false;
        if (step->reads_text()) p->reads_text_[s] = true;
      }
    }
  }
  for (size_t c = 0; c < columns.size(); ++c) {
    if (p->reads_text_[c]) p->passes_through_[c] = false;
  }
  if (std::none_of(p->steps_.begin(), p->steps_.end(),
                   [](const auto& step) { return step->stateful(); })) {
    p->fitted_ = true;
    p->BuildLayout();
  }
  return p;
}

size_t RecordPipeline::history_length() const {
  size_t total = 0;
  for (const auto& step : steps_) total += step->history();
  return total;
}

// --- running -------------------------------------------------------------------------------

Status RecordPipeline::FillRow(const Sample& sample, Row* row) const {
  if (sample.values.size() != columns_.size()) {
    return InvalidArgument(fmt::format("the sample has {} values; the pipeline expects {} columns",
                                       sample.values.size(), columns_.size()));
  }
  row->cells.resize(slots_.size());
  row->complete = true;
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (sample.values[i]) {
      row->cells[i].SetText(*sample.values[i]);
    } else {
      row->cells[i].SetMissing();
    }
  }
  // Slots added by steps start missing (a step that is skipped leaves them so).
  for (size_t i = columns_.size(); i < slots_.size(); ++i) row->cells[i].SetMissing();
  return OkStatus();
}

void RecordPipeline::FillRow(std::span<const InputColumn> columns, size_t i, Row* row) const {
  row->cells.resize(slots_.size());
  row->complete = true;
  for (size_t c = 0; c < columns_.size(); ++c) {
    const InputColumn& column = columns[c];
    Cell& cell = row->cells[c];
    if (column.holds_text()) {
      cell.SetText(column.text[i]);
      continue;
    }
    const double x = column.numbers.empty() ? FloatTextValue(column.floats[i]) : column.numbers[i];
    if (std::isnan(x)) {
      cell.SetMissing();
    } else if (reads_text_[c] || !std::isfinite(x)) {
      // Infinities too: as text they are not numbers, and the steps say so.
      cell.SetText(FormatNumber(x));
    } else {
      cell.SetNumber(x);
    }
  }
  for (size_t s = columns_.size(); s < slots_.size(); ++s) row->cells[s].SetMissing();
}

Status RecordPipeline::Finish(Row& row, std::vector<std::unique_ptr<StepScratch>>& scratch,
                              float* out) const {
  EASEL_RETURN_IF_ERROR(RunSteps(row, scratch));
  return Flatten(row, out);
}

void RecordPipeline::ResetScratch(std::vector<std::unique_ptr<StepScratch>>& scratch,
                                  const std::vector<Role>* roles) const {
  scratch.resize(steps_.size());
  for (size_t i = 0; i < steps_.size(); ++i) {
    bool runs = roles == nullptr || (*roles)[i] == Role::kApply;
    scratch[i] = runs ? steps_[i]->NewScratch() : nullptr;
  }
}

Status RecordPipeline::RunSteps(Row& row,
                                std::vector<std::unique_ptr<StepScratch>>& scratch) const {
  for (size_t i = 0; i < steps_.size(); ++i) {
    EASEL_RETURN_IF_ERROR(steps_[i]->Apply(row, scratch[i].get()));
  }
  return OkStatus();
}

Status RecordPipeline::Flatten(const Row& row, float* out) const {
  for (const Output& o : layout_) {
    const Cell& cell = row.cells[o.slot];
    float* dst = out + o.offset;
    if (o.block) {
      std::fill(dst, dst + o.width, 0.0f);
      if (cell.kind == Cell::Kind::kSparse) {
        for (auto [index, value] : cell.sparse) {
          if (index < o.width) dst[index] += value;
        }
      }
      continue;
    }
    double x;
    EASEL_RETURN_IF_ERROR(CellNumber(cell, slots_[o.slot].name, &x));
    *dst = static_cast<float>(x);
    if (std::isinf(*dst)) {
      return Status(StatusCode::kInvalidArgument,
                    fmt::format("column '{}': {} is outside the range of float features",
                                slots_[o.slot].name, FormatNumber(x)),
                    Json{{"column", slots_[o.slot].name}});
    }
  }
  return OkStatus();
}

void RecordPipeline::BuildLayout() {
  layout_.clear();
  feature_names_.clear();
  for (int s : order_) {
    const Slot& slot = slots_[s];
    if (slot.kind == ColumnKind::kBlock) {
      const RecordStep& producer = *steps_[slot.producer];
      size_t width = producer.BlockWidth(s);
      layout_.push_back({s, feature_names_.size(), width, true});
      producer.BlockNames(s, slot.name, &feature_names_);
    } else {
      layout_.push_back({s, feature_names_.size(), 1, false});
      feature_names_.push_back(slot.name);
    }
  }
  BuildColumnPlan();
}

void RecordPipeline::BuildColumnPlan() {
  column_plan_.reset();
  if (has_history() || std::find(reads_text_.begin(), reads_text_.end(), true) != reads_text_.end())
    return;
  for (const auto& step : steps_) {
    if (!step->maps_numbers()) return;
  }
  ColumnPlan plan;
  std::vector<bool> is_feature(columns_.size(), false);
  for (const Output& o : layout_) {
    if (o.block || static_cast<size_t>(o.slot) >= columns_.size()) return;
    ColumnFeature& f = plan.features.emplace_back();
    f.column = static_cast<size_t>(o.slot);
    f.offset = o.offset;
    is_feature[f.column] = true;
    for (const auto& step : steps_) {
      for (size_t i = 0; i < step->inputs().size(); ++i) {
        if (step->inputs()[i] == o.slot) f.maps.emplace_back(step.get(), i);
      }
    }
  }
  for (size_t c = 0; c < columns_.size(); ++c) {
    if (!is_feature[c] && !passes_through_[c]) plan.read_only.push_back(c);
  }
  column_plan_ = std::move(plan);
}

bool RecordPipeline::TransformByColumn(size_t rows, std::span<const InputColumn> columns,
                                       float* out) const {
  if (!column_plan_ || rows == 0) return false;
  // A feature that is its column's float, unmapped: the float a cell of its text gives.
  auto direct = [&](const ColumnFeature& f) {
    return f.maps.empty() && !columns[f.column].floats.empty();
  };
  // Each other column the plan reads as numbers: floats and text read as the steps and Flatten
  // would read their cells. Text that is not a number, or an infinity (as a cell, text that is
  // not a number: see FillRow), is the row path's to report.
  std::vector<std::vector<double>> parsed(columns_.size());
  std::vector<std::span<const double>> numbers(columns_.size());
  auto finite = [](auto values) {
    return std::none_of(values.begin(), values.end(), [](auto x) { return std::isinf(x); });
  };
  auto read = [&](size_t c) {
    const InputColumn& column = columns[c];
    if (!column.numbers.empty()) {
      numbers[c] = column.numbers;
      return finite(column.numbers);
    }
    std::vector<double>& values = parsed[c];
    if (!values.empty()) return true;  // read for an earlier feature
    values.reserve(rows);
    if (!column.floats.empty()) {
      if (!finite(column.floats)) return false;
      for (float x : column.floats) values.push_back(FloatTextValue(x));
    } else {
      for (const std::string& text : column.text) {
        std::optional<double> x = ParseNumber(text);
        if (!x) return false;
        values.push_back(*x);
      }
    }
    numbers[c] = values;
    return true;
  };
  for (size_t c : column_plan_->read_only) {
    if (!read(c)) return false;
  }
  for (const ColumnFeature& f : column_plan_->features) {
    if (!direct(f) && !read(f.column)) return false;
  }
  // Written a block of rows at a time, so the rows being written stay in cache while every
  // feature's column is read.
  constexpr size_t kBlockRows = 64;
  const size_t width = num_features();
  for (size_t begin = 0; begin < rows; begin += kBlockRows) {
    const size_t end = std::min(rows, begin + kBlockRows);
    for (const ColumnFeature& f : column_plan_->features) {
      float* feature = out + f.offset;
      if (direct(f)) {
        // Each float is its text's float, bar two: one test for the block, not a branch each.
        const std::span<const float> column = columns[f.column].floats;
        bool unusual = false;
        for (size_t i = begin; i < end; ++i) {
          const float x = column[i];
          feature[i * width] = x;
          unusual |= std::isinf(x) | !IsItsTextFloat(x);
        }
        for (size_t i = begin; unusual && i < end; ++i) {
          if (std::isinf(column[i])) return false;  // as a cell, text that is not a number
          feature[i * width] = FloatTextFloat(column[i]);
        }
        continue;
      }
      const std::span<const double> column = numbers[f.column];
      for (size_t i = begin; i < end; ++i) {
        double x = column[i];
        for (auto [step, input] : f.maps) x = step->MapNumber(input, x);
        const float y = static_cast<float>(x);
        if (std::isinf(y)) return false;  // outside the range of float features: Flatten says so
        feature[i * width] = y;
      }
    }
  }
  return true;
}

bool RecordPipeline::TransformByColumn(std::span<const Sample> samples, float* out) const {
  if (!column_plan_ || samples.empty()) return false;
  for (const Sample& sample : samples) {
    if (sample.values.size() != columns_.size()) return false;
  }
  // The columns the plan reads, parsed as the steps and Flatten would parse their cells.
  std::vector<std::vector<double>> numbers(columns_.size());
  std::vector<InputColumn> columns(columns_.size());
  auto parse = [&](size_t c) {
    std::vector<double>& column = numbers[c];
    column.resize(samples.size());
    for (size_t i = 0; i < samples.size(); ++i) {
      const std::optional<std::string>& cell = samples[i].values[c];
      std::optional<double> x =
          cell ? ParseNumber(*cell) : std::optional(std::numeric_limits<double>::quiet_NaN());
      if (!x) return false;
      column[i] = *x;
    }
    columns[c].numbers = column;
    return true;
  };
  for (const ColumnFeature& f : column_plan_->features) {
    if (!parse(f.column)) return false;
  }
  for (size_t c : column_plan_->read_only) {
    if (!parse(c)) return false;
  }
  return TransformByColumn(samples.size(), columns, out);
}

Status RecordPipeline::CheckRowWise() const {
  if (!fitted_) return FailedPrecondition("the pipeline is not fitted: call Fit or Load first");
  if (has_history()) {
    return FailedPrecondition(
        "the pipeline has history steps (lags, rolling, diff): use TransformSeries");
  }
  return OkStatus();
}

Status RecordPipeline::Transform(std::span<const Sample> samples, float* out) const {
  EASEL_RETURN_IF_ERROR(CheckRowWise());
  if (TransformByColumn(samples, out)) return OkStatus();
  Row row;
  std::vector<std::unique_ptr<StepScratch>> scratch(steps_.size());
  const size_t width = num_features();
  for (size_t i = 0; i < samples.size(); ++i) {
    Status status = FillRow(samples[i], &row);
    if (status.ok()) status = Finish(row, scratch, out + i * width);
    if (!status.ok()) return InSample(status, samples[i].id, i);
  }
  return OkStatus();
}

Status RecordPipeline::Transform(size_t rows, std::span<const InputColumn> columns,
                                 float* out) const {
  EASEL_RETURN_IF_ERROR(CheckRowWise());
  if (columns.size() != columns_.size()) {
    return InvalidArgument(fmt::format("{} input columns; the pipeline expects {}",
                                       columns.size(), columns_.size()));
  }
  for (size_t c = 0; c < columns.size(); ++c) {
    if (columns[c].size() != rows) {
      return InvalidArgument(
          fmt::format("column '{}' does not hold one value per row ({})", columns_[c], rows));
    }
  }
  if (TransformByColumn(rows, columns, out)) return OkStatus();
  Row row;
  std::vector<std::unique_ptr<StepScratch>> scratch(steps_.size());
  const size_t width = num_features();
  for (size_t i = 0; i < rows; ++i) {
    FillRow(columns, i, &row);
    if (Status status = Finish(row, scratch, out + i * width); !status.ok()) {
      return InSample(status, "", i);
    }
  }
  return OkStatus();
}

Status RecordPipeline::TransformSeries(std::span<const Sample> rows, float* out,
                                       std::vector<bool>* complete) const {
  if (!fitted_) return FailedPrecondition("the pipeline is not fitted: call Fit or Load first");
  Row row;
  std::vector<std::unique_ptr<StepScratch>> scratch;
  SeriesTracker tracker(*this);
  const size_t width = num_features();
  complete->assign(rows.size(), true);
  for (size_t i = 0; i < rows.size(); ++i) {
    Status status = FillRow(rows[i], &row);
    if (status.ok()) {
      Result<bool> fresh = tracker.Next(row);
      if (!fresh.ok()) {
        status = fresh.status();
      } else if (*fresh) {
        ResetScratch(scratch, nullptr);
      }
    }
    if (status.ok()) status = RunSteps(row, scratch);
    if (status.ok()) status = Flatten(row, out + i * width);
    if (!status.ok()) return InSample(status, rows[i].id, i);
    (*complete)[i] = row.complete;
  }
  return OkStatus();
}

// --- fitting -------------------------------------------------------------------------------

// Each pass fits every step whose inputs are already final: a step's inputs are final unless
// an earlier step that is not fitted yet writes them (directly or through other steps). So
// impute -> standard_scale on the same column takes two passes, while independent steps (a
// scaler on some columns, one_hot on others) fit together in one.
Status RecordPipeline::Fit(const SampleStream& samples) {
  std::vector<bool> done(steps_.size());
  for (size_t i = 0; i < steps_.size(); ++i) done[i] = !steps_[i]->stateful();
  fitted_ = false;
  const bool track_series = has_history() || time_slot_ >= 0;

  while (true) {
    // Plan the pass.
    std::vector<Role> roles(steps_.size());
    std::vector<bool> dirty(slots_.size(), false);
    bool any_fit = false;
    for (size_t i = 0; i < steps_.size(); ++i) {
      const RecordStep& step = *steps_[i];
      bool inputs_dirty =
          std::any_of(step.inputs().begin(), step.inputs().end(), [&](int s) { return dirty[s]; });
      if (done[i] && !inputs_dirty) {
        roles[i] = Role::kApply;
        continue;
      }
      roles[i] = !done[i] && !inputs_dirty ? Role::kFit : Role::kSkip;
      any_fit = any_fit || roles[i] == Role::kFit;
      for (int s : step.outputs()) dirty[s] = true;
    }
    if (!any_fit) break;

    for (size_t i = 0; i < steps_.size(); ++i) {
      if (roles[i] == Role::kFit) steps_[i]->BeginFit();
    }
    Row row;
    std::vector<std::unique_ptr<StepScratch>> scratch;
    ResetScratch(scratch, &roles);
    SeriesTracker tracker(*this);
    size_t position = 0;
    Status status = samples([&](const Sample& sample) -> Status {
      Status s = FillRow(sample, &row);
      if (s.ok() && track_series) {
        Result<bool> fresh = tracker.Next(row);
        if (!fresh.ok()) {
          s = fresh.status();
        } else if (*fresh) {
          ResetScratch(scratch, &roles);
        }
      }
      for (size_t i = 0; s.ok() && i < steps_.size(); ++i) {
        if (roles[i] == Role::kApply) s = steps_[i]->Apply(row, scratch[i].get());
        if (roles[i] == Role::kFit) s = steps_[i]->Accumulate(row);
      }
      if (!s.ok()) return InSample(s, sample.id, position);
      ++position;
      return OkStatus();
    });
    EASEL_RETURN_IF_ERROR(status);
    for (size_t i = 0; i < steps_.size(); ++i) {
      if (roles[i] != Role::kFit) continue;
      EASEL_RETURN_IF_ERROR(steps_[i]->EndFit());
      done[i] = true;
    }
  }
  fitted_ = true;
  BuildLayout();
  return OkStatus();
}

// --- state ---------------------------------------------------------------------------------

Json RecordPipeline::State() const {
  Json steps = Json::array();
  for (const auto& step : steps_) {
    Json entry = {{"op", step->op()}};
    if (step->stateful()) entry["state"] = step->State();
    steps.push_back(std::move(entry));
  }
  return {{"format", kStateFormat}, {"steps", steps}};
}

Status RecordPipeline::LoadState(const Json& state) {
  const Json* format = StateField(state, "format");
  const Json* steps = StateField(state, "steps");
  if (format == nullptr || *format != kStateFormat || steps == nullptr || !steps->is_array()) {
    return InvalidArgument(
        fmt::format("a pipeline state must be {{\"format\": {}, \"steps\": [...]}}", kStateFormat));
  }
  if (steps->size() != steps_.size()) {
    return InvalidArgument(
        fmt::format("the state has {} steps; the spec has {}", steps->size(), steps_.size()));
  }
  for (size_t i = 0; i < steps_.size(); ++i) {
    const Json& entry = (*steps)[i];
    const Json* op = StateField(entry, "op");
    if (op == nullptr || *op != steps_[i]->op()) {
      return StepError(static_cast<int>(i), steps_[i]->op(), "",
                       "the state's step is for another op (state and spec do not match)");
    }
    if (!steps_[i]->stateful()) continue;
    const Json* step_state = StateField(entry, "state");
    if (step_state == nullptr) {
      return StepError(static_cast<int>(i), steps_[i]->op(), "", "the state is missing");
    }
    EASEL_RETURN_IF_ERROR(steps_[i]->LoadState(*step_state));
  }
  fitted_ = true;
  BuildLayout();
  return OkStatus();
}

}  // namespace easel::data::transforms
