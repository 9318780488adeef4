#pragma once
// The transform op registry: every op a pipeline step may name, with its description and
// parameter schema. The schema validates specs (unknown or ill-typed parameters are refused
// with the step index and the parameter name) and describes the ops to users (the API and the
// console draw forms from DescribeOps). The list itself is in ops.cc, one explicit entry per
// op.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "data/dataset_type.h"

namespace easel::data::transforms {

enum class ParamType {
  kBool,
  kInt,
  kNumber,
  kString,      // with `choices`, one of them
  kScalar,      // a string or a number
  kStringList,  // with `choices`, each item one of them
  kIntList,
  kNumberList,
};
std::string_view ToString(ParamType type);  // "bool", "int", ..., "string_list"

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::kString;
  std::string description;
  // Required parameters have no default. An optional one without default is absent (null)
  // unless given.
  bool required = false;
  Json default_value;  // null: no default
  // Bounds of numbers and ints, and of every item of number and int lists.
  std::optional<double> min, max;
  std::vector<std::string> choices;
  // Item counts of lists.
  size_t min_items = 0;
  size_t max_items = SIZE_MAX;
};

// A step's parameters after validation: every declared parameter is present, defaults filled
// in (null for an absent optional one). The getters cannot fail because the values have been
// checked against the schema.
class Params {
 public:
  explicit Params(Json values) : values_(std::move(values)) {}
  bool Has(std::string_view name) const;  // present and not null
  bool Bool(std::string_view name) const;
  int64_t Int(std::string_view name) const;
  double Number(std::string_view name) const;
  std::string String(std::string_view name) const;
  std::vector<std::string> Strings(std::string_view name) const;
  std::vector<int64_t> Ints(std::string_view name) const;
  std::vector<double> Numbers(std::string_view name) const;
  const Json& Raw(std::string_view name) const;
  const Json& json() const { return values_; }

 private:
  Json values_;
};

class RecordStep;
class ImageStep;
struct RecordStepContext;
struct ImageStepContext;

struct OpInfo {
  std::string name;
  std::string description;
  // The dataset types whose pipelines may use the op.
  std::vector<DatasetType> types;
  std::vector<ParamSpec> params;
  // Exactly one is set, by the kind of data the op works on. They may refuse combinations of
  // parameters the schema cannot express (INVALID_ARGUMENT naming the step).
  std::function<Result<std::unique_ptr<RecordStep>>(RecordStepContext&)> make_record;
  std::function<Result<std::unique_ptr<ImageStep>>(ImageStepContext&)> make_image;

  bool AppliesTo(DatasetType type) const;
};

// Every op, in the order of ops.cc.
const std::vector<OpInfo>& AllOps();

// The op named `name` for a pipeline of `type`. INVALID_ARGUMENT (naming the step) for an
// unknown name, listing the ops known for `type`, or for an op of another dataset type.
Result<const OpInfo*> FindOp(std::string_view name, DatasetType type, int step_index);

// Checks one step object of a spec against the op's schema and returns its full parameters
// (defaults filled in, "op" included): the form stored in the resolved spec. INVALID_ARGUMENT
// "steps[2] (one_hot): ..." naming the parameter, with details {step, op, param}.
Result<Params> ResolveParams(const OpInfo& op, const Json& step, int step_index);

// The error every step reports: "steps[<index>] (<op>): <message>", details {step, op[, param]}.
Status StepError(int step_index, std::string_view op, std::string_view param, std::string message);

// The ops for `type` as shown to users: [{name, description, params: [{name, type,
// description, required, default?, min?, max?, choices?, min_items?, max_items?}]}].
Json DescribeOps(DatasetType type);

}  // namespace easel::data::transforms
