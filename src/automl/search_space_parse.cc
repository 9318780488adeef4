// SearchSpace::FromJson: reading a user's search space and checking it against the trainer's
// parameter schema.

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "automl/search_space.h"
#include "automl/search_space_internal.h"

namespace easel::automl {

namespace {

using internal::CheckAgainstSchema;
using internal::ValueText;

constexpr double kMaxExactInt = 9007199254740992.0;  // 2^53: integers a double holds exactly

std::string KeysText(const std::vector<std::string_view>& keys) {
  std::string out;
  for (std::string_view k : keys) out += fmt::format("{}{}", out.empty() ? "" : ", ", k);
  return out;
}

Result<double> Bound(const std::string& name, const Json& domain, const char* key, bool integral) {
  auto it = domain.find(key);
  if (it == domain.end()) return SpaceError(name, fmt::format("needs '{}'", key));
  if (!it->is_number() || !std::isfinite(it->get<double>())) {
    return SpaceError(name, fmt::format("{} must be a finite number", key));
  }
  double v = it->get<double>();
  if (integral && (v != std::floor(v) || std::fabs(v) > kMaxExactInt)) {
    return SpaceError(name, fmt::format("{} must be an integer, not {}", key, ValueText(*it)));
  }
  return v;
}

Status ParseChoices(ParamSpec& p, const Json& domain) {
  auto it = domain.find("choices");
  if (it == domain.end() || !it->is_array() || it->empty()) {
    return SpaceError(p.name, "needs 'choices', a non-empty array");
  }
  for (const Json& c : *it) {
    bool scalar =
        c.is_string() || c.is_boolean() || (c.is_number() && std::isfinite(c.get<double>()));
    if (!scalar) {
      return SpaceError(
          p.name, fmt::format("choice {} is not a string, finite number or boolean", c.dump()));
    }
    for (const Json& seen : p.choices) {
      if (seen == c) return SpaceError(p.name, fmt::format("lists choice {} twice", c.dump()));
    }
    p.choices.push_back(c);
  }
  return OkStatus();
}

Status ParseWhen(ParamSpec& p, const Json& when) {
  if (!when.is_object() || when.empty()) {
    return SpaceError(p.name, "when must be an object like {\"parent\": [values]}");
  }
  for (const auto& [parent, values] : when.items()) {
    if (!values.is_array() || values.empty()) {
      return SpaceError(p.name, fmt::format("when.{} must be a non-empty array of values", parent));
    }
    p.when.push_back(Condition{parent, values.get<std::vector<Json>>()});
  }
  return OkStatus();
}

Result<ParamSpec> ParseDomain(const std::string& name, const Json& domain) {
  if (!domain.is_object()) {
    return SpaceError(name,
                      "must be an object like {\"type\": \"uniform\", \"low\": 0, \"high\": 1}");
  }
  auto type_it = domain.find("type");
  if (type_it == domain.end() || !type_it->is_string()) {
    return SpaceError(name, "needs a 'type': categorical, int, log_uniform or uniform");
  }
  ParamSpec p;
  p.name = name;
  const std::string type = type_it->get<std::string>();
  std::vector<std::string_view> keys = {"type", "low", "high", "when"};
  if (type == "uniform") {
    p.type = DomainType::kUniform;
  } else if (type == "log_uniform") {
    p.type = DomainType::kLogUniform;
  } else if (type == "int") {
    p.type = DomainType::kInt;
    keys = {"type", "low", "high", "step", "log", "when"};
  } else if (type == "categorical") {
    p.type = DomainType::kCategorical;
    keys = {"type", "choices", "when"};
  } else {
    return SpaceError(name, fmt::format("has unknown type '{}'; known types: categorical, int, "
                                        "log_uniform, uniform",
                                        type));
  }
  for (const auto& [key, value] : domain.items()) {
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      return SpaceError(name, fmt::format("has unknown key '{}' for type {}; allowed keys: {}", key,
                                          type, KeysText(keys)));
    }
  }
  if (p.type == DomainType::kCategorical) {
    EASEL_RETURN_IF_ERROR(ParseChoices(p, domain));
  } else {
    const bool integral = p.type == DomainType::kInt;
    EASEL_ASSIGN_OR_RETURN(p.low, Bound(name, domain, "low", integral));
    EASEL_ASSIGN_OR_RETURN(p.high, Bound(name, domain, "high", integral));
    if (auto it = domain.find("step"); it != domain.end()) {
      if (!it->is_number_integer() || it->get<double>() < 1 || it->get<double>() > kMaxExactInt) {
        return SpaceError(name, "step must be a positive integer");
      }
      p.step = it->get<int64_t>();
    }
    if (auto it = domain.find("log"); it != domain.end()) {
      if (!it->is_boolean()) return SpaceError(name, "log must be true or false");
      p.log = it->get<bool>();
    }
    if (p.low >= p.high) {
      return SpaceError(name, fmt::format("low ({}) must be less than high ({})", p.low, p.high));
    }
    if (p.log_scale() && p.low <= 0) {
      return SpaceError(name, fmt::format("low ({}) must be positive on a log scale", p.low));
    }
    if (p.log && p.step != 1) return SpaceError(name, "step cannot be combined with log");
  }
  if (auto it = domain.find("when"); it != domain.end()) {
    EASEL_RETURN_IF_ERROR(ParseWhen(p, *it));
  }
  return p;
}

Status CheckConditions(const ParamSpec& p, const std::map<std::string, ParamSpec>& by_name) {
  for (const Condition& c : p.when) {
    if (c.parent == p.name) return SpaceError(p.name, "cannot depend on itself (when)");
    auto it = by_name.find(c.parent);
    if (it == by_name.end()) {
      return SpaceError(p.name,
                        fmt::format("depends on '{}', which is not in the search space", c.parent));
    }
    const ParamSpec& parent = it->second;
    if (parent.type != DomainType::kCategorical) {
      return SpaceError(p.name, fmt::format("depends on '{}', which is not categorical", c.parent));
    }
    for (const Json& v : c.values) {
      if (parent.ChoiceIndex(v) < 0) {
        return SpaceError(p.name,
                          fmt::format("depends on {} = {}, which is not one of its "
                                      "choices ({})",
                                      c.parent, v.dump(), internal::ValuesText(parent.choices)));
      }
    }
  }
  return OkStatus();
}

// Kahn's algorithm taking the smallest ready name first: parents before children, otherwise
// by name. A parameter left over sits on a cycle (or below one).
Result<std::vector<ParamSpec>> TopologicalOrder(std::map<std::string, ParamSpec> by_name) {
  std::map<std::string, int> pending;  // unmet parents per parameter
  std::map<std::string, std::vector<std::string>> children;
  for (const auto& [name, p] : by_name) {
    std::set<std::string> parents;
    for (const Condition& c : p.when) parents.insert(c.parent);
    pending[name] = static_cast<int>(parents.size());
    for (const std::string& parent : parents) children[parent].push_back(name);
  }
  std::set<std::string> ready;
  for (const auto& [name, n] : pending) {
    if (n == 0) ready.insert(name);
  }
  std::vector<ParamSpec> order;
  while (!ready.empty()) {
    std::string name = *ready.begin();
    ready.erase(ready.begin());
    for (const std::string& child : children[name]) {
      if (--pending[child] == 0) ready.insert(child);
    }
    order.push_back(std::move(by_name[name]));
    pending.erase(name);
  }
  if (pending.empty()) return order;
  // Walk parents among the leftovers until a name repeats: that loop is the cycle.
  std::vector<std::string> path = {pending.begin()->first};
  while (true) {
    const ParamSpec& p = by_name[path.back()];
    std::string next;
    for (const Condition& c : p.when) {
      if (pending.count(c.parent)) next = c.parent;
    }
    auto seen = std::find(path.begin(), path.end(), next);
    if (seen != path.end()) {
      std::string cycle;
      for (auto it = seen; it != path.end(); ++it) cycle += *it + " -> ";
      return SpaceError(next, "is part of a cycle of conditions: " + cycle + next);
    }
    path.push_back(next);
  }
}

}  // namespace

