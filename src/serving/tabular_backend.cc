// Tabular models (xgboost, linear, mlp, their ensembles) behind the serving Backend interface.
// A request carries raw column values, and the model's stored pipeline (pipeline.json, the
// code training ran) turns them into features, so a served prediction equals an offline one.
//
// Three input forms, the first that applies:
//  - "features" FP32 [n, k]: features already prepared (the pipeline is skipped);
//  - "rows" BYTES [n]: each element a JSON object {column: value | null};
//  - one tensor per input column of the model's signature, shape [n] or [n, 1]: numbers for
//    numeric columns (any numeric datatype, or BYTES text), BYTES for text columns.
// Batch predictions hand rows of text cells to PrepareRecords, which reads them as `rows`.

#include "serving/tabular_backend.h"

#include <simdjson.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <unordered_map>
#include <unordered_set>

#include "common/float_text.h"
#include "data/transforms/pipeline.h"

namespace easel::serving {
namespace {

using data::transforms::InputColumn;
using data::transforms::Pipeline;

constexpr const char* kFeaturesInput = "features";
constexpr const char* kRowsInput = "rows";

// The batch size of a per-column tensor: shape [n] or [n, 1].
Result<size_t> ColumnRows(const Tensor& t) {
  if (t.shape.size() == 1 || (t.shape.size() == 2 && t.shape[1] == 1)) {
    return static_cast<size_t>(t.shape[0]);
  }
  return InvalidArgument("input '" + t.name + "' must have shape [n] or [n, 1], one value per row");
}

// One column tensor of `n` rows as a pipeline input column: BYTES as text, FP32 as floats
// (read in place), other datatypes as numbers (kept in `numbers`). NaN is how a binary tensor
// says "missing"; whether that is allowed is the model's call.
Status ReadColumn(const Tensor& t, size_t n, std::vector<double>& numbers, InputColumn& column) {
  column = {};
  if (t.datatype == DataType::kBytes ? t.strings.size() != n
                                     : t.data.size() != n * ElementSize(t.datatype)) {
    return InvalidArgument("input '" + t.name + "' does not hold one value per row");
  }
  if (t.datatype == DataType::kBytes) {
    column.text = t.strings;
    return OkStatus();
  }
  // Each value as a CSV cell holding its text would read: an FP32 5.1f as 5.1 (its shortest
  // text; the pipeline reads InputColumn::floats so), not 5.099999904632568, and an FP16
  // likewise by its own shortest text, so the pipeline sees what training read from "5.1"; an
  // integer as itself (exact up to 2^53, as its digits read).
  if (t.datatype == DataType::kFp32 &&
      reinterpret_cast<uintptr_t>(t.data.data()) % alignof(float) == 0) {
    // The packed little-endian floats, as this (little-endian) machine lays out a float array.
    column.floats = {reinterpret_cast<const float*>(t.data.data()), n};
    return OkStatus();
  }
  auto text_values = [&]<typename T>(double (*text_value)(T)) {
    numbers.resize(n);
    for (size_t i = 0; i < n; ++i) {
      T v;
      std::memcpy(&v, t.data.data() + i * sizeof v, sizeof v);
      numbers[i] = text_value(v);
    }
  };
  if (t.datatype == DataType::kFp32) {
    text_values(FloatTextValue);  // bytes not aligned as floats: never from easel's codecs
  } else if (t.datatype == DataType::kFp16) {
    text_values(HalfTextValue);
  } else {
    EASEL_ASSIGN_OR_RETURN(numbers, t.ToDoubles());
  }
  column.numbers = numbers;
  return OkStatus();
}

// What differs between the tabular model formats.
struct FormatTraits {
  bool accepts_missing = false;     // NaN features are the model's to handle (trees route them)
  bool runs_on_any_thread = false;  // see Backend::runs_on_any_thread
};

// Every tabular call is small: XGBoost walks a few hundred trees per row, and the linear and
// MLP networks are a few small matrix products, so a one-row or 32-row call takes tens of
// microseconds, less than an OpenMP team takes to start and wind down (a 4-row MLP call
// handed to a two-thread team served 3-18% fewer requests at concurrency 8). All of them run
// on one thread; the tree models' predictors (XGBoost's and extra_trees'), which keep no
// per-thread state, on any thread.
FormatTraits TraitsOf(const std::string& format) {
  if (format == "xgboost" || format == "xgboost_json" || format == "extra_trees") {
    return {.accepts_missing = true, .runs_on_any_thread = true};
  }
  return {};
}

class TabularBackend final : public Backend {
 public:
  TabularBackend(ModelMetadata metadata, Pipeline pipeline,
                 std::unique_ptr<train::TabularPredictor> model, FormatTraits traits)
      : metadata_(std::move(metadata)),
        pipeline_(std::move(pipeline)),
        model_(std::move(model)),
        traits_(traits) {
    for (const TensorSpec& s : metadata_.inputs) input_names_.insert(s.name);
    for (size_t i = 0; i < pipeline_.columns().size(); ++i) {
      if (input_names_.contains(pipeline_.columns()[i])) input_index_[pipeline_.columns()[i]] = i;
    }
    for (const TensorSpec& s : metadata_.inputs) {
      auto c = input_index_.find(s.name);
      signature_columns_.push_back(c == input_index_.end() ? std::nullopt
                                                           : std::optional(c->second));
    }
  }

