#include "models/model_ref.h"

#include <charconv>

#include "common/names.h"

namespace easel::models {

Result<ModelRef> ParseModelRef(std::string_view text, std::string_view fallback) {
  ModelRef ref;
  size_t at = text.find('@');
  if (at == std::string_view::npos) {
    ref.model = std::string(text);
    ref.version = fallback.empty() ? "latest" : std::string(fallback);
  } else {
    if (!fallback.empty()) {
      return InvalidArgument("give the version either as model@version or separately, not both");
    }
    ref.model = std::string(text.substr(0, at));
    ref.version = std::string(text.substr(at + 1));
    if (ref.version.empty()) return InvalidArgument("'" + ref.model + "@' names no version");
  }
  EASEL_RETURN_IF_ERROR(ValidateName("model", ref.model));
  int64_t n = 0;
  auto [end, ec] = std::from_chars(ref.version.data(), ref.version.data() + ref.version.size(), n);
  bool numeric = ec == std::errc() && end == ref.version.data() + ref.version.size();
  if (numeric && n < 1) return InvalidArgument("model versions count from 1");
  if (!numeric && ref.version != "latest") {
    EASEL_RETURN_IF_ERROR(ValidateName("alias", ref.version));
  }
  return ref;
}

Result<ModelVersion> ResolveModelRef(ModelStore& store, const std::string& project_id,
                                     const ModelRef& ref) {
  EASEL_ASSIGN_OR_RETURN(Model m, store.Get(project_id, ref.model));
  int64_t n = 0;
  auto [end, ec] = std::from_chars(ref.version.data(), ref.version.data() + ref.version.size(), n);
  if (ec == std::errc() && end == ref.version.data() + ref.version.size()) {
    return store.GetVersion(m, n);
  }
  if (ref.version == "latest") {
    if (m.latest_version == 0) return NotFound("model '" + m.name + "' has no versions");
    return store.GetVersion(m, m.latest_version);
  }
  auto it = m.aliases.find(ref.version);
  if (it == m.aliases.end()) {
    return NotFound("model '" + m.name + "' has no alias '" + ref.version + "'");
  }
  return store.GetVersion(m, it->second);
}

}  // namespace easel::models
