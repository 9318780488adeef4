// Categorical encoders: one_hot, ordinal, hashing.

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <optional>

#include "data/transforms/category_index.h"
#include "data/transforms/hash.h"
#include "data/transforms/numbers.h"
#include "data/transforms/record_step.h"

namespace easel::data::transforms {

namespace {

constexpr std::initializer_list<ColumnKind> kScalarKinds = {ColumnKind::kRaw, ColumnKind::kNumber};
// The feature name of one_hot's bucket for categories outside the kept ones.
constexpr std::string_view kOtherCategory = "<other>";

Status UnknownCategory(std::string_view column, std::string_view value) {
  return Status(StatusCode::kInvalidArgument,
                fmt::format("column '{}': unknown category '{}' (the step's handle_unknown is "
                            "\"error\")",
                            column, Excerpt(value)),
                Json{{"column", column}, {"value", Excerpt(value)}});
}

// --- one_hot -------------------------------------------------------------------------------

// One feature per category seen in training ("sex=female", "sex=male"), in SortCategories'
// order. With max_categories, the max_categories - 1 most frequent categories are kept and
// the rest share a "<other>" feature (scikit-learn's infrequent category). A missing value
// encodes as all zeros; an unknown one as "<other>" when it exists, otherwise as all zeros
// (handle_unknown "ignore") or an error ("error").
class OneHot : public RecordStep {
 public:
  OneHot(const RecordStepContext& ctx, std::vector<int> slots, bool error_on_unknown,
         size_t max_categories)
      : RecordStep(ctx), error_on_unknown_(error_on_unknown), max_categories_(max_categories) {
    inputs_ = outputs_ = std::move(slots);
    for (int s : inputs_) {
      names_.push_back(ctx.schema->slot(s).name);
      ctx.schema->SetKind(s, ColumnKind::kBlock, ctx.index);
    }
  }

  bool stateful() const override { return true; }
  void BeginFit() override { counts_.assign(inputs_.size(), {}); }

  Status Accumulate(const Row& row) override {
    std::string scratch;
    std::string_view category;
    for (size_t i = 0; i < inputs_.size(); ++i) {
      if (!CellCategory(row.cells[inputs_[i]], &scratch, &category)) continue;
      auto it = counts_[i].find(category);
      if (it == counts_[i].end()) {
        counts_[i].emplace(std::string(category), 1);
      } else {
        ++it->second;
      }
    }
    return OkStatus();
  }

  Status EndFit() override {
    columns_.assign(inputs_.size(), {});
    for (size_t i = 0; i < inputs_.size(); ++i) {
      bool other = max_categories_ > 0 && counts_[i].size() > max_categories_;
      columns_[i].categories.Assign(
          MostFrequentCategories(counts_[i], other ? max_categories_ - 1 : 0));
      columns_[i].other = other;
    }
    counts_.clear();
    return OkStatus();
  }

  // {"columns": {name: {"categories": [...], "other": bool}}}
  Json State() const override {
    Json columns = Json::object();
    for (size_t i = 0; i < inputs_.size(); ++i) {
      columns[names_[i]] = {{"categories", columns_[i].categories.values()},
                            {"other", columns_[i].other}};
    }
    return {{"columns", columns}};
  }

  Status LoadState(const Json& state) override {
    std::vector<std::vector<std::string>> categories;
    EASEL_RETURN_IF_ERROR(
        LoadColumnStringLists(*this, state, names_, "categories", "category", &categories));
    std::vector<Column> columns(inputs_.size());
    for (size_t i = 0; i < inputs_.size(); ++i) {
      // LoadColumnStringLists found state.columns[name].
      const Json* other =
          StateField(*StateField(*StateField(state, "columns"), names_[i]), "other");
      if (other == nullptr || !other->is_boolean()) {
        return Error(fmt::format("state has no valid 'other' flag for column '{}'", names_[i]));
      }
      columns[i].categories.Assign(std::move(categories[i]));
      columns[i].other = other->get<bool>();
    }
    columns_ = std::move(columns);
    return OkStatus();
  }

  Status Apply(Row& row, StepScratch*) const override {
    std::string scratch;
    std::string_view category;
    for (size_t i = 0; i < inputs_.size(); ++i) {
      Cell& cell = row.cells[inputs_[i]];
      const Column& column = columns_[i];
      if (!CellCategory(cell, &scratch, &category)) {
        cell.StartBlock();
        continue;
      }
      int64_t index = column.categories.Find(category);
      if (index < 0 && column.other) index = static_cast<int64_t>(column.categories.size());
      if (index < 0 && error_on_unknown_) return UnknownCategory(names_[i], category);
      auto& block = cell.StartBlock();
      if (index >= 0) block.emplace_back(static_cast<uint32_t>(index), 1.0f);
    }
    return OkStatus();
  }