  const ModelMetadata& metadata() const override { return metadata_; }
  size_t output_width() const override { return model_->num_outputs(); }
  int compute_threads() const override { return 1; }
  bool runs_on_any_thread() const override { return traits_.runs_on_any_thread; }

  Result<Rows> Prepare(const InferRequest& request) const override {
    Rows rows;
    if (const Tensor* f = request.FindInput(kFeaturesInput); f && !IsColumn(kFeaturesInput)) {
      EASEL_RETURN_IF_ERROR(OnlyInput(request, kFeaturesInput));
      EASEL_ASSIGN_OR_RETURN(rows, FromFeatures(*f));
    } else if (const Tensor* r = request.FindInput(kRowsInput); r && !IsColumn(kRowsInput)) {
      EASEL_RETURN_IF_ERROR(OnlyInput(request, kRowsInput));
      EASEL_ASSIGN_OR_RETURN(std::optional<Rows> by_column, FromRowsByColumn(*r));
      if (by_column) {
        rows = std::move(*by_column);
      } else {
        EASEL_ASSIGN_OR_RETURN(std::vector<data::Sample> samples, FromRows(*r));
        EASEL_ASSIGN_OR_RETURN(rows, Transform(samples));
      }
    } else {
      EASEL_ASSIGN_OR_RETURN(rows, FromColumns(request));
    }
    if (rows.count == 0) return InvalidArgument("the request has no rows");
    EASEL_RETURN_IF_ERROR(CheckReadable(rows));
    return rows;
  }

  Result<Rows> PrepareRecords(std::span<const RecordCells* const> cells) const override {
    std::vector<data::Sample> samples(cells.size());
    for (size_t i = 0; i < cells.size(); ++i) {
      const RecordCells& row = *cells[i];
      if (row.size() != metadata_.inputs.size()) {
        return InvalidArgument("row " + std::to_string(i) + " has " + std::to_string(row.size()) +
                               " cells; the model reads " + InputNames());
      }
      // In the pipeline's column order; the columns no input fills (the target) are missing.
      std::vector<std::optional<std::string>>& values = samples[i].values;
      values.resize(pipeline_.columns().size());
      for (size_t k = 0; k < row.size(); ++k) {
        if (signature_columns_[k]) values[*signature_columns_[k]] = row[k];
      }
    }
    EASEL_ASSIGN_OR_RETURN(Rows rows, Transform(samples));
    EASEL_RETURN_IF_ERROR(CheckReadable(rows));
    return rows;
  }

