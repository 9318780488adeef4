#include "train/trainers/forest/forest_model.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <string>

#include "common/safetensors.h"

namespace easel::train::forest {

static_assert(std::endian::native == std::endian::little, "the trees are stored little-endian");

namespace {

using safetensors::DType;

constexpr const char* kFormat = "easel_forest";

template <typename T>
std::string_view BytesOf(const std::vector<T>& v) {
  return {reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T)};
}

Status Malformed(size_t tree, const std::string& what) {
  return InvalidArgument(fmt::format("the forest's tree {}: {}", tree, what));
}

// The column `name`: one dimension of `count` elements of `dtype` (count < 0: any).
Result<std::string_view> Column(const safetensors::File& file, const char* name, DType dtype,
                                int64_t count = -1) {
  const safetensors::TensorInfo* t = file.Find(name);
  if (t == nullptr) return InvalidArgument(fmt::format("the forest has no '{}'", name));
  if (t->dtype != dtype || t->shape.size() != 1 || (count >= 0 && t->shape[0] != count)) {
    return InvalidArgument(fmt::format("the forest's '{}' is not {} of {} elements", name,
                                       safetensors::DTypeName(dtype),
                                       count >= 0 ? std::to_string(count) : "one dimension"));
  }
  return t->data;
}

template <typename T>
std::vector<T> ValuesOf(std::string_view bytes) {
  std::vector<T> out(bytes.size() / sizeof(T));
  std::memcpy(out.data(), bytes.data(), out.size() * sizeof(T));
  return out;
}

// One tree's nodes and values against the model's shape (see ParseTrees).
Status CheckTree(size_t i, const Tree& t, int num_features, int num_outputs) {
  if (t.nodes.empty()) return Malformed(i, "no nodes");
  const size_t nodes = t.nodes.size();
  const size_t values = t.values.size();
  size_t leaves = 0;
  for (size_t k = 0; k < nodes; ++k) {
    const Node& n = t.nodes[k];
    if (n.feature < 0) {
      if (n.feature != -1 || n.left > values || values - n.left < uint32_t(num_outputs)) {
        return Malformed(i, fmt::format("node {} is a bad leaf", k));
      }
      ++leaves;
    } else if (n.feature >= num_features || n.left <= k || n.right <= k || n.left >= nodes ||
               n.right >= nodes || std::isnan(n.threshold)) {
      return Malformed(i, fmt::format("node {} is a bad split", k));
    }
  }
  if (values != leaves * size_t(num_outputs)) {
    return Malformed(
        i, fmt::format("{} values for {} leaves of {} outputs", values, leaves, num_outputs));
  }
  for (float v : t.values) {
    if (!std::isfinite(v)) return Malformed(i, "a leaf value is not finite");
  }
  return OkStatus();
}

}  // namespace

void Calibrate(std::span<float> probs, double power) {
  double total = 0;
  for (float& p : probs) {
    p = static_cast<float>(std::pow(std::max<double>(p, kProbabilityFloor), power));
    total += p;
  }
  for (float& p : probs) p = static_cast<float>(p / total);
}

const float* LeafValues(const Tree& tree, const float* row) {
  const Node* node = &tree.nodes[0];
  while (node->feature >= 0) {
    float v = row[node->feature];
    bool left = std::isnan(v) ? node->missing_left : v <= node->threshold;
    node = &tree.nodes[left ? node->left : node->right];
  }
  return tree.values.data() + node->left;
}

