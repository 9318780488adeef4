#include "data/transforms/hash.h"

#include <gtest/gtest.h>

#include <set>

#include "data/transforms/types.h"

namespace easel::data::transforms {
namespace {

// Reference values from scikit-learn 1.2: sklearn.utils.murmurhash3_32(s, seed) (signed).
TEST(MurmurHash3Test, MatchesScikitLearn) {
  EXPECT_EQ(MurmurHash3_32("", 0), 0u);
  EXPECT_EQ(MurmurHash3_32("hello", 0), 613153351u);
  EXPECT_EQ(MurmurHash3_32("The quick brown fox jumps over the lazy dog", 0), 776992547u);
  EXPECT_EQ(static_cast<int32_t>(MurmurHash3_32("sex=male", 0)), -887876418);
  EXPECT_EQ(MurmurHash3_32("\xc3\xa9", 0), 269551495u);  // "é"
  EXPECT_EQ(MurmurHash3_32("hello", 42), 3806057185u);
}

TEST(RngTest, DeterministicAndInRange) {
  Rng a(7), b(7), c(8);
  bool differs = false;
  for (int i = 0; i < 1000; ++i) {
    double x = a.Uniform();
    EXPECT_EQ(x, b.Uniform());
    EXPECT_GE(x, 0.0);
    EXPECT_LT(x, 1.0);
    differs = differs || x != c.Uniform();
  }
  EXPECT_TRUE(differs);
  Rng r(1);
  std::set<uint64_t> seen;
  for (int i = 0; i < 1000; ++i) {
    uint64_t v = r.Below(5);
    EXPECT_LT(v, 5u);
    seen.insert(v);
  }
  EXPECT_EQ(seen.size(), 5u);
}

TEST(AugmentationSeedTest, DependsOnEveryPart) {
  uint64_t s = AugmentationSeed(42, 3, "abc");
  EXPECT_EQ(s, AugmentationSeed(42, 3, "abc"));
  EXPECT_NE(s, AugmentationSeed(43, 3, "abc"));
  EXPECT_NE(s, AugmentationSeed(42, 4, "abc"));
  EXPECT_NE(s, AugmentationSeed(42, 3, "abd"));
}

}  // namespace
}  // namespace easel::data::transforms
