#include "automl/search_space.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "automl/search_space_internal.h"

namespace easel::automl {

std::string_view DomainTypeName(DomainType type) {
  switch (type) {
    case DomainType::kUniform:
      return "uniform";
    case DomainType::kLogUniform:
      return "log_uniform";
    case DomainType::kInt:
      return "int";
    case DomainType::kCategorical:
      return "categorical";
  }
  return "unknown";
}

Status SpaceError(const std::string& param, const std::string& sentence) {
  return Status(StatusCode::kInvalidArgument, fmt::format("search_space.{} {}", param, sentence),
                Json{{"param", param}});
}

namespace internal {

bool SameValue(const Json& a, const Json& b) {
  // 1 and 1.0 compare equal in nlohmann::json, but an integer parameter rejects 1.0.
  return a == b && a.is_number_integer() == b.is_number_integer();
}

std::string ValueText(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float()) return fmt::format("{}", v.get<double>());
  return v.dump();
}

std::string ValuesText(const std::vector<Json>& values) {
  std::string out;
  for (const Json& v : values) out += (out.empty() ? "" : ", ") + ValueText(v);
  return out;
}

}  // namespace internal

int64_t ParamSpec::IntCount() const {
  return (static_cast<int64_t>(high) - static_cast<int64_t>(low)) / step + 1;
}

int64_t ParamSpec::IntValue(int64_t k) const { return static_cast<int64_t>(low) + k * step; }

int ParamSpec::ChoiceIndex(const Json& value) const {
  for (size_t i = 0; i < choices.size(); ++i) {
    if (internal::SameValue(choices[i], value)) return static_cast<int>(i);
  }
  return -1;
}

Status ParamSpec::CheckValue(const Json& value) const {
  switch (type) {
    case DomainType::kCategorical:
      if (ChoiceIndex(value) >= 0) return OkStatus();
      return SpaceError(name, fmt::format("value {} is not one of its choices ({})", value.dump(),
                                          internal::ValuesText(choices)));
    case DomainType::kInt: {
      if (!value.is_number_integer()) return SpaceError(name, "value must be a JSON integer");
      int64_t v = value.is_number_unsigned() && value.get<uint64_t>() > uint64_t(INT64_MAX)
                      ? INT64_MAX
                      : value.get<int64_t>();
      int64_t lo = static_cast<int64_t>(low);
      if (v < lo || v > static_cast<int64_t>(high) || (v - lo) % step != 0) {
        return SpaceError(name, fmt::format("value {} is not in [{}, {}] with step {}", v, lo,
                                            static_cast<int64_t>(high), step));
      }
      return OkStatus();
    }
    case DomainType::kUniform:
    case DomainType::kLogUniform: {
      if (!value.is_number() || !std::isfinite(value.get<double>())) {
        return SpaceError(name, "value must be a finite number");
      }
      double v = value.get<double>();
      if (v < low || v > high) {
        return SpaceError(name, fmt::format("value {} is not in [{}, {}]", v, low, high));
      }
      return OkStatus();
    }
  }
  return SpaceError(name, "has an unknown domain type");
}

bool IsActive(const ParamSpec& spec, const Json& assignment) {
  for (const Condition& c : spec.when) {
    if (!assignment.is_object()) return false;
    auto it = assignment.find(c.parent);
    if (it == assignment.end()) return false;
    bool matched = false;
    for (const Json& v : c.values) matched = matched || internal::SameValue(v, *it);
    if (!matched) return false;
  }
  return true;
}

Json SearchSpace::ToJson() const {
  Json out = Json::object();
  for (const ParamSpec& p : params_) {
    Json d{{"type", DomainTypeName(p.type)}};
    if (p.type == DomainType::kInt) {
      d["low"] = static_cast<int64_t>(p.low);
      d["high"] = static_cast<int64_t>(p.high);
      if (p.step != 1) d["step"] = p.step;
      if (p.log) d["log"] = true;
    } else if (p.type == DomainType::kCategorical) {
      d["choices"] = p.choices;
    } else {
      d["low"] = p.low;
      d["high"] = p.high;
    }
    if (!p.when.empty()) {
      Json when = Json::object();
      for (const Condition& c : p.when) when[c.parent] = c.values;
      d["when"] = std::move(when);
    }
    out[p.name] = std::move(d);
  }
  return out;
}

const ParamSpec* SearchSpace::Find(std::string_view name) const {
  for (const ParamSpec& p : params_) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

Result<SearchSpace> SearchSpace::Restrict(std::string_view name, const Json& value) const {
  const ParamSpec* fixed = Find(name);
  if (fixed == nullptr || fixed->type != DomainType::kCategorical ||
      fixed->ChoiceIndex(value) < 0) {
    return SpaceError(std::string(name), "has no choice " + value.dump() + " to fix");
  }
  std::vector<ParamSpec> kept = params_;
  for (ParamSpec& p : kept) {
    if (p.name == name) p.choices = {value};
  }
  // Drop what can no longer be active: a condition on a dropped parameter, or on a choice
  // that is gone. Parents come before children, so one pass settles it.
  std::vector<ParamSpec> out;
  for (ParamSpec& p : kept) {
    bool possible = true;
    for (const Condition& c : p.when) {
      auto parent = std::find_if(out.begin(), out.end(),
                                 [&](const ParamSpec& q) { return q.name == c.parent; });
      possible = possible && parent != out.end() &&
                 std::any_of(c.values.begin(), c.values.end(),
                             [&](const Json& v) { return parent->ChoiceIndex(v) >= 0; });
    }
    if (possible) out.push_back(std::move(p));
  }
  return SearchSpace(std::move(out));
}

Status SearchSpace::Validate(const Json& assignment) const {
  if (!assignment.is_object()) {
    return Status(StatusCode::kInvalidArgument, "a trial's parameters must be a JSON object");
  }
  for (const auto& [name, value] : assignment.items()) {
    if (Find(name) == nullptr) return SpaceError(name, "is not a parameter of the search space");
  }
  for (const ParamSpec& p : params_) {
    bool active = IsActive(p, assignment);
    bool present = assignment.contains(p.name);
    if (active && !present) return SpaceError(p.name, "is active but has no value");
    if (!active && present) {
      return SpaceError(p.name, "has a value but its conditions (when) do not hold");
    }
    if (present) EASEL_RETURN_IF_ERROR(p.CheckValue(assignment[p.name]));
  }
  return OkStatus();
}

}  // namespace easel::automl