std::string SerializeTrees(std::span<const Tree> trees) {
  std::vector<int32_t> tree_nodes, tree_values, feature, left, right;
  std::vector<float> threshold, values;
  std::vector<uint8_t> missing_left;
  for (const Tree& t : trees) {
    tree_nodes.push_back(static_cast<int32_t>(t.nodes.size()));
    tree_values.push_back(static_cast<int32_t>(t.values.size()));
    for (const Node& n : t.nodes) {
      feature.push_back(n.feature);
      threshold.push_back(n.threshold);
      left.push_back(static_cast<int32_t>(n.left));
      right.push_back(static_cast<int32_t>(n.right));
      missing_left.push_back(n.missing_left ? 1 : 0);
    }
    values.insert(values.end(), t.values.begin(), t.values.end());
  }
  safetensors::Writer w;
  auto add = [&w](const char* name, DType dtype, std::string_view bytes) {
    const auto count = static_cast<int64_t>(bytes.size() / safetensors::DTypeSize(dtype));
    [[maybe_unused]] Status st = w.Add(name, dtype, {count}, bytes);  // sizes agree by construction
  };
  add("tree_nodes", DType::kI32, BytesOf(tree_nodes));
  add("tree_values", DType::kI32, BytesOf(tree_values));
  add("feature", DType::kI32, BytesOf(feature));
  add("threshold", DType::kF32, BytesOf(threshold));
  add("left", DType::kI32, BytesOf(left));
  add("right", DType::kI32, BytesOf(right));
  add("missing_left", DType::kU8, BytesOf(missing_left));
  add("values", DType::kF32, BytesOf(values));
  w.SetMetadata({{"format", kFormat}});
  return w.Finish();
}

Result<std::vector<Tree>> ParseTrees(std::string_view bytes, int num_features, int num_outputs) {
  auto file = safetensors::File::Parse(bytes);
  if (!file.ok()) return InvalidArgument("the forest is unreadable: " + file.status().message());
  auto format = file->metadata().find("format");
  if (format == file->metadata().end() || format->second != kFormat) {
    return InvalidArgument("the file is not an easel forest");
  }
  EASEL_ASSIGN_OR_RETURN(std::string_view node_counts, Column(*file, "tree_nodes", DType::kI32));
  const auto count = static_cast<int64_t>(node_counts.size() / 4);
  if (count == 0) return InvalidArgument("the forest holds no trees");
  EASEL_ASSIGN_OR_RETURN(std::string_view value_counts,
                         Column(*file, "tree_values", DType::kI32, count));
  const std::vector<int32_t> tree_nodes = ValuesOf<int32_t>(node_counts);
  const std::vector<int32_t> tree_values = ValuesOf<int32_t>(value_counts);
  int64_t nodes = 0, values = 0;
  for (int64_t i = 0; i < count; ++i) {
    if (tree_nodes[i] < 0 || tree_values[i] < 0) return Malformed(i, "a negative count");
    nodes += tree_nodes[i];
    values += tree_values[i];
  }
  EASEL_ASSIGN_OR_RETURN(std::string_view feature, Column(*file, "feature", DType::kI32, nodes));
  EASEL_ASSIGN_OR_RETURN(std::string_view threshold,
                         Column(*file, "threshold", DType::kF32, nodes));
  EASEL_ASSIGN_OR_RETURN(std::string_view left, Column(*file, "left", DType::kI32, nodes));
  EASEL_ASSIGN_OR_RETURN(std::string_view right, Column(*file, "right", DType::kI32, nodes));
  EASEL_ASSIGN_OR_RETURN(std::string_view missing_left,
                         Column(*file, "missing_left", DType::kU8, nodes));
  EASEL_ASSIGN_OR_RETURN(std::string_view leaf_values,
                         Column(*file, "values", DType::kF32, values));
  const auto features = ValuesOf<int32_t>(feature);
  const auto thresholds = ValuesOf<float>(threshold);
  const auto lefts = ValuesOf<int32_t>(left);
  const auto rights = ValuesOf<int32_t>(right);
  const auto all_values = ValuesOf<float>(leaf_values);

  std::vector<Tree> trees(static_cast<size_t>(count));
  size_t node_at = 0, value_at = 0;
  for (size_t i = 0; i < trees.size(); ++i) {
    Tree& t = trees[i];
    t.nodes.resize(static_cast<size_t>(tree_nodes[i]));
    for (Node& n : t.nodes) {
      if (lefts[node_at] < 0 || rights[node_at] < 0) return Malformed(i, "a negative index");
      n = {features[node_at], thresholds[node_at], static_cast<uint32_t>(lefts[node_at]),
           static_cast<uint32_t>(rights[node_at]), missing_left[node_at] != 0};
      ++node_at;
    }
    t.values.assign(all_values.begin() + value_at, all_values.begin() + value_at + tree_values[i]);
    value_at += static_cast<size_t>(tree_values[i]);
    EASEL_RETURN_IF_ERROR(CheckTree(i, t, num_features, num_outputs));
  }
  return trees;
}

}  // namespace easel::train::forest