  Result<std::vector<float>> Execute(const Rows& rows) const override {
    return model_->Predict(
        data::transforms::FeatureView{rows.count, pipeline_.num_features(), rows.features});
  }

  Status Warmup() const override {
    // A row of zeros is a valid input for every model the pipeline feeds.
    Rows rows;
    rows.count = 1;
    rows.features.assign(pipeline_.num_features(), 0.0f);
    return Execute(rows).status();
  }

 private:
  bool IsColumn(const std::string& name) const { return input_names_.contains(name); }

  // INVALID_ARGUMENT for a missing feature, unless the model reads missing values.
  Status CheckReadable(const Rows& rows) const {
    if (traits_.accepts_missing) return OkStatus();
    for (size_t i = 0; i < rows.features.size(); ++i) {
      if (!std::isfinite(rows.features[i])) {
        const size_t cols = pipeline_.num_features();
        return InvalidArgument("row " + std::to_string(i / cols) + ": feature '" +
                               pipeline_.feature_names()[i % cols] +
                               "' is missing or not finite, and this model cannot read missing "
                               "values");
      }
    }
    return OkStatus();
  }

  static Status OnlyInput(const InferRequest& request, const char* name) {
    if (request.inputs.size() == 1) return OkStatus();
    return InvalidArgument(std::string("input '") + name +
                           "' carries whole rows; send it alone, without other inputs");
  }

  Result<Rows> FromFeatures(const Tensor& t) const {
    const int64_t cols[] = {static_cast<int64_t>(pipeline_.num_features())};
    return FloatRows(t, cols);
  }

  // The rows gathered into columns and transformed as FromColumns does: the common case, each
  // column holding only numbers and nulls, or only strings. Nullopt when some column mixes
  // them, holds a boolean or an integer beyond 2^53 (a number would not stand for its text
  // there), or a row repeats a key: FromRows then reads every value as its text. Errors are
  // FromRows's.
  Result<std::optional<Rows>> FromRowsByColumn(const Tensor& t) const {
    if (t.datatype != DataType::kBytes) return RowsNotBytes();
    const std::optional<Rows> kBySamples;
    const size_t n = t.strings.size(), width = pipeline_.columns().size();
    constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();
    // Sized at a column's first number or string: batch predictions send only strings.
    std::vector<std::vector<double>> numbers(width);
    auto set_number = [&](size_t column, size_t i, double v) {
      numbers[column].resize(n, kMissing);
      numbers[column][i] = v;
    };
    std::vector<std::vector<std::string>> text(width);
    std::vector<size_t> texts(width, 0);     // rows that gave each column a string
    std::vector<size_t> last_row(width, n);  // the row that last set each column
    // Rows usually repeat one order of keys (a JSON writer's, which need not be the
    // signature's): each position remembers the key last seen there and its column, so the
    // rows after the first find their columns with one comparison a key.
    std::vector<std::string> keys_at;
    std::vector<std::optional<size_t>> columns_at;
    thread_local simdjson::dom::parser parser;
    for (size_t i = 0; i < n; ++i) {
      simdjson::dom::object row;
      if (parser.parse(t.strings[i]).get_object().get(row) != simdjson::SUCCESS) {
        return NotARowObject(i);
      }
      size_t position = 0;
      for (auto [key, value] : row) {
        if (position == keys_at.size()) {
          keys_at.emplace_back(key);
          columns_at.push_back(ColumnNamed(key, position));
        } else if (keys_at[position] != key) {
          keys_at[position].assign(key);
          columns_at[position] = ColumnNamed(key, position);
        }
        const std::optional<size_t> found = columns_at[position++];
        if (!found) return UnknownRowColumn(i, key);
        const size_t column = *found;
        if (last_row[column] == i) return kBySamples;  // a repeated key
        last_row[column] = i;
        switch (value.type()) {
          case simdjson::dom::element_type::NULL_VALUE:
            break;
          case simdjson::dom::element_type::DOUBLE:
            set_number(column, i, value.get_double().value_unsafe());
            break;
          case simdjson::dom::element_type::INT64:
          case simdjson::dom::element_type::UINT64: {
            const double v = value.get_double().value_unsafe();
            if (!(std::fabs(v) < 0x1p53)) return kBySamples;
            set_number(column, i, v);
            break;
          }
          case simdjson::dom::element_type::STRING:
            text[column].resize(n);
            text[column][i] = value.get_string().value_unsafe();
            ++texts[column];
            break;
          case simdjson::dom::element_type::BOOL:
            return kBySamples;
          default:
            return NotARowValue(i, key);
        }
      }
    }
    std::vector<InputColumn> columns(width);
    for (size_t c = 0; c < width; ++c) {
      if (texts[c] == 0) {
        numbers[c].resize(n, kMissing);  // a column of nulls or of no key is missing throughout
        columns[c].numbers = numbers[c];
      } else if (texts[c] == n) {
        columns[c].text = text[c];
      } else {
        return kBySamples;  // strings beside numbers or missing values
      }
    }
    EASEL_ASSIGN_OR_RETURN(Rows rows, Transform(n, columns));
    return std::optional<Rows>(std::move(rows));
  }