Result<SearchSpace> SearchSpace::FromJson(const Json& space, const Json& params_schema) {
  if (!space.is_object() || space.empty()) {
    return Status(StatusCode::kInvalidArgument,
                  "search_space must be a JSON object with at least one parameter");
  }
  static const Json kNoProperties = Json::object();
  const Json* props = &kNoProperties;
  if (params_schema.is_object() && params_schema.contains("properties") &&
      params_schema["properties"].is_object()) {
    props = &params_schema["properties"];
  }
  std::map<std::string, ParamSpec> by_name;
  for (const auto& [name, domain] : space.items()) {
    auto prop = props->find(name);
    if (prop == props->end()) {
      std::string known;
      for (const auto& [k, v] : props->items()) known += (known.empty() ? "" : ", ") + k;
      return SpaceError(name, "is not a parameter of this trainer; known parameters: " +
                                  (known.empty() ? std::string("none") : known));
    }
    EASEL_ASSIGN_OR_RETURN(ParamSpec p, ParseDomain(name, domain));
    EASEL_RETURN_IF_ERROR(CheckAgainstSchema(p, *prop));
    by_name.emplace(name, std::move(p));
  }
  for (const auto& [name, p] : by_name) EASEL_RETURN_IF_ERROR(CheckConditions(p, by_name));
  EASEL_ASSIGN_OR_RETURN(std::vector<ParamSpec> order, TopologicalOrder(std::move(by_name)));
  return SearchSpace(std::move(order));
}

}  // namespace easel::automl
