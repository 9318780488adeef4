#include "common/names.h"

#include <fmt/format.h>

#include "common/json.h"

namespace easel {

Status ValidateName(std::string_view kind, std::string_view name) {
  auto valid = [&] {
    if (name.empty() || name.size() > 63) return false;
    auto lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    if (!lower_or_digit(name[0])) return false;
    for (char c : name.substr(1)) {
      if (!lower_or_digit(c) && c != '_' && c != '.' && c != '-') return false;
    }
    return true;
  };
  if (valid()) return OkStatus();
  return Status(StatusCode::kInvalidArgument,
                fmt::format("invalid {} name: use 1 to 63 characters from a-z, 0-9, '_', '.', "
                            "'-', starting with a letter or digit",
                            kind),
                Json{{"field", "name"}, {"pattern", "^[a-z0-9][a-z0-9_.-]{0,62}$"}});
}

}  // namespace easel