  size_t BlockWidth(int slot) const override {
    const Column& c = columns_[Position(slot)];
    return c.categories.size() + (c.other ? 1 : 0);
  }

  void BlockNames(int slot, const std::string& column,
                  std::vector<std::string>* names) const override {
    const Column& c = columns_[Position(slot)];
    for (const std::string& v : c.categories.values()) names->push_back(column + "=" + v);
    if (c.other) names->push_back(fmt::format("{}={}", column, kOtherCategory));
  }

 private:
  struct Column {
    CategoryIndex categories;
    bool other = false;
  };
  size_t Position(int slot) const {
    return std::find(inputs_.begin(), inputs_.end(), slot) - inputs_.begin();
  }

  bool error_on_unknown_;
  size_t max_categories_;  // 0: unlimited
  std::vector<Column> columns_;
  std::vector<CategoryCounts> counts_;
};

// --- ordinal -------------------------------------------------------------------------------

// Each category becomes its position (0, 1, ...) in the given `categories` or, when fitted,
// in SortCategories' order of the training values. Missing stays missing; unknown values are
// an error or `unknown_value`.
class Ordinal : public RecordStep {
 public:
  Ordinal(const RecordStepContext& ctx, std::vector<int> slots,
          std::optional<std::vector<std::string>> given, bool error_on_unknown,
          double unknown_value)
      : RecordStep(ctx),
        fixed_(given.has_value()),
        error_on_unknown_(error_on_unknown),
        unknown_value_(unknown_value) {
    inputs_ = outputs_ = std::move(slots);
    for (int s : inputs_) {
      names_.push_back(ctx.schema->slot(s).name);
      ctx.schema->SetKind(s, ColumnKind::kNumber);
    }
    if (given) {
      columns_.resize(1);
      columns_[0].Assign(std::move(*given));
    }
  }

  bool stateful() const override { return !fixed_; }
  void BeginFit() override { seen_.assign(inputs_.size(), {}); }

  Status Accumulate(const Row& row) override {
    std::string scratch;
    std::string_view category;
    for (size_t i = 0; i < inputs_.size(); ++i) {
      if (!CellCategory(row.cells[inputs_[i]], &scratch, &category)) continue;
      if (seen_[i].find(category) == seen_[i].end()) seen_[i].emplace(std::string(category), 1);
    }
    return OkStatus();
  }

  Status EndFit() override {
    columns_.assign(inputs_.size(), {});
    for (size_t i = 0; i < inputs_.size(); ++i) {
      columns_[i].Assign(MostFrequentCategories(seen_[i], 0));
    }
    seen_.clear();
    return OkStatus();
  }

  // {"columns": {name: {"categories": [...]}}}; null with explicit categories (they are in
  // the spec).
  Json State() const override {
    if (fixed_) return nullptr;
    Json columns = Json::object();
    for (size_t i = 0; i < inputs_.size(); ++i) {
      columns[names_[i]] = {{"categories", columns_[i].values()}};
    }
    return {{"columns", columns}};
  }

  Status LoadState(const Json& state) override {
    if (fixed_) return OkStatus();
    std::vector<std::vector<std::string>> categories;
    EASEL_RETURN_IF_ERROR(
        LoadColumnStringLists(*this, state, names_, "categories", "category", &categories));
    std::vector<CategoryIndex> columns(inputs_.size());
    for (size_t i = 0; i < inputs_.size(); ++i) columns[i].Assign(std::move(categories[i]));
    columns_ = std::move(columns);
    return OkStatus();
  }

  Status Apply(Row& row, StepScratch*) const override {
    std::string scratch;
    std::string_view category;
    for (size_t i = 0; i < inputs_.size(); ++i) {
      Cell& cell = row.cells[inputs_[i]];
      if (!CellCategory(cell, &scratch, &category)) {
        cell.SetMissing();
        continue;
      }
      int64_t index = columns_[i].Find(category);
      if (index < 0) {
        if (error_on_unknown_) return UnknownCategory(names_[i], category);
        cell.SetNumber(unknown_value_);
      } else {
        cell.SetNumber(static_cast<double>(index));
      }
    }
    return OkStatus();
  }

