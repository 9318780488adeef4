#pragma once
// The building blocks of record pipelines (tabular, text classification and time-series
// datasets). Internal to transforms/: users see Pipeline.
//
// A sample's cells enter a Row, one Cell per *slot*. Slots are the dataset's columns followed
// by the columns steps add (lags, calendar features...); a slot keeps its index for the life
// of the pipeline, so a step resolves its column names to slot indices once, when the pipeline
// is created. Which slots reach the output, and in which order, is the schema's `order`.
//
// Steps transform cells in place (impute, scale, ordinal, tokenize), turn a cell into a block
// of features (one_hot, hashing, token_ids, bag_of_words: a sparse cell whose width is known
// once fitted), or fill new slots (lags, calendar). At the end every output slot is flattened
// into floats: a number as is, text parsed as a number, a block densified, missing as NaN.

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "data/dataset_type.h"
#include "data/transforms/op_registry.h"

namespace easel::data::transforms {

// What a slot holds at a given point of the pipeline, known when the pipeline is created.
enum class ColumnKind : uint8_t {
  kRaw,     // the source's text (maybe numeric; parsed when a step or the output needs it)
  kNumber,  // a number (or missing)
  kTokens,  // a token list (after tokenize); must be encoded before the output
  kBlock,   // a block of features written by an encoding step
};

struct Cell {
  enum class Kind : uint8_t { kMissing, kText, kNumber, kTokens, kSparse };
  Kind kind = Kind::kMissing;
  double number = 0;
  std::string text;
  std::vector<std::string> tokens;
  // Block entries (index within the block, value); repeated indices add up.
  std::vector<std::pair<uint32_t, float>> sparse;

  void SetMissing() { kind = Kind::kMissing; }
  void SetNumber(double v) {
    kind = Kind::kNumber;
    number = v;
  }
  void SetText(std::string_view v) {
    kind = Kind::kText;
    text.assign(v);
  }
  // Starts an empty block (all zeros).
  std::vector<std::pair<uint32_t, float>>& StartBlock() {
    kind = Kind::kSparse;
    sparse.clear();
    return sparse;
  }
};

struct Row {
  std::vector<Cell> cells;  // by slot
  // False once a history step found too little history for this row (time series).
  bool complete = true;
};

// The numeric value of a cell: NaN when missing. INVALID_ARGUMENT naming the column and the
// value when the cell is text that is not a number (see numbers.h for what parses).
Status CellNumber(const Cell& cell, std::string_view column, double* out);
// The category a cell stands for: its text (invalid UTF-8 bytes replaced by U+FFFD), or a
// number written shortest ("2.5"); false when missing. `scratch` may hold the result.
bool CellCategory(const Cell& cell, std::string* scratch, std::string_view* out);

struct Slot {
  std::string name;
  ColumnKind kind = ColumnKind::kRaw;
  int producer = -1;  // the step that writes the block (kBlock)
};

// The slots as the steps are created one after another: names, kinds and output order.
class RecordSchema {
 public:
  explicit RecordSchema(const std::vector<std::string>& columns);

  size_t size() const { return slots_.size(); }
  const Slot& slot(int i) const { return slots_[i]; }
  const std::vector<int>& order() const { return order_; }
  // The output slot named `name`, or -1.
  int Find(std::string_view name) const;

  void SetKind(int slot, ColumnKind kind, int producer = -1);
  // Adds a slot placed in the output right after `after` (-1: at the end). The name must not
  // be an output column already (the caller reports it: see RecordStepContext::AddColumn).
  int Add(std::string name, ColumnKind kind, int after);
  // Removes a slot from the output.
  void Remove(int slot);
  void SetOrder(std::vector<int> order) { order_ = std::move(order); }

 private:
  std::vector<Slot> slots_;
  std::vector<int> order_;
};

// What a record step's factory gets: its validated parameters and the schema to resolve and
// update.
struct RecordStepContext {
  int index = 0;
  const OpInfo* op = nullptr;
  Params params{Json::object()};
  RecordSchema* schema = nullptr;
  DatasetType type = DatasetType::kTabular;

  Status Error(std::string_view param, std::string message) const {
    return StepError(index, op->name, param, std::move(message));
  }
  // Resolves the names of list parameter `param` to output slots whose kind is one of
  // `allowed`; INVALID_ARGUMENT for an unknown or repeated name or a wrong kind.
  Result<std::vector<int>> Columns(std::string_view param,
                                   std::initializer_list<ColumnKind> allowed) const;
  // Adds an output column right after `after`; INVALID_ARGUMENT if the name is taken.
  Result<int> AddColumn(std::string name, ColumnKind kind, int after) const;
};

// Per-series working state of a step that looks at previous rows (lags, rolling, diff),
// created fresh at the start of every series.
class StepScratch {
 public:
  virtual ~StepScratch() = default;
};

class RecordStep {
 public:
  explicit RecordStep(const RecordStepContext& ctx) : index_(ctx.index), op_(ctx.op->name) {}
  virtual ~RecordStep() = default;
  RecordStep(const RecordStep&) = delete;
  RecordStep& operator=(const RecordStep&) = delete;

  int index() const { return index_; }
  const std::string& op() const { return op_; }
  // Slots read, and slots written (in place or new). Fitting order is derived from them.
  const std::vector<int>& inputs() const { return inputs_; }
  const std::vector<int>& outputs() const { return outputs_; }

