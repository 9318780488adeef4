#pragma once
// A forest of binary decision trees as the `extra_trees` trainer grows and stores them, and as
// its predictor walks them. Plain data, no training logic.
//
// Stored as safetensors (common/safetensors.h, metadata {"format": "easel_forest"}): every
// tree's nodes one after another in the columns feature (I32), threshold (F32), left and right
// (I32) and missing_left (U8), every tree's leaf values one after another in values (F32), and
// each tree's counts of both in tree_nodes and tree_values (I32).

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace easel::train::forest {

struct Node {
  int32_t feature = -1;  // -1: a leaf
  float threshold = 0;   // a row goes left when its value is <= threshold
  // Internal nodes: the children's indices, always greater than this node's own (so every walk
  // ends). Leaves: `left` is the offset of the leaf's outputs in Tree::values.
  uint32_t left = 0;
  uint32_t right = 0;
  bool missing_left = false;  // where a row whose value is NaN goes
};

struct Tree {
  std::vector<Node> nodes;    // nodes[0] is the root
  std::vector<float> values;  // each leaf's num_outputs values, one after another
};

// Class probabilities below this count as this much before calibration, so that a class no
// tree voted for keeps a small probability.
constexpr double kProbabilityFloor = 1e-4;

// Calibrates a forest's averaged class frequencies in place: p_k <- max(p_k, floor)^power,
// renormalized. Leaf frequencies of fully grown trees are under-confident (averaging pulls
// them toward the middle); a power above 1, fitted on out-of-bag rows, sharpens them.
void Calibrate(std::span<float> probs, double power);

// The outputs of the leaf `row` (num_features floats, NaN: missing) reaches.
const float* LeafValues(const Tree& tree, const float* row);

std::string SerializeTrees(std::span<const Tree> trees);

// The trees of SerializeTrees's output. INVALID_ARGUMENT for a truncated or malformed file: not
// a safetensors file, another format, a missing column or one of another type or length, no
// trees, a negative count or index, a tree without nodes, a feature outside [0, num_features),
// a child that does not come after its parent or lies past the tree's end, a leaf whose
// outputs lie past its tree's values, a value count other than leaves times outputs, a value
// that is not finite.
Result<std::vector<Tree>> ParseTrees(std::string_view bytes, int num_features, int num_outputs);

}  // namespace easel::train::forest
