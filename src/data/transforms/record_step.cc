#include "data/transforms/record_step.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "data/transforms/numbers.h"
#include "data/transforms/tokenizer.h"

namespace easel::data::transforms {

Status CellNumber(const Cell& cell, std::string_view column, double* out) {
  switch (cell.kind) {
    case Cell::Kind::kNumber:
      *out = cell.number;
      return OkStatus();
    case Cell::Kind::kMissing:
      *out = std::numeric_limits<double>::quiet_NaN();
      return OkStatus();
    case Cell::Kind::kText:
      if (auto v = ParseNumber(cell.text)) {
        *out = *v;
        return OkStatus();
      }
      return Status(StatusCode::kInvalidArgument,
                    fmt::format("column '{}': '{}' is not a number (encode categorical columns "
                                "with one_hot, ordinal or hashing)",
                                column, Excerpt(cell.text)),
                    Json{{"column", column}, {"value", Excerpt(cell.text)}});
    default:
      return InvalidArgument(fmt::format("column '{}' does not hold a number", column));
  }
}

bool CellCategory(const Cell& cell, std::string* scratch, std::string_view* out) {
  switch (cell.kind) {
    case Cell::Kind::kText:
      // Categories end up in the JSON state, which cannot hold invalid UTF-8: compare them
      // in the form JSON keeps, at fit and at transform time alike.
      if (!IsValidUtf8(cell.text)) {
        *scratch = ReplaceInvalidUtf8(cell.text);
        *out = *scratch;
        return true;
      }
      *out = cell.text;
      return true;
    case Cell::Kind::kNumber:
      *scratch = FormatNumber(cell.number);
      *out = *scratch;
      return true;
    default:
      return false;
  }
}

// --- RecordSchema --------------------------------------------------------------------------

RecordSchema::RecordSchema(const std::vector<std::string>& columns) {
  for (const std::string& c : columns) {
    order_.push_back(static_cast<int>(slots_.size()));
    slots_.push_back(Slot{c, ColumnKind::kRaw, -1});
  }
}

int RecordSchema::Find(std::string_view name) const {
  for (int s : order_) {
    if (slots_[s].name == name) return s;
  }
  return -1;
}

void RecordSchema::SetKind(int slot, ColumnKind kind, int producer) {
  slots_[slot].kind = kind;
  slots_[slot].producer = producer;
}

int RecordSchema::Add(std::string name, ColumnKind kind, int after) {
  int slot = static_cast<int>(slots_.size());
  slots_.push_back(Slot{std::move(name), kind, -1});
  auto it = std::find(order_.begin(), order_.end(), after);
  order_.insert(it == order_.end() ? order_.end() : it + 1, slot);
  return slot;
}

void RecordSchema::Remove(int slot) { std::erase(order_, slot); }

// --- RecordStepContext ---------------------------------------------------------------------

namespace {
std::string_view KindName(ColumnKind kind) {
  switch (kind) {
    case ColumnKind::kRaw:
      return "a raw column";
    case ColumnKind::kNumber:
      return "a numeric column";
    case ColumnKind::kTokens:
      return "a token list (from tokenize)";
    case ColumnKind::kBlock:
      return "an encoded block of features";
  }
  return "unknown";
}
}  // namespace

Result<std::vector<int>> RecordStepContext::Columns(
    std::string_view param, std::initializer_list<ColumnKind> allowed) const {
  std::vector<int> slots;
  for (const std::string& name : params.Strings(param)) {
    int s = schema->Find(name);
    if (s < 0) {
      std::string known;
      for (int o : schema->order()) known += (known.empty() ? "" : ", ") + schema->slot(o).name;
      return Error(param, fmt::format("unknown column '{}'; columns at this step: {}", name,
                                      known.empty() ? "none" : known));
    }
    if (std::find(slots.begin(), slots.end(), s) != slots.end()) {
      return Error(param, fmt::format("column '{}' is listed twice", name));
    }
    ColumnKind kind = schema->slot(s).kind;
    if (std::find(allowed.begin(), allowed.end(), kind) == allowed.end()) {
      std::string hint;
      if (kind == ColumnKind::kRaw &&
          std::find(allowed.begin(), allowed.end(), ColumnKind::kTokens) != allowed.end()) {
        hint = "; add a tokenize step for it first";
      }
      return Error(param, fmt::format("column '{}' is {} at this step, which {} does not "
                                      "accept{}",
                                      name, KindName(kind), op->name, hint));
    }
    slots.push_back(s);
  }
  return slots;
}

Result<int> RecordStepContext::AddColumn(std::string name, ColumnKind kind, int after) const {
  if (schema->Find(name) >= 0) {
    return Error("", fmt::format("column '{}' already exists", name));
  }
  return schema->Add(std::move(name), kind, after);
}

// --- RecordStep ----------------------------------------------------------------------------

Status RecordStep::DeriveColumns(RecordStepContext& ctx, const std::vector<int>& slots,
                                 const std::vector<std::string>& suffixes) {
  inputs_ = slots;
  for (int s : slots) {
    names_.push_back(ctx.schema->slot(s).name);
    int after = s;
    for (const std::string& suffix : suffixes) {
      EASEL_ASSIGN_OR_RETURN(
          after, ctx.AddColumn(ctx.schema->slot(s).name + suffix, ColumnKind::kNumber, after));
      outputs_.push_back(after);
    }
  }
  return OkStatus();
}

// --- state helpers -------------------------------------------------------------------------

const Json* StateField(const Json& state, std::string_view key) {
  if (!state.is_object()) return nullptr;
  auto it = state.find(key);
  return it == state.end() ? nullptr : &*it;
}

bool JsonToDouble(const Json& v, double* out) {
  if (!v.is_number()) return false;
  *out = v.get<double>();
  return std::isfinite(*out);
}

Status LoadColumnStringLists(const RecordStep& step, const Json& state,
                             const std::vector<std::string>& names, std::string_view key,
                             std::string_view what, std::vector<std::vector<std::string>>* out) {
  const Json* columns = StateField(state, "columns");
  out->clear();
  for (const std::string& name : names) {
    const Json* c = columns ? StateField(*columns, name) : nullptr;
    const Json* list = c ? StateField(*c, key) : nullptr;
    std::vector<std::string> values;
    if (list == nullptr || !JsonToStrings(*list, &values)) {
      return StepError(step.index(), step.op(), "",
                       fmt::format("state has no valid {} for column '{}'", key, name));
    }
    std::vector<std::string> sorted = values;
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
      return StepError(step.index(), step.op(), "",
                       fmt::format("state repeats a {} of column '{}'", what, name));
    }
    out->push_back(std::move(values));
  }
  return OkStatus();
}

bool JsonToStrings(const Json& v, std::vector<std::string>* out) {
  if (!v.is_array()) return false;
  out->clear();
  for (const Json& item : v) {
    if (!item.is_string()) return false;
    out->push_back(item.get<std::string>());
  }
  return true;
}

}  // namespace easel::data::transforms