  static Status RowsNotBytes() {
    return InvalidArgument("input 'rows' must be BYTES: one JSON object per row");
  }
  static Status NotARowObject(size_t i) {
    return InvalidArgument("rows[" + std::to_string(i) + "] is not a JSON object of column values");
  }
  Status UnknownRowColumn(size_t i, std::string_view key) const {
    return InvalidArgument("rows[" + std::to_string(i) + "] has column '" + std::string(key) +
                           "', which the model does not read; expected " + InputNames());
  }
  static Status NotARowValue(size_t i, std::string_view key) {
    return InvalidArgument("rows[" + std::to_string(i) + "] column '" + std::string(key) +
                           "': a value must be a number, a string, a boolean or null");
  }

  Result<std::vector<data::Sample>> FromRows(const Tensor& t) const {
    if (t.datatype != DataType::kBytes) return RowsNotBytes();
    std::vector<data::Sample> samples(t.strings.size());
    for (size_t i = 0; i < t.strings.size(); ++i) {
      auto row = ParseJson(t.strings[i], 8);
      if (!row.ok() || !row->is_object()) return NotARowObject(i);
      data::Sample& s = samples[i];
      s.values.assign(pipeline_.columns().size(), std::nullopt);
      for (const auto& [key, value] : row->items()) {
        auto c = input_index_.find(key);
        if (c == input_index_.end()) return UnknownRowColumn(i, key);
        Result<std::optional<std::string>> cell = RowValueCell(value);
        if (!cell.ok()) return NotARowValue(i, key);
        s.values[c->second] = std::move(*cell);
      }
    }
    return samples;
  }

  // The pipeline column the input (or row key) `name` at `position` feeds, if it is one.
  // Clients usually send them in the signature's order, which finds them without hashing.
  std::optional<size_t> ColumnNamed(std::string_view name, size_t position) const {
    if (position < metadata_.inputs.size() && metadata_.inputs[position].name == name) {
      return signature_columns_[position];
    }
    auto c = input_index_.find(std::string(name));
    return c == input_index_.end() ? std::nullopt : std::optional(c->second);
  }

