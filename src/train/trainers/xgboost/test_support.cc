#include "train/trainers/xgboost/test_support.h"

#include "train/trainers/xgboost/xgboost_trainer.h"

namespace easel::train::xgboost::testing {

Json Params(const Json& overrides) {
  Json p = Json::object();
  const Json schema = ParamsSchema();
  for (const auto& [name, spec] : schema["properties"].items()) p[name] = spec["default"];
  for (const auto& [name, value] : overrides.items()) p[name] = value;
  return p;
}

}  // namespace easel::train::xgboost::testing
