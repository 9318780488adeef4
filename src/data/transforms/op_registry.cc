#include "data/transforms/op_registry.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace easel::data::transforms {

std::string_view ToString(ParamType type) {
  switch (type) {
    case ParamType::kBool:
      return "bool";
    case ParamType::kInt:
      return "int";
    case ParamType::kNumber:
      return "number";
    case ParamType::kString:
      return "string";
    case ParamType::kScalar:
      return "string_or_number";
    case ParamType::kStringList:
      return "string_list";
    case ParamType::kIntList:
      return "int_list";
    case ParamType::kNumberList:
      return "number_list";
  }
  return "unknown";
}

// --- Params --------------------------------------------------------------------------------

namespace {
const Json& NullJson() {
  static const Json* null = new Json();
  return *null;
}
}  // namespace

const Json& Params::Raw(std::string_view name) const {
  auto it = values_.find(name);
  return it == values_.end() ? NullJson() : *it;
}
bool Params::Has(std::string_view name) const { return !Raw(name).is_null(); }
bool Params::Bool(std::string_view name) const {
  const Json& v = Raw(name);
  return v.is_boolean() && v.get<bool>();
}
int64_t Params::Int(std::string_view name) const {
  const Json& v = Raw(name);
  return v.is_number_integer() ? v.get<int64_t>() : 0;
}
double Params::Number(std::string_view name) const {
  const Json& v = Raw(name);
  return v.is_number() ? v.get<double>() : 0;
}
std::string Params::String(std::string_view name) const {
  const Json& v = Raw(name);
  return v.is_string() ? v.get<std::string>() : std::string();
}
std::vector<std::string> Params::Strings(std::string_view name) const {
  std::vector<std::string> out;
  for (const Json& item : Raw(name)) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}
std::vector<int64_t> Params::Ints(std::string_view name) const {
  std::vector<int64_t> out;
  for (const Json& item : Raw(name)) {
    if (item.is_number_integer()) out.push_back(item.get<int64_t>());
  }
  return out;
}
std::vector<double> Params::Numbers(std::string_view name) const {
  std::vector<double> out;
  for (const Json& item : Raw(name)) {
    if (item.is_number()) out.push_back(item.get<double>());
  }
  return out;
}

// --- lookup --------------------------------------------------------------------------------

bool OpInfo::AppliesTo(DatasetType type) const {
  return std::find(types.begin(), types.end(), type) != types.end();
}

Status StepError(int step_index, std::string_view op, std::string_view param, std::string message) {
  Json details = {{"step", step_index}};
  if (!op.empty()) details["op"] = op;
  if (!param.empty()) details["param"] = param;
  std::string prefix = op.empty() ? fmt::format("steps[{}]", step_index)
                                  : fmt::format("steps[{}] ({})", step_index, op);
  return Status(StatusCode::kInvalidArgument, fmt::format("{}: {}", prefix, message),
                std::move(details));
}

Result<const OpInfo*> FindOp(std::string_view name, DatasetType type, int step_index) {
  const OpInfo* found = nullptr;
  std::string known;
  for (const OpInfo& op : AllOps()) {
    if (op.name == name) found = &op;
    if (op.AppliesTo(type)) {
      if (!known.empty()) known += ", ";
      known += op.name;
    }
  }
  if (found == nullptr) {
    return StepError(
        step_index, "", "op",
        fmt::format("unknown op '{}'; known ops for {} datasets: {}", name, ToString(type), known));
  }
  if (!found->AppliesTo(type)) {
    return StepError(step_index, name, "op",
                     fmt::format("op '{}' does not apply to {} datasets; known ops for them: {}",
                                 name, ToString(type), known));
  }
  return found;
}

// --- validation ----------------------------------------------------------------------------