  Result<Rows> FromColumns(const InferRequest& request) const {
    std::optional<size_t> n;
    const size_t width = pipeline_.columns().size();
    // Columns the request does not fill (the target, say) are missing values.
    std::vector<std::vector<double>> numbers(width);
    std::vector<InputColumn> columns(width);
    std::vector<bool> seen(width, false);
    for (size_t k = 0; k < request.inputs.size(); ++k) {
      const Tensor& t = request.inputs[k];
      std::optional<size_t> column = ColumnNamed(t.name, k);
      if (!column) {
        return InvalidArgument("unknown input '" + t.name + "'; the model reads " + InputNames() +
                               " (or 'rows', or 'features')");
      }
      EASEL_ASSIGN_OR_RETURN(size_t rows, ColumnRows(t));
      if (n && *n != rows) {
        return InvalidArgument("input '" + t.name + "' has " + std::to_string(rows) +
                               " rows but the others have " + std::to_string(*n));
      }
      n = rows;
      EASEL_RETURN_IF_ERROR(ReadColumn(t, rows, numbers[*column], columns[*column]));
      seen[*column] = true;
    }
    for (size_t k = 0; k < metadata_.inputs.size(); ++k) {
      if (!signature_columns_[k] || !seen[*signature_columns_[k]]) {
        return InvalidArgument("missing input '" + metadata_.inputs[k].name +
                               "'; the model reads " + InputNames() +
                               " (send null values as 'rows' for missing cells)");
      }
    }
    for (size_t c = 0; c < width; ++c) {
      if (!seen[c]) {
        numbers[c].assign(n.value_or(0), std::numeric_limits<double>::quiet_NaN());
        columns[c].numbers = numbers[c];
      }
    }
    return Transform(n.value_or(0), columns);
  }

  // `n` rows given by column (see FromColumns), transformed.
  Result<Rows> Transform(size_t n, std::span<const InputColumn> columns) const {
    Rows rows;
    rows.count = n;
    rows.features.resize(n * pipeline_.num_features());
    EASEL_RETURN_IF_ERROR(pipeline_.TransformColumns(n, columns, rows.features));
    return rows;
  }

  Result<Rows> Transform(const std::vector<data::Sample>& samples) const {
    Rows rows;
    rows.count = samples.size();
    rows.features.resize(samples.size() * pipeline_.num_features());
    EASEL_RETURN_IF_ERROR(pipeline_.TransformBatch(samples, rows.features));
    return rows;
  }

  std::string InputNames() const {
    std::string names;
    for (const TensorSpec& s : metadata_.inputs)
      names += (names.empty() ? "'" : ", '") + s.name + "'";
    return names;
  }

  ModelMetadata metadata_;
  Pipeline pipeline_;
  std::unique_ptr<train::TabularPredictor> model_;
  FormatTraits traits_;
  std::unordered_set<std::string> input_names_;  // the signature's inputs
  // Those of them the pipeline reads, and where: the columns a request may send.
  std::unordered_map<std::string, size_t> input_index_;
  std::vector<std::optional<size_t>> signature_columns_;  // input_index_ of each signature input
};

}  // namespace

Result<std::unique_ptr<Backend>> LoadTabularBackend(const train::ModelLoader& loader,
                                                    const models::ModelVersion& version,
                                                    const train::ModelFiles& files,
                                                    ModelMetadata metadata) {
  auto stored = files.find("pipeline.json");
  if (stored == files.end()) {
    return FailedPrecondition("model '" + version.model_name + "' version " +
                              std::to_string(version.version) +
                              " has no stored pipeline to prepare its inputs");
  }
  EASEL_ASSIGN_OR_RETURN(Json pipeline_json, ParseJson(stored->second, 256));
  EASEL_ASSIGN_OR_RETURN(Pipeline pipeline, Pipeline::FromJson(pipeline_json));
  if (pipeline.has_history()) {
    return Unimplemented("serving models whose pipeline reads previous rows is not supported yet");
  }
  EASEL_ASSIGN_OR_RETURN(std::unique_ptr<train::TabularPredictor> model, loader.tabular(files));
  return std::unique_ptr<Backend>(std::make_unique<TabularBackend>(
      std::move(metadata), std::move(pipeline), std::move(model), TraitsOf(version.format)));
}

}  // namespace easel::serving
