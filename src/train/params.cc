#include "train/params.h"

#include <string>

namespace easel::train {

Status ParamError(const std::string& name, const std::string& sentence) {
  return Status(StatusCode::kInvalidArgument, "params." + name + " " + sentence,
                Json{{"param", name}});
}

namespace {

// 32, not 32.0: bounds read as the user would write them.
std::string BoundText(const Json& v) {
  if (v.is_number_float() && v.get<double>() == static_cast<double>(v.get<int64_t>())) {
    return std::to_string(v.get<int64_t>());
  }
  return v.dump();
}

std::string Bounds(const Json& spec) {
  std::string lo = spec.contains("minimum") ? BoundText(spec["minimum"]) : "-inf";
  std::string hi = spec.contains("maximum") ? BoundText(spec["maximum"]) : "inf";
  return "[" + lo + ", " + hi + "]";
}

bool HasType(const Json& value, const std::string& type) {
  if (type == "integer") return value.is_number_integer();
  if (type == "number") return value.is_number();
  if (type == "string") return value.is_string();
  if (type == "boolean") return value.is_boolean();
  if (type == "array") return value.is_array();
  return false;
}

Status CheckBounds(const std::string& name, const Json& spec, const Json& value) {
  if (!value.is_number()) return OkStatus();
  double v = value.get<double>();
  bool low = spec.contains("minimum") && v < spec["minimum"].get<double>();
  bool high = spec.contains("maximum") && v > spec["maximum"].get<double>();
  bool excl = spec.contains("exclusiveMinimum") && v <= spec["exclusiveMinimum"].get<double>();
  if (excl) {
    return ParamError(name, "must be greater than " + BoundText(spec["exclusiveMinimum"]));
  }
  if (low || high) {
    std::string type = spec.value("type", "number");
    return ParamError(name, std::string("must be ") + (type == "integer" ? "an " : "a ") + type +
                                " in " + Bounds(spec));
  }
  return OkStatus();
}

Status CheckValue(const std::string& name, const Json& spec, const Json& value) {
  std::string type = spec.value("type", "string");
  if (!HasType(value, type)) {
    std::string article = type == "integer" || type == "array" ? "an " : "a ";
    return ParamError(name, "must be " + article + type);
  }
  if (auto it = spec.find("enum"); it != spec.end()) {
    bool found = false;
    std::string choices;
    for (const Json& c : *it) {
      found = found || c == value;
      choices += (choices.empty() ? "" : ", ") + (c.is_string() ? c.get<std::string>() : c.dump());
    }
    if (!found) return ParamError(name, "must be one of " + choices);
  }
  if (type == "array") {
    const Json& items = spec.value("items", Json::object());
    size_t max_items = spec.value("maxItems", size_t{1024});
    if (value.size() < spec.value("minItems", size_t{0}) || value.size() > max_items) {
      return ParamError(name, "must have between " + std::to_string(spec.value("minItems", 0)) +
                                  " and " + std::to_string(max_items) + " items");
    }
    for (size_t i = 0; i < value.size(); ++i) {
      EASEL_RETURN_IF_ERROR(CheckValue(name + "[" + std::to_string(i) + "]", items, value[i]));
    }
    return OkStatus();
  }
  return CheckBounds(name, spec, value);
}

}  // namespace

Result<Json> ResolveParams(const Json& schema, const Json& given) {
  if (!given.is_null() && !given.is_object()) {
    return Status(StatusCode::kInvalidArgument, "params must be an object",
                  Json{{"param", "params"}});
  }
  const Json& properties = schema.value("properties", Json::object());
  Json resolved = Json::object();
  if (given.is_object()) {
    for (const auto& [name, value] : given.items()) {
      auto spec = properties.find(name);
      if (spec == properties.end()) {
        std::string known;
        for (const auto& [k, v] : properties.items()) known += (known.empty() ? "" : ", ") + k;
        return ParamError(name, "is not a parameter of this algorithm; known parameters: " +
                                    (known.empty() ? std::string("none") : known));
      }
      if (value.is_null()) continue;  // null asks for the default
      EASEL_RETURN_IF_ERROR(CheckValue(name, *spec, value));
      resolved[name] = value;
    }
  }
  for (const auto& [name, spec] : properties.items()) {
    if (resolved.contains(name)) continue;
    if (spec.contains("default") && !spec["default"].is_null()) {
      resolved[name] = spec["default"];
    } else if (spec.value("required", false)) {
      return ParamError(name, "is required");
    }
  }
  return resolved;
}

}  // namespace easel::train
