#pragma once
// The search space of a hyperparameter study: which trainer parameters vary, over which
// domain, and when (a parameter may only matter for some values of a categorical parent).
//
// Users write it as a JSON object inside an `hpo` job spec:
//   {"learning_rate": {"type": "log_uniform", "low": 1e-4, "high": 0.1},
//    "max_depth":     {"type": "int", "low": 2, "high": 10, "step": 2},
//    "optimizer":     {"type": "categorical", "choices": ["sgd", "adamw"]},
//    "momentum":      {"type": "uniform", "low": 0.5, "high": 0.99,
//                      "when": {"optimizer": ["sgd"]}}}
// A trial's assignment is the JSON object of trainer parameters it gets: int values are JSON
// integers, uniform and log_uniform values JSON numbers, categorical values the choice itself;
// inactive parameters are absent.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"

namespace easel::automl {

enum class DomainType { kUniform, kLogUniform, kInt, kCategorical };

// "uniform", "log_uniform", "int", "categorical": the names used in the JSON.
std::string_view DomainTypeName(DomainType type);

// The parameter is active only when `parent` is active and holds one of `values`.
struct Condition {
  std::string parent;
  std::vector<Json> values;
};

struct ParamSpec {
  std::string name;
  DomainType type = DomainType::kUniform;
  // uniform, log_uniform, int: the closed range [low, high]. For int both are integral and the
  // values are low, low + step, ... up to high.
  double low = 0;
  double high = 0;
  int64_t step = 1;             // int only
  bool log = false;             // int only: log-scaled sampling (log_uniform is always log-scaled)
  std::vector<Json> choices;    // categorical only: distinct scalars, in the user's order
  std::vector<Condition> when;  // all must hold for the parameter to be active

  bool log_scale() const { return type == DomainType::kLogUniform || log; }
  // int only: how many values the range holds, and the k-th of them (0-based).
  int64_t IntCount() const;
  int64_t IntValue(int64_t k) const;
  // categorical only: the index of `value` among the choices, or -1.
  int ChoiceIndex(const Json& value) const;
  // OK when `value` is a value this domain can produce (type, range, step, choice);
  // INVALID_ARGUMENT naming the parameter otherwise. Conditions are not looked at.
  Status CheckValue(const Json& value) const;
};

// True when every condition of `spec` holds in `assignment` (a parent absent from it is
// inactive, which makes its children inactive too).
bool IsActive(const ParamSpec& spec, const Json& assignment);

// An immutable, validated search space. Cheap to copy; thread-safe to share.
class SearchSpace {
 public:
  // Parses and validates `space` against the trainer's parameter schema
  // ({"type": "object", "properties": {name: {type, minimum, maximum, enum, ...}}}).
  // Any problem answers INVALID_ARGUMENT with a sentence naming the parameter and details
  // {"param": name}: not an object or empty; unknown domain type or key; bounds that are not
  // finite, not ordered, not positive for log domains, not integral for int, or outside the
  // schema's bounds; step not a positive integer; choices empty, duplicated, not scalars or not
  // allowed by the schema; a name that is not a schema property (the error lists the known
  // ones); a domain whose values the schema's type does not accept; a `when` naming itself, an
  // unknown or non-categorical parameter, a value that is not among the parent's choices, or
  // forming a cycle.
  static Result<SearchSpace> FromJson(const Json& space, const Json& params_schema);

  // The space in the form FromJson reads (defaults omitted); FromJson(ToJson()) gives back an
  // equal space.
  Json ToJson() const;

  // Parents before children, otherwise by name: a deterministic order samplers walk.
  const std::vector<ParamSpec>& params() const { return params_; }
  // Null when the space has no such parameter.
  const ParamSpec* Find(std::string_view name) const;

  // The space with categorical `name` fixed to `value` (its only choice), without the
  // parameters that can then never be active. Samplers given it skip the trials of the full
  // space that chose otherwise. INVALID_ARGUMENT when `name` is not a categorical parameter
  // with that choice.
  Result<SearchSpace> Restrict(std::string_view name, const Json& value) const;
  // Checks a trial's assignment: an object holding exactly the active parameters, each with a
  // value its domain can produce. INVALID_ARGUMENT naming the first offending parameter.
  Status Validate(const Json& assignment) const;

 private:
  explicit SearchSpace(std::vector<ParamSpec> params) : params_(std::move(params)) {}
  std::vector<ParamSpec> params_;
};

// INVALID_ARGUMENT "search_space.<param> <sentence>" with details {"param": param}.
Status SpaceError(const std::string& param, const std::string& sentence);

}  // namespace easel::automl