namespace {

std::string Bound(double v, bool integer) {
  return integer ? fmt::format("{}", static_cast<int64_t>(v)) : fmt::format("{}", v);
}

// "in [0, 1]", ">= 1", "" for an unbounded value.
std::string Range(const ParamSpec& spec, bool integer) {
  if (spec.min && spec.max) {
    return fmt::format(" in [{}, {}]", Bound(*spec.min, integer), Bound(*spec.max, integer));
  }
  if (spec.min) return " >= " + Bound(*spec.min, integer);
  if (spec.max) return " <= " + Bound(*spec.max, integer);
  return "";
}

std::string Choices(const ParamSpec& spec) {
  std::string out;
  for (const std::string& c : spec.choices) {
    if (!out.empty()) out += ", ";
    out += "\"" + c + "\"";
  }
  return out;
}

// What a parameter must be, as the end of "parameter 'x' must be ...".
std::string Expectation(const ParamSpec& spec) {
  std::string items;
  if (spec.min_items > 0 && spec.max_items != SIZE_MAX) {
    items = spec.min_items == spec.max_items
                ? fmt::format("{} ", spec.min_items)
                : fmt::format("{} to {} ", spec.min_items, spec.max_items);
  } else if (spec.min_items > 0) {
    items = fmt::format("at least {} ", spec.min_items);
  } else if (spec.max_items != SIZE_MAX) {
    items = fmt::format("at most {} ", spec.max_items);
  }
  switch (spec.type) {
    case ParamType::kBool:
      return "true or false";
    case ParamType::kInt:
      return "an integer" + Range(spec, true);
    case ParamType::kNumber:
      return "a number" + Range(spec, false);
    case ParamType::kString:
      return spec.choices.empty() ? "a string" : "one of " + Choices(spec);
    case ParamType::kScalar:
      return "a string or a number";
    case ParamType::kStringList:
      return spec.choices.empty() ? "a list of " + items + "strings"
                                  : "a list of " + items + "values among " + Choices(spec);
    case ParamType::kIntList:
      return "a list of " + items + "integers" + Range(spec, true);
    case ParamType::kNumberList:
      return "a list of " + items + "numbers" + Range(spec, false);
  }
  return "valid";
}

bool InRange(const ParamSpec& spec, double v) {
  return (!spec.min || v >= *spec.min) && (!spec.max || v <= *spec.max);
}

bool IsChoice(const ParamSpec& spec, const Json& v) {
  if (spec.choices.empty()) return true;
  const auto& s = v.get_ref<const std::string&>();
  return std::find(spec.choices.begin(), spec.choices.end(), s) != spec.choices.end();
}

// An integer JSON value that fits int64 (a float like 3.0 is not an integer here: specs are
// written by people and tools that know the difference, and accepting 3.5 silently is worse).
bool IsInt(const Json& v) {
  if (v.is_number_unsigned()) return v.get<uint64_t>() <= uint64_t(INT64_MAX);
  return v.is_number_integer();
}

bool ItemValid(const ParamSpec& spec, const Json& v) {
  switch (spec.type) {
    case ParamType::kBool:
      return v.is_boolean();
    case ParamType::kInt:
    case ParamType::kIntList:
      return IsInt(v) && InRange(spec, static_cast<double>(v.get<int64_t>()));
    case ParamType::kNumber:
    case ParamType::kNumberList:
      return v.is_number() && std::isfinite(v.get<double>()) && InRange(spec, v.get<double>());
    case ParamType::kString:
    case ParamType::kStringList:
      return v.is_string() && IsChoice(spec, v);
    case ParamType::kScalar:
      return v.is_string() || (v.is_number() && std::isfinite(v.get<double>()));
  }
  return false;
}

bool IsList(ParamType t) {
  return t == ParamType::kStringList || t == ParamType::kIntList || t == ParamType::kNumberList;
}

bool Valid(const ParamSpec& spec, const Json& v) {
  if (!IsList(spec.type)) return ItemValid(spec, v);
  if (!v.is_array() || v.size() < spec.min_items || v.size() > spec.max_items) return false;
  return std::all_of(v.begin(), v.end(), [&](const Json& item) { return ItemValid(spec, item); });
}

}  // namespace

Result<Params> ResolveParams(const OpInfo& op, const Json& step, int step_index) {
  if (!step.is_object()) return StepError(step_index, op.name, "", "a step must be a JSON object");
  for (auto it = step.begin(); it != step.end(); ++it) {
    if (it.key() == "op") continue;
    bool known = std::any_of(op.params.begin(), op.params.end(),
                             [&](const ParamSpec& p) { return p.name == it.key(); });
    if (!known) {
      std::string names;
      for (const ParamSpec& p : op.params) names += (names.empty() ? "" : ", ") + p.name;
      return StepError(step_index, op.name, it.key(),
                       fmt::format("unknown parameter '{}'; known parameters: {}", it.key(),
                                   names.empty() ? "none" : names));
    }
  }
  Json resolved = Json::object();
  resolved["op"] = op.name;
  for (const ParamSpec& spec : op.params) {
    auto it = step.find(spec.name);
    if (it == step.end() || it->is_null()) {
      if (spec.required) {
        return StepError(
            step_index, op.name, spec.name,
            fmt::format("parameter '{}' is required: {}", spec.name, Expectation(spec)));
      }
      resolved[spec.name] = spec.default_value;
      continue;
    }
    if (!Valid(spec, *it)) {
      return StepError(step_index, op.name, spec.name,
                       fmt::format("parameter '{}' must be {}", spec.name, Expectation(spec)));
    }
    resolved[spec.name] = *it;
  }
  return Params(std::move(resolved));
}

Json DescribeOps(DatasetType type) {
  Json ops = Json::array();
  for (const OpInfo& op : AllOps()) {
    if (!op.AppliesTo(type)) continue;
    Json params = Json::array();
    for (const ParamSpec& p : op.params) {
      Json d = {{"name", p.name},
                {"type", ToString(p.type)},
                {"description", p.description},
                {"required", p.required}};
      if (!p.default_value.is_null()) d["default"] = p.default_value;
      if (p.min) d["min"] = *p.min;
      if (p.max) d["max"] = *p.max;
      if (!p.choices.empty()) d["choices"] = p.choices;
      if (p.min_items > 0) d["min_items"] = p.min_items;
      if (p.max_items != SIZE_MAX) d["max_items"] = p.max_items;
      params.push_back(std::move(d));
    }
    ops.push_back({{"name", op.name}, {"description", op.description}, {"params", params}});
  }
  return ops;
}

}  // namespace easel::data::transforms
