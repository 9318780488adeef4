// The stored forest: what SerializeTrees writes ParseTrees reads back, and ParseTrees refuses
// every malformed file instead of walking out of bounds later.

#include "train/trainers/forest/forest_model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>

#include "common/safetensors.h"

namespace easel::train::forest {
namespace {

using ::testing::HasSubstr;

// x0 <= 0.5 ? (x1 <= 2 ? leaf A : leaf B) : leaf C, missing x0 going right; two outputs.
Tree SmallTree() {
  Tree t;
  t.nodes = {{0, 0.5f, 1, 2, false},
             {1, 2.0f, 3, 4, true},
             {-1, 0, 0, 0, false},
             {-1, 0, 2, 0, false},
             {-1, 0, 4, 0, false}};
  t.values = {0.1f, 0.9f, 0.2f, 0.8f, 0.3f, 0.7f};
  return t;
}

TEST(ForestModelTest, WalksToTheRightLeaf) {
  Tree t = SmallTree();
  float left_left[] = {0.0f, 1.0f};
  float left_right[] = {0.5f, 3.0f};
  float right[] = {0.6f, 0.0f};
  float missing_first[] = {NAN, 0.0f};
  float missing_second[] = {0.0f, NAN};
  EXPECT_EQ(LeafValues(t, left_left)[0], 0.2f);
  EXPECT_EQ(LeafValues(t, left_right)[0], 0.3f);
  EXPECT_EQ(LeafValues(t, right)[0], 0.1f);
  EXPECT_EQ(LeafValues(t, missing_first)[0], 0.1f);   // the root sends missing values right
  EXPECT_EQ(LeafValues(t, missing_second)[0], 0.2f);  // node 1 sends them left
}

TEST(ForestModelTest, RoundTrips) {
  std::vector<Tree> trees = {SmallTree(), SmallTree()};
  trees[1].nodes[0].threshold = -4;
  std::string bytes = SerializeTrees(trees);
  Result<std::vector<Tree>> back = ParseTrees(bytes, 2, 2);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[1].nodes[0].threshold, -4);
  EXPECT_EQ((*back)[0].nodes[1].missing_left, true);
  EXPECT_EQ((*back)[0].values, trees[0].values);
  EXPECT_EQ(SerializeTrees(*back), bytes);
}

TEST(ForestModelTest, RefusesEveryTruncation) {
  std::string bytes = SerializeTrees(std::vector<Tree>{SmallTree()});
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(ParseTrees(bytes.substr(0, n), 2, 2).ok()) << n << " bytes";
  }
  EXPECT_THAT(ParseTrees(bytes + "x", 2, 2).status().message(), HasSubstr("unreadable"));
}

Status ParseChanged(void (*change)(Tree&), int num_features = 2, int num_outputs = 2) {
  std::vector<Tree> trees = {SmallTree()};
  change(trees[0]);
  return ParseTrees(SerializeTrees(trees), num_features, num_outputs).status();
}

TEST(ForestModelTest, RefusesMalformedTrees) {
  // A child that points back (a cycle), or past the end.
  EXPECT_THAT(ParseChanged([](Tree& t) { t.nodes[1].left = 0; }).message(), HasSubstr("node 1"));
  EXPECT_THAT(ParseChanged([](Tree& t) { t.nodes[1].right = 9; }).message(), HasSubstr("node 1"));
  EXPECT_THAT(ParseChanged([](Tree& t) { t.nodes[0].feature = 2; }).message(),
              HasSubstr("bad split"));
  EXPECT_THAT(ParseChanged([](Tree& t) { t.nodes[0].feature = -7; }).message(),
              HasSubstr("bad leaf"));
  EXPECT_THAT(ParseChanged([](Tree& t) { t.nodes[0].threshold = NAN; }).message(),
              HasSubstr("bad split"));
  EXPECT_THAT(ParseChanged([](Tree& t) { t.nodes[4].left = 5; }).message(), HasSubstr("bad leaf"));
  EXPECT_THAT(ParseChanged([](Tree& t) { t.values.push_back(0); }).message(),
              HasSubstr("7 values for 3 leaves"));
  EXPECT_THAT(ParseChanged([](Tree& t) { t.values[3] = INFINITY; }).message(),
              HasSubstr("not finite"));
  EXPECT_THAT(ParseChanged([](Tree& t) { t.nodes.clear(); }).message(), HasSubstr("no nodes"));
  EXPECT_FALSE(ParseChanged([](Tree&) {}, 2, 3).ok());  // three outputs per leaf: too few values
  EXPECT_TRUE(ParseChanged([](Tree&) {}).ok());
  EXPECT_THAT(ParseTrees(SerializeTrees({}), 2, 2).status().message(), HasSubstr("no trees"));
  EXPECT_THAT(ParseTrees("not a forest", 2, 2).status().message(), HasSubstr("unreadable"));
  // Another safetensors file, or this one with a column of another type or length.
  safetensors::Writer other;
  ASSERT_TRUE(other.Add("weights", safetensors::DType::kF32, {1}, std::string(4, '\0')).ok());
  EXPECT_THAT(ParseTrees(other.Finish(), 2, 2).status().message(), HasSubstr("not an easel"));
  const safetensors::File good =
      safetensors::File::Parse(SerializeTrees(std::vector<Tree>{SmallTree()})).value();
  auto rewritten = [&](const std::string& name, safetensors::DType dtype, std::string data) {
    safetensors::Writer w;
    for (const safetensors::TensorInfo& t : good.tensors()) {
      if (t.name == name) {
        EXPECT_TRUE(
            w.Add(t.name, dtype, {static_cast<int64_t>(data.size() / DTypeSize(dtype))}, data)
                .ok());
      } else {
        EXPECT_TRUE(w.Add(t.name, t.dtype, t.shape, t.data).ok());
      }
    }
    w.SetMetadata(good.metadata());
    return ParseTrees(w.Finish(), 2, 2).status();
  };
  EXPECT_THAT(rewritten("threshold", safetensors::DType::kF64, std::string(5 * 8, '\0')).message(),
              HasSubstr("'threshold' is not F32 of 5 elements"));
  EXPECT_THAT(rewritten("left", safetensors::DType::kI32, std::string(4 * 4, '\0')).message(),
              HasSubstr("'left' is not I32 of 5 elements"));
  const int32_t minus_one = -1;
  EXPECT_THAT(rewritten("tree_values", safetensors::DType::kI32,
                        std::string(reinterpret_cast<const char*>(&minus_one), 4))
                  .message(),
              HasSubstr("negative"));
}

TEST(ForestModelTest, CalibrationSharpensAndFloors) {
  std::vector<float> p = {0.6f, 0.3f, 0.1f};
  Calibrate(p, 1.0);
  EXPECT_NEAR(p[0], 0.6, 1e-6);
  Calibrate(p, 2.0);  // 0.36 : 0.09 : 0.01
  EXPECT_NEAR(p[0], 0.36 / 0.46, 1e-6);
  EXPECT_NEAR(p[2], 0.01 / 0.46, 1e-6);
  std::vector<float> zero = {1.0f, 0.0f};
  Calibrate(zero, 1.0);
  EXPECT_GT(zero[1], 0.0f);  // a class no tree voted for keeps the floor
  EXPECT_NEAR(zero[0] + zero[1], 1.0, 1e-6);
}

}  // namespace
}  // namespace easel::train::forest
