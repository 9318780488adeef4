#include "train/params.h"

#include <gtest/gtest.h>

namespace easel::train {
namespace {

const Json kSchema = Json::parse(R"({
  "type": "object",
  "properties": {
    "max_depth": {"type": "integer", "default": 6, "minimum": 0, "maximum": 64},
    "learning_rate": {"type": "number", "default": 0.3, "exclusiveMinimum": 0, "maximum": 1},
    "tree_method": {"type": "string", "default": "hist", "enum": ["hist", "approx", "exact"]},
    "augment": {"type": "boolean", "default": true},
    "hidden_layers": {"type": "array", "default": [64], "items": {"type": "integer", "minimum": 1},
                      "minItems": 1, "maxItems": 8},
    "initial": {"type": "string"}
  }
})");

TEST(ResolveParams, FillsDefaultsAndKeepsGivenValues) {
  auto r = ResolveParams(kSchema, Json{{"max_depth", 3}, {"hidden_layers", {32, 16}}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)["max_depth"], 3);
  EXPECT_EQ((*r)["learning_rate"], 0.3);
  EXPECT_EQ((*r)["tree_method"], "hist");
  EXPECT_EQ((*r)["augment"], true);
  EXPECT_EQ((*r)["hidden_layers"], Json::array({32, 16}));
  EXPECT_FALSE(r->contains("initial"));  // no default, not given
  EXPECT_EQ(*ResolveParams(kSchema, Json()), *ResolveParams(kSchema, Json::object()));
  // null asks for the default.
  EXPECT_EQ((*ResolveParams(kSchema, Json{{"max_depth", nullptr}}))["max_depth"], 6);
}

TEST(ResolveParams, EachBadValueNamesTheParameter) {
  struct Case {
    Json given;
    std::string param;
    std::string words;
  };
  const Case cases[] = {
      {{{"depth", 3}}, "depth", "known parameters: augment, hidden_layers"},
      {{{"max_depth", 3.0}}, "max_depth", "must be an integer"},
      {{{"max_depth", "3"}}, "max_depth", "must be an integer"},
      {{{"max_depth", 65}}, "max_depth", "in [0, 64]"},
      {{{"max_depth", -1}}, "max_depth", "in [0, 64]"},
      {{{"learning_rate", 0}}, "learning_rate", "greater than 0"},
      {{{"learning_rate", 1.5}}, "learning_rate", "in [-inf, 1]"},
      {{{"tree_method", "gpu_hist"}}, "tree_method", "one of hist, approx, exact"},
      {{{"augment", 1}}, "augment", "must be a boolean"},
      {{{"hidden_layers", Json::array()}}, "hidden_layers", "between 1 and 8 items"},
      {{{"hidden_layers", {4, 0}}}, "hidden_layers[1]", "in [1, inf]"},
      {{{"hidden_layers", {4, "x"}}}, "hidden_layers[1]", "must be an integer"},
  };
  for (const Case& c : cases) {
    auto r = ResolveParams(kSchema, c.given);
    ASSERT_FALSE(r.ok()) << c.given.dump();
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("params." + c.param), std::string::npos)
        << r.status().message();
    EXPECT_NE(r.status().message().find(c.words), std::string::npos) << r.status().message();
  }
  EXPECT_EQ(ResolveParams(kSchema, Json::array()).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace easel::train