  // --- fitted state (means, categories, vocabularies) ---
  virtual bool stateful() const { return false; }
  // True when the step reads its inputs as text, not only as numbers or categories: a number
  // cell would not stand for the text it was written as.
  virtual bool reads_text() const { return false; }
  // Fit sees every training row as it is just before this step, between BeginFit and EndFit.
  virtual void BeginFit() {}
  virtual Status Accumulate(const Row& row) { return OkStatus(); }
  virtual Status EndFit() { return OkStatus(); }
  // The fitted state as JSON, and back. LoadState refuses a malformed state with
  // INVALID_ARGUMENT and leaves the step unchanged.
  virtual Json State() const { return nullptr; }
  virtual Status LoadState(const Json& state) { return OkStatus(); }

  // --- history (time series) ---
  // The number of previous rows of a series the step keeps; 0 exactly for row-wise steps
  // (history steps answer at least 1 and get their scratch).
  virtual size_t history() const { return 0; }
  virtual std::unique_ptr<StepScratch> NewScratch() const { return nullptr; }

  // Transforms one row. `scratch` is this step's per-series state (history steps only).
  // Thread-safe: const and touching nothing but `row` and `scratch`.
  virtual Status Apply(Row& row, StepScratch* scratch) const = 0;

  // True when Apply maps each input's cell, holding a number or nothing, to a number or nothing
  // in place, whatever the other cells hold (impute to a number, the scalers, the steps that
  // only change the schema). MapNumber is then that map, and a pipeline of such steps may run
  // column by column.
  virtual bool maps_numbers() const { return false; }
  // The number input `i`'s cell holds after Apply when it held `x` before (NaN: missing).
  virtual double MapNumber(size_t i, double x) const { return x; }

  // Width of the block the step writes into `slot`, and its feature names given the slot's
  // column name (valid once fitted).
  virtual size_t BlockWidth(int slot) const { return 0; }
  virtual void BlockNames(int slot, const std::string& column,
                          std::vector<std::string>* names) const {}

  // For steps that derive new columns from each input (lags, calendar...), called by their
  // factory: sets the inputs and adds, right after each input, one number column per suffix
  // ("y" + "_lag1"). The outputs of one input are consecutive slots, so Apply may address
  // them as an array starting at &row.cells[outputs()[i * suffixes.size()]].
  // INVALID_ARGUMENT when a name is taken.
  Status DeriveColumns(RecordStepContext& ctx, const std::vector<int>& slots,
                       const std::vector<std::string>& suffixes);

 protected:
  // "steps[3] (impute): <message>" for problems found while fitting or loading.
  Status Error(std::string message) const { return StepError(index_, op_, "", message); }

  std::vector<int> inputs_;
  std::vector<int> outputs_;
  // Column names of the inputs, for messages and for state keys.
  std::vector<std::string> names_;

 private:
  int index_;
  std::string op_;
};

// --- state helpers -------------------------------------------------------------------------

// Fitted states are JSON written by State(); LoadState reads them defensively with these,
// because a stored state may have been edited or damaged. StateField: state[key], or null when
// state is not an object or lacks the key. The converters answer false for a wrong type.
const Json* StateField(const Json& state, std::string_view key);
bool JsonToDouble(const Json& v, double* out);
bool JsonToStrings(const Json& v, std::vector<std::string>* out);
// Reads {"columns": {name: {key: [strings...]}}} for each of `names` (category lists,
// vocabularies): a missing or ill-typed list, or a repeated entry (`what`: "category",
// "token"), is the step's error naming the column.
Status LoadColumnStringLists(const RecordStep& step, const Json& state,
                             const std::vector<std::string>& names, std::string_view key,
                             std::string_view what, std::vector<std::vector<std::string>>* out);

// Factories of the record ops (tabular_steps.cc, encoder_steps.cc, text_steps.cc,
// series_steps.cc); ops.cc lists them.
Result<std::unique_ptr<RecordStep>> MakeImpute(RecordStepContext& ctx);
Result<std::unique_ptr<RecordStep>> MakeStandardScale(RecordStepContext& ctx);
Result<std::unique_ptr<RecordStep>> MakeMinMaxScale(RecordStepContext& ctx);
Result<std::unique_ptr<RecordStep>> MakeDrop(RecordStepContext& ctx);
Result<std::unique_ptr<RecordStep>> MakeSelect(RecordStepContext& ctx);
Result<std::unique_ptr<RecordStep>> MakeOneHot(RecordStepContext& ctx);
Result<std::unique_ptr<RecordStep>> MakeOrdinal(RecordStepContext& ctx);
Result<std::unique_ptr<RecordStep>> MakeHashing(RecordStepContext& ctx);
Result<std::unique_ptr<RecordStep>> MakeTokenize(RecordStepContext& ctx);
Result<std::unique_ptr<RecordStep>> MakeTokenIds(RecordStepContext& ctx);
Result<std::unique_ptr<RecordStep>> MakeBagOfWords(RecordStepContext& ctx);
Result<std::unique_ptr<RecordStep>> MakeLags(RecordStepContext& ctx);
Result<std::unique_ptr<RecordStep>> MakeRolling(RecordStepContext& ctx);
Result<std::unique_ptr<RecordStep>> MakeDiff(RecordStepContext& ctx);
Result<std::unique_ptr<RecordStep>> MakeCalendar(RecordStepContext& ctx);

}  // namespace easel::data::transforms
