#pragma once
// The trainer registry: every training algorithm easel offers, self-described (name,
// description, what it trains on, parameter schema, capabilities) for `GET /api/v1/algorithms`
// and for validating a train spec at submit time, with the functions that train and load its
// models. Entries are registered from one list (builtin_algorithms.cc) by the composition
// root; nothing registers itself.
//
// Register is not thread-safe; once registration is done the const methods may be called
// from any number of threads.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "train/trainer_api.h"

namespace easel::train {

// What an algorithm learns from.
enum class InputKind { kTabular, kImage };

struct Algorithm {
  std::string name;  // the `algorithm` of a train spec
  std::string description;
  InputKind input = InputKind::kTabular;
  // The tasks it can learn: "binary", "multiclass", "regression".
  std::vector<std::string> tasks;
  // The model format its versions have ("xgboost", "torch_tabular", "torch_image"): how a
  // stored version is loaded again.
  std::string format;
  Json params_schema = Json::object();
  bool cuda = false;  // can run with resources.device = "cuda" (in a CUDA build)
  // Tabular models that cannot take missing values or unscaled inputs: the default transform
  // pipeline imputes and standardizes numeric columns for them.
  bool needs_scaled_inputs = false;

  std::function<Result<ModelFiles>(const TabularProblem&, const Json& params, uint64_t seed,
                                   const Resources&, TrainHooks&)>
      train_tabular;
  std::function<Result<ModelFiles>(const ImageProblem&, const Json& params, uint64_t seed,
                                   const Resources&, TrainHooks&,
                                   std::optional<std::string_view> initial_weights)>
      train_image;
};

// {name, description, input, tasks, format, params_schema, capabilities: {cpu, cuda,
// distributed}}.
Json AlgorithmToJson(const Algorithm& a);

// How to load a stored model of one format.
struct ModelLoader {
  std::function<Result<std::unique_ptr<TabularPredictor>>(const ModelFiles&)> tabular;
  std::function<Result<std::unique_ptr<ImagePredictor>>(const ModelFiles&, const Resources&)>
      image;
};

class AlgorithmRegistry {
 public:
  // INVALID_ARGUMENT for an entry without a name or a train function; ALREADY_EXISTS for a
  // name registered before.
  Status Register(Algorithm algorithm);
  Status RegisterLoader(const std::string& format, ModelLoader loader);
  // NOT_FOUND whose message lists the known algorithms.
  Result<const Algorithm*> Find(std::string_view name) const;
  // NOT_FOUND for a format no loader reads.
  Result<const ModelLoader*> FindLoader(std::string_view format) const;
  // Sorted by name.
  std::vector<const Algorithm*> List() const;

 private:
  std::map<std::string, Algorithm, std::less<>> algorithms_;
  std::map<std::string, ModelLoader, std::less<>> loaders_;
};

// The one list of built-in algorithms: xgboost, linear, mlp, image_classifier.
void RegisterBuiltinAlgorithms(AlgorithmRegistry& registry);

}  // namespace easel::train
