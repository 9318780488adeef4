#include "train/algorithms.h"

namespace easel::train {

Json AlgorithmToJson(const Algorithm& a) {
  return {{"name", a.name},
          {"description", a.description},
          {"input", a.input == InputKind::kTabular ? "tabular" : "image"},
          {"tasks", a.tasks},
          {"format", a.format},
          {"params_schema", a.params_schema},
          {"capabilities", {{"cpu", true}, {"cuda", a.cuda}, {"distributed", false}}}};
}

Status AlgorithmRegistry::Register(Algorithm algorithm) {
  if (algorithm.name.empty()) return InvalidArgument("an algorithm needs a name");
  bool trains = algorithm.input == InputKind::kTabular ? bool(algorithm.train_tabular)
                                                       : bool(algorithm.train_image);
  if (!trains) return InvalidArgument("algorithm '" + algorithm.name + "' has no train function");
  if (algorithms_.contains(algorithm.name)) {
    return AlreadyExists("algorithm '" + algorithm.name + "' is already registered");
  }
  std::string name = algorithm.name;
  algorithms_.emplace(std::move(name), std::move(algorithm));
  return OkStatus();
}

Status AlgorithmRegistry::RegisterLoader(const std::string& format, ModelLoader loader) {
  if (loaders_.contains(format)) {
    return AlreadyExists("a loader for format '" + format + "' is already registered");
  }
  loaders_.emplace(format, std::move(loader));
  return OkStatus();
}

Result<const Algorithm*> AlgorithmRegistry::Find(std::string_view name) const {
  auto it = algorithms_.find(name);
  if (it != algorithms_.end()) return &it->second;
  std::string known;
  for (const auto& [n, a] : algorithms_) known += (known.empty() ? "" : ", ") + n;
  return Status(StatusCode::kNotFound,
                "unknown algorithm '" + std::string(name) + "'; known algorithms: " + known,
                Json{{"field", "algorithm"}});
}

Result<const ModelLoader*> AlgorithmRegistry::FindLoader(std::string_view format) const {
  auto it = loaders_.find(format);
  if (it == loaders_.end()) {
    return NotFound("easel cannot load models of format '" + std::string(format) + "'");
  }
  return &it->second;
}

std::vector<const Algorithm*> AlgorithmRegistry::List() const {
  std::vector<const Algorithm*> out;
  for (const auto& [name, a] : algorithms_) out.push_back(&a);
  return out;
}

}  // namespace easel::train
