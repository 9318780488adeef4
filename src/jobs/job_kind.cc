#include "jobs/job_kind.h"

namespace easel::jobs {

Status JobKind::ValidateSpec(const Json& spec) const {
  if (!spec.is_object()) {
    return Status(StatusCode::kInvalidArgument, "job spec must be a JSON object",
                  Json{{"field", "spec"}});
  }
  return validate ? validate(spec) : OkStatus();
}

Json JobKindToJson(const JobKind& kind) {
  return Json{{"name", kind.name},
              {"description", kind.description},
              {"params_schema", kind.params_schema},
              {"test_only", kind.test_only}};
}

Status JobKindRegistry::Register(JobKind kind) {
  bool valid_name = !kind.name.empty() && kind.name.size() <= 64;
  for (char c : kind.name) {
    valid_name = valid_name && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
  }
  if (!valid_name) return InvalidArgument("job kind names are 1 to 64 characters of a-z 0-9 _");
  if (!kind.run) return InvalidArgument("job kind '" + kind.name + "' has no run function");
  if (kinds_.count(kind.name)) {
    return AlreadyExists("job kind '" + kind.name + "' is already registered");
  }
  std::string name = kind.name;
  kinds_.emplace(std::move(name), std::move(kind));
  return OkStatus();
}

Result<const JobKind*> JobKindRegistry::Find(const std::string& name) const {
  auto it = kinds_.find(name);
  if (it != kinds_.end()) return &it->second;
  std::string known;
  Json names = Json::array();
  for (const auto& [n, k] : kinds_) {
    known += (known.empty() ? "" : ", ") + n;
    names.push_back(n);
  }
  return Status(StatusCode::kNotFound,
                "unknown job kind; known kinds: " + (known.empty() ? "(none)" : known),
                Json{{"field", "kind"}, {"known", std::move(names)}});
}

std::vector<const JobKind*> JobKindRegistry::List() const {
  std::vector<const JobKind*> out;
  for (const auto& [n, k] : kinds_) out.push_back(&k);
  return out;
}

}  // namespace easel::jobs