 private:
  bool fixed_;
  bool error_on_unknown_;
  double unknown_value_;
  std::vector<CategoryIndex> columns_;
  std::vector<CategoryCounts> seen_;
};

// --- hashing -------------------------------------------------------------------------------

// The hashing trick: every (column, value) pair becomes the string "column=value", hashed with
// MurmurHash3_x86_32 (seed 0) into one of n_features buckets, exactly as scikit-learn's
// FeatureHasher(n_features, input_type="string", alternate_sign=signed) does with those
// strings. No fitted state: unseen values simply hash somewhere. Missing values add nothing.
class Hashing : public RecordStep {
 public:
  Hashing(const RecordStepContext& ctx, std::vector<int> slots, int output, uint32_t n_features,
          bool is_signed)
      : RecordStep(ctx), n_features_(n_features), signed_(is_signed) {
    inputs_ = std::move(slots);
    outputs_ = {output};
    for (int s : inputs_) names_.push_back(ctx.schema->slot(s).name);
  }

  Status Apply(Row& row, StepScratch*) const override {
    // The output is a slot of its own, never one of the inputs.
    auto& block = row.cells[outputs_[0]].StartBlock();
    std::string key, scratch;
    std::string_view category;
    for (size_t i = 0; i < inputs_.size(); ++i) {
      if (!CellCategory(row.cells[inputs_[i]], &scratch, &category)) continue;
      key.assign(names_[i]).append("=").append(category);
      int32_t h = static_cast<int32_t>(MurmurHash3_32(key, 0));
      // scikit-learn's indexing, including its special case for INT32_MIN (whose abs overflows).
      uint32_t index =
          h == INT32_MIN
              ? static_cast<uint32_t>((int64_t{INT32_MAX} - (n_features_ - 1)) % n_features_)
              : static_cast<uint32_t>(std::abs(h)) % n_features_;
      block.emplace_back(index, signed_ && h < 0 ? -1.0f : 1.0f);
    }
    return OkStatus();
  }

  size_t BlockWidth(int) const override { return n_features_; }
  void BlockNames(int, const std::string& column, std::vector<std::string>* names) const override {
    for (uint32_t i = 0; i < n_features_; ++i) names->push_back(fmt::format("{}_{}", column, i));
  }

 private:
  uint32_t n_features_;
  bool signed_;
};

}  // namespace

Result<std::unique_ptr<RecordStep>> MakeOneHot(RecordStepContext& ctx) {
  EASEL_ASSIGN_OR_RETURN(std::vector<int> slots, ctx.Columns("columns", kScalarKinds));
  size_t max_categories =
      ctx.params.Has("max_categories") ? static_cast<size_t>(ctx.params.Int("max_categories")) : 0;
  return std::unique_ptr<RecordStep>(new OneHot(
      ctx, std::move(slots), ctx.params.String("handle_unknown") == "error", max_categories));
}

Result<std::unique_ptr<RecordStep>> MakeOrdinal(RecordStepContext& ctx) {
  EASEL_ASSIGN_OR_RETURN(std::vector<int> slots, ctx.Columns("columns", kScalarKinds));
  std::optional<std::vector<std::string>> given;
  if (ctx.params.Has("categories")) {
    if (slots.size() != 1) {
      return ctx.Error("categories",
                       "parameter 'categories' needs exactly one column (use one ordinal step "
                       "per column)");
    }
    given = ctx.params.Strings("categories");
    std::vector<std::string> sorted = *given;
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
      return ctx.Error("categories", "parameter 'categories' lists a category twice");
    }
  }
  return std::unique_ptr<RecordStep>(new Ordinal(ctx, std::move(slots), std::move(given),
                                                 ctx.params.String("handle_unknown") == "error",
                                                 ctx.params.Number("unknown_value")));
}

Result<std::unique_ptr<RecordStep>> MakeHashing(RecordStepContext& ctx) {
  EASEL_ASSIGN_OR_RETURN(std::vector<int> slots, ctx.Columns("columns", kScalarKinds));
  std::string name = ctx.params.String("name");
  // The block takes the place of the first input column; the inputs leave the output.
  int after = slots.front();
  for (int s : slots) {
    if (s != after) ctx.schema->Remove(s);
  }
  // Check the name before touching the first column, so the error names the real clash.
  if (ctx.schema->Find(name) >= 0 && ctx.schema->Find(name) != after) {
    return ctx.Error("name", fmt::format("column '{}' already exists", name));
  }
  int output = ctx.schema->Add(name, ColumnKind::kBlock, after);
  ctx.schema->Remove(after);
  ctx.schema->SetKind(output, ColumnKind::kBlock, ctx.index);
  return std::unique_ptr<RecordStep>(
      new Hashing(ctx, std::move(slots), output,
                  static_cast<uint32_t>(ctx.params.Int("n_features")), ctx.params.Bool("signed")));
}

}  // namespace easel::data::transforms
