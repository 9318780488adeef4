#include "train/trainers/forest/forest_model.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

namespace easel::train::forest {

static_assert(std::endian::native == std::endian::little, "trees.bin is read as little-endian");

namespace {

constexpr std::string_view kMagic = "EZTREES1";

template <typename T>
void Put(std::string& out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.append(bytes, sizeof(T));
}

// Reads fixed-size values off the front of a byte string; false once it runs short.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : rest_(bytes) {}
  template <typename T>
  bool Get(T& value) {
    if (rest_.size() < sizeof(T)) return false;
    std::memcpy(&value, rest_.data(), sizeof(T));
    rest_.remove_prefix(sizeof(T));
    return true;
  }
  size_t left() const { return rest_.size(); }

 private:
  std::string_view rest_;
};

Status Malformed(size_t tree, const std::string& what) {
  return InvalidArgument(fmt::format("trees.bin: tree {}: {}", tree, what));
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
  std::string out(kMagic);
  Put<uint32_t>(out, static_cast<uint32_t>(trees.size()));
  for (const Tree& t : trees) {
    Put<uint32_t>(out, static_cast<uint32_t>(t.nodes.size()));
    Put<uint32_t>(out, static_cast<uint32_t>(t.values.size()));
    for (const Node& n : t.nodes) {
      Put<int32_t>(out, n.feature);
      Put<float>(out, n.threshold);
      Put<uint32_t>(out, n.left);
      Put<uint32_t>(out, n.right);
      Put<uint8_t>(out, n.missing_left ? 1 : 0);
    }
    for (float v : t.values) Put<float>(out, v);
  }
  return out;
}

Result<std::vector<Tree>> ParseTrees(std::string_view bytes, int num_features, int num_outputs) {
  if (!bytes.starts_with(kMagic)) return InvalidArgument("trees.bin is not an easel forest");
  Reader in(bytes.substr(kMagic.size()));
  uint32_t count = 0;
  if (!in.Get(count) || count == 0) return InvalidArgument("trees.bin holds no trees");
  constexpr size_t kNodeBytes = 17;
  std::vector<Tree> trees;
  for (size_t i = 0; i < count; ++i) {
    uint32_t nodes = 0;
    uint32_t values = 0;
    if (!in.Get(nodes) || !in.Get(values)) return Malformed(i, "truncated");
    if (nodes == 0) return Malformed(i, "no nodes");
    // Sizes are checked against what is left before anything is allocated.
    if (in.left() / kNodeBytes < nodes || (in.left() - nodes * kNodeBytes) / 4 < values) {
      return Malformed(i, "truncated");
    }
    Tree t;
    t.nodes.resize(nodes);
    t.values.resize(values);
    size_t leaves = 0;
    for (uint32_t k = 0; k < nodes; ++k) {
      Node& n = t.nodes[k];
      uint8_t missing_left = 0;
      in.Get(n.feature);
      in.Get(n.threshold);
      in.Get(n.left);
      in.Get(n.right);
      in.Get(missing_left);
      n.missing_left = missing_left != 0;
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
    for (float& v : t.values) {
      in.Get(v);
      if (!std::isfinite(v)) return Malformed(i, "a leaf value is not finite");
    }
    trees.push_back(std::move(t));
  }
  if (in.left() != 0) return InvalidArgument("trees.bin has bytes after its last tree");
  return trees;
}

}  // namespace easel::train::forest
