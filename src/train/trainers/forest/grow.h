#pragma once
// Growing one extremely randomized tree (Geurts, Ernst and Wehenkel, 2006): at each node a few
// features are drawn at random, each gets one threshold drawn uniformly between its smallest
// and largest value in the node, and the best of those splits is kept. Classification trees
// minimize Gini impurity and keep class frequencies in their leaves; regression trees minimize
// squared error and keep means.

#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "data/transforms/types.h"
#include "train/trainers/forest/forest_model.h"

namespace easel::train::forest {

// The training features stored column by column: the split search reads one feature of many
// rows at a time, which row-major storage would scatter over the cache.
struct Columns {
  size_t rows = 0;
  size_t cols = 0;
  std::vector<float> data;  // data[col * rows + row]

  static Columns From(const data::transforms::FeatureMatrix& x);
  float at(uint32_t row, int col) const { return data[size_t(col) * rows + row]; }
};

struct GrowOptions {
  int num_classes = 0;       // 0: regression
  int max_features = 1;      // features tried per node (constant ones in the node do not count)
  int min_samples_leaf = 1;  // rows each child keeps at least
  int max_depth = 0;         // 0: unlimited
};

// A tree over `rows` of x (indices, repeats allowed: a bootstrap sample). y holds class
// indices (classification) or values. Rows whose feature value is NaN go to the child where
// they lower the impurity most.
Tree GrowTree(const Columns& x, std::span<const float> y, std::vector<uint32_t> rows,
              const GrowOptions& options, std::mt19937_64& rng);

}  // namespace easel::train::forest
