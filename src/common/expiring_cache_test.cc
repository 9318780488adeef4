#include "common/expiring_cache.h"

#include <gtest/gtest.h>

namespace easel {
namespace {

TEST(ExpiringCacheTest, ForgetsAfterTheTtl) {
  ExpiringCache<int> cache(1000, 10);
  cache.Put("a", 1, 5000);
  EXPECT_EQ(cache.Get("a", 5999), 1);
  EXPECT_FALSE(cache.Get("a", 6000).has_value());
  EXPECT_FALSE(cache.Get("b", 5000).has_value());
}

TEST(ExpiringCacheTest, EmptiesWhenFullAndErasesByValue) {
  ExpiringCache<int> cache(1000, 2);
  cache.Put("a", 1, 0);
  cache.Put("b", 2, 0);
  cache.Put("c", 3, 0);  // full: starts over
  EXPECT_FALSE(cache.Get("a", 0).has_value());
  EXPECT_EQ(cache.Get("c", 0), 3);
  cache.Put("d", 4, 0);
  cache.EraseIf([](int v) { return v == 4; });
  EXPECT_FALSE(cache.Get("d", 0).has_value());
  EXPECT_EQ(cache.Get("c", 0), 3);
  cache.Clear();
  EXPECT_FALSE(cache.Get("c", 0).has_value());
}

}  // namespace
}  // namespace easel
