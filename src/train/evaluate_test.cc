#include "train/evaluate.h"

#include <gtest/gtest.h>

#include <cmath>

namespace easel::train {
namespace {

// P(class 1) is a logistic function of feature 0 only; feature 1 is ignored.
class FirstFeatureModel : public TabularPredictor {
 public:
  Result<std::vector<float>> Predict(data::transforms::FeatureView x) const override {
    std::vector<float> out;
    for (size_t i = 0; i < x.rows; ++i) {
      const float p = 1.0f / (1.0f + std::exp(-4.0f * x.data[i * x.cols]));
      out.push_back(1 - p);
      out.push_back(p);
    }
    return out;
  }
  size_t num_outputs() const override { return 2; }
};

TEST(EvaluateTabularTest, PermutationImportanceFindsTheFeatureTheModelUses) {
  TabularSplit split;
  split.x.cols = 2;
  for (int i = 0; i < 200; ++i) {
    const float a = static_cast<float>(i % 20) / 10.0f - 1.0f;  // -1 .. 0.9
    const float b = static_cast<float>((i * 7) % 13);
    split.x.data.insert(split.x.data.end(), {a, b});
    split.x.rows++;
    split.y.push_back(a > 0 ? 1.0f : 0.0f);
  }
  FirstFeatureModel model;
  Result<Json> e = EvaluateTabular(model, Task::kBinary, {"no", "yes"}, split, {"signal", "noise"});
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  const Json& importance = (*e)["permutation_importance"];
  ASSERT_EQ(importance.size(), 2u);
  EXPECT_EQ(importance[0]["feature"], "signal");
  EXPECT_GT(importance[0]["importance"].get<double>(), 0.1);
  EXPECT_EQ(importance[1]["feature"], "noise");
  EXPECT_DOUBLE_EQ(importance[1]["importance"].get<double>(), 0.0);

  // Without names (or with the wrong number of them) there is no importance.
  EXPECT_FALSE(EvaluateTabular(model, Task::kBinary, {"no", "yes"}, split)
                   ->contains("permutation_importance"));
  EXPECT_FALSE(EvaluateTabular(model, Task::kBinary, {"no", "yes"}, split, {"one"})
                   ->contains("permutation_importance"));
}

}  // namespace
}  // namespace easel::train
