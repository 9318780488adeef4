#include "common/json.h"

#include <fmt/format.h>

namespace easel {

Result<Json> ParseJson(std::string_view text, int max_depth) {
  bool too_deep = false;
  auto guard = [&](int depth, Json::parse_event_t event, Json&) {
    if (depth > max_depth) too_deep = true;
    return !too_deep;
  };
  try {
    Json parsed = Json::parse(text.begin(), text.end(), guard, /*allow_exceptions=*/true);
    if (too_deep) {
      return Status(StatusCode::kInvalidArgument,
                    fmt::format("JSON nesting is deeper than the limit of {}", max_depth),
                    Json{{"max_depth", max_depth}});
    }
    return parsed;
  } catch (const Json::parse_error& e) {
    if (too_deep) {
      return Status(StatusCode::kInvalidArgument,
                    fmt::format("JSON nesting is deeper than the limit of {}", max_depth),
                    Json{{"max_depth", max_depth}});
    }
    return Status(StatusCode::kInvalidArgument, fmt::format("malformed JSON at byte {}", e.byte),
                  Json{{"offset", e.byte}});
  } catch (const std::exception& e) {
    return InvalidArgument("malformed JSON");
  }
}

Status RequireObject(const Json& value, std::string_view what) {
  if (!value.is_object()) return InvalidArgument(fmt::format("{} must be a JSON object", what));
  return OkStatus();
}

namespace {

const Json* Find(const Json& obj, std::string_view field) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

Status WrongType(std::string_view field, std::string_view type) {
  return Status(StatusCode::kInvalidArgument, fmt::format("field '{}' must be {}", field, type),
                Json{{"field", field}});
}

}  // namespace

Result<std::string> GetString(const Json& obj, std::string_view field) {
  const Json* v = Find(obj, field);
  if (v == nullptr) {
    return Status(StatusCode::kInvalidArgument, fmt::format("field '{}' is required", field),
                  Json{{"field", field}});
  }
  if (!v->is_string()) return WrongType(field, "a string");
  return v->get<std::string>();
}

Result<std::optional<std::string>> GetOptionalString(const Json& obj, std::string_view field) {
  const Json* v = Find(obj, field);
  if (v == nullptr) return std::optional<std::string>();
  if (!v->is_string()) return WrongType(field, "a string");
  return std::optional<std::string>(v->get<std::string>());
}

Result<std::optional<int64_t>> GetOptionalInt(const Json& obj, std::string_view field, int64_t min,
                                              int64_t max) {
  const Json* v = Find(obj, field);
  if (v == nullptr) return std::optional<int64_t>();
  if (!v->is_number_integer()) return WrongType(field, "an integer");
  int64_t x = v->is_number_unsigned() && v->get<uint64_t>() > uint64_t(INT64_MAX)
                  ? INT64_MAX
                  : v->get<int64_t>();
  if (x < min || x > max) {
    return Status(StatusCode::kInvalidArgument,
                  fmt::format("field '{}' must be between {} and {}", field, min, max),
                  Json{{"field", field}});
  }
  return std::optional<int64_t>(x);
}

Result<std::optional<double>> GetOptionalNumber(const Json& obj, std::string_view field) {
  const Json* v = Find(obj, field);
  if (v == nullptr) return std::optional<double>();
  if (!v->is_number()) return WrongType(field, "a number");
  return std::optional<double>(v->get<double>());
}

Result<std::optional<bool>> GetOptionalBool(const Json& obj, std::string_view field) {
  const Json* v = Find(obj, field);
  if (v == nullptr) return std::optional<bool>();
  if (!v->is_boolean()) return WrongType(field, "a boolean");
  return std::optional<bool>(v->get<bool>());
}

std::string DumpJson(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

void AppendJsonString(std::string& out, std::string_view text) {
  out += '"';
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.data() + start, i - start);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default: {
        static constexpr char kHex[] = "0123456789abcdef";
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
    }
    start = i + 1;
  }
  out.append(text.data() + start, text.size() - start);
  out += '"';
}

}  // namespace easel
