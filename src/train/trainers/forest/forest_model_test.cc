// trees.bin: what SerializeTrees writes ParseTrees reads back, and ParseTrees refuses every
// malformed file instead of walking out of bounds later.

#include "train/trainers/forest/forest_model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

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
  EXPECT_THAT(ParseTrees(bytes + "x", 2, 2).status().message(), HasSubstr("after its last"));
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
  EXPECT_THAT(ParseTrees("EZTREES1", 2, 2).status().message(), HasSubstr("no trees"));
  EXPECT_THAT(ParseTrees("not a forest", 2, 2).status().message(), HasSubstr("not an easel"));
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
