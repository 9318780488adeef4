#include "train/trainers/forest/grow.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace easel::train::forest {

namespace {

// The sufficient statistics of a set of rows: per-class counts (classification) or the sum and
// the sum of squares of y (regression), and the number of rows.
struct Stats {
  std::vector<double> s;
  double n = 0;

  explicit Stats(int width) : s(width, 0.0) {}
  void Add(float y, bool classification) {
    if (classification) {
      s[static_cast<size_t>(y)] += 1;
    } else {
      s[0] += y;
      s[1] += double(y) * y;
    }
    n += 1;
  }
  void Clear() {
    std::fill(s.begin(), s.end(), 0.0);
    n = 0;
  }
  void Combine(const Stats& other, double sign) {
    for (size_t k = 0; k < s.size(); ++k) s[k] += sign * other.s[k];
    n += sign * other.n;
  }
  // Rows times impurity: Gini for classes, the variance for values.
  double Cost(bool classification) const {
    if (n <= 0) return 0;
    if (!classification) return std::max(0.0, s[1] - s[0] * s[0] / n);
    double squares = 0;
    for (double c : s) squares += c * c;
    return n - squares / n;
  }
};

struct Split {
  int feature = -1;
  float threshold = 0;
  bool missing_left = false;
  double cost = 0;
};

struct Pending {
  uint32_t node;
  size_t begin;
  size_t end;
  int depth;
};

double Uniform(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

class Grower {
 public:
  Grower(const Columns& x, std::span<const float> y, const GrowOptions& options,
         std::mt19937_64& rng)
      : x_(x),
        y_(y),
        options_(options),
        rng_(rng),
        classification_(options.num_classes > 0),
        width_(classification_ ? options.num_classes : 2),
        features_(x.cols),
        left_(width_),
        missing_(width_),
        l_(width_),
        r_(width_),
        counts_(classification_ ? width_ : 0) {
    std::iota(features_.begin(), features_.end(), 0);
    if (classification_) {
      labels_.reserve(y.size());
      for (float label : y) labels_.push_back(static_cast<int32_t>(label));
    }
  }

  float At(uint32_t row, int feature) const { return x_.at(row, feature); }

  Stats StatsOf(std::span<const uint32_t> rows) const {
    Stats st(width_);
    for (uint32_t r : rows) st.Add(y_[r], classification_);
    return st;
  }

  // Fills left_ (rows at or below t) and missing_ (rows without feature j). Classification
  // counts without a branch on the comparison, whose outcome is a coin flip to the CPU.
  void CountSides(std::span<const uint32_t> rows, int j, float t, bool any_missing) {
    left_.Clear();
    missing_.Clear();
    if (classification_) {
      std::fill(counts_.begin(), counts_.end(), 0);
      for (uint32_t r : rows) counts_[labels_[r]] += At(r, j) <= t;  // false for NaN
      for (size_t k = 0; k < counts_.size(); ++k) left_.s[k] = counts_[k];
      left_.n = static_cast<double>(std::accumulate(counts_.begin(), counts_.end(), int64_t{0}));
      if (!any_missing) return;
      for (uint32_t r : rows) {
        if (std::isnan(At(r, j))) missing_.Add(y_[r], true);
      }
      return;
    }
    for (uint32_t r : rows) {
      float v = At(r, j);
      if (std::isnan(v)) {
        missing_.Add(y_[r], false);
      } else if (v <= t) {
        left_.Add(y_[r], false);
      }
    }
  }

  // The best of up to max_features random splits of `rows`, or feature -1 when none lowers
  // the cost while leaving min_samples_leaf rows on each side.
  Split BestSplit(std::span<const uint32_t> rows, const Stats& total) {
    Split best;
    best.cost = total.Cost(classification_);
    const size_t p = features_.size();
    int tried = 0;
    for (size_t i = 0; i < p && tried < options_.max_features; ++i) {
      std::swap(features_[i], features_[i + rng_() % (p - i)]);
      const int j = features_[i];
      float lo = std::numeric_limits<float>::infinity();
      float hi = -lo;
      bool any_missing = false;
      for (uint32_t r : rows) {
        float v = At(r, j);
        any_missing |= std::isnan(v);
        lo = std::min(lo, v);  // NaN never wins a min or a max with v second
        hi = std::max(hi, v);
      }
      if (!(lo < hi)) continue;  // constant here, or missing throughout
      ++tried;
      auto t = static_cast<float>(lo + Uniform(rng_) * (double(hi) - lo));
      if (t >= hi) t = std::nextafter(hi, lo);
      CountSides(rows, j, t, any_missing);
      for (bool missing_left : {false, true}) {
        if (missing_left && missing_.n == 0) break;
        // l_ and r_ are reused, so that the search allocates nothing per feature.
        l_.s = left_.s;
        l_.n = left_.n;
        if (missing_left) l_.Combine(missing_, 1);
        r_.s = total.s;
        r_.n = total.n;
        r_.Combine(l_, -1);
        if (l_.n < options_.min_samples_leaf || r_.n < options_.min_samples_leaf) continue;
        double cost = l_.Cost(classification_) + r_.Cost(classification_);
        if (cost < best.cost - 1e-12 * total.n) {
          best = {j, t, missing_left, cost};
        }
      }
    }
    return best;
  }

  void MakeLeaf(Tree& tree, uint32_t node, const Stats& total) {
    tree.nodes[node].left = static_cast<uint32_t>(tree.values.size());
    if (classification_) {
      for (double c : total.s) tree.values.push_back(static_cast<float>(c / total.n));
    } else {
      tree.values.push_back(static_cast<float>(total.s[0] / total.n));
    }
  }

  Tree Grow(std::vector<uint32_t> rows) {
    Tree tree;
    tree.nodes.emplace_back();
    std::vector<Pending> stack = {{0, 0, rows.size(), 0}};
    while (!stack.empty()) {
      Pending at = stack.back();
      stack.pop_back();
      std::span<uint32_t> span(rows.data() + at.begin, at.end - at.begin);
      Stats total = StatsOf(span);
      bool too_small = total.n < 2.0 * options_.min_samples_leaf;
      bool too_deep = options_.max_depth > 0 && at.depth >= options_.max_depth;
      Split split;
      if (!too_small && !too_deep && total.Cost(classification_) > 0) {
        split = BestSplit(span, total);
      }
      if (split.feature < 0) {
        MakeLeaf(tree, at.node, total);
        continue;
      }
      auto middle = std::partition(span.begin(), span.end(), [&](uint32_t r) {
        float v = At(r, split.feature);
        return std::isnan(v) ? split.missing_left : v <= split.threshold;
      });
      size_t mid = at.begin + static_cast<size_t>(middle - span.begin());
      auto left = static_cast<uint32_t>(tree.nodes.size());
      tree.nodes.resize(tree.nodes.size() + 2);
      Node& n = tree.nodes[at.node];
      n = {split.feature, split.threshold, left, left + 1, split.missing_left};
      stack.push_back({left + 1, mid, at.end, at.depth + 1});
      stack.push_back({left, at.begin, mid, at.depth + 1});
    }
    return tree;
  }

 private:
  const Columns& x_;
  std::span<const float> y_;
  const GrowOptions& options_;
  std::mt19937_64& rng_;
  const bool classification_;
  const int width_;
  std::vector<int> features_;
  Stats left_;                   // the rows at or below the threshold
  Stats missing_;                // the rows missing the feature
  Stats l_;                      // one side of a candidate split
  Stats r_;                      // the other
  std::vector<int32_t> labels_;  // y as class indices (classification)
  std::vector<int64_t> counts_;  // per class, while counting one side
};

}  // namespace

Columns Columns::From(const data::transforms::FeatureMatrix& x) {
  Columns c{.rows = x.rows, .cols = x.cols, .data = std::vector<float>(x.rows * x.cols)};
  for (size_t r = 0; r < x.rows; ++r) {
    for (size_t j = 0; j < x.cols; ++j) c.data[j * x.rows + r] = x.data[r * x.cols + j];
  }
  return c;
}

Tree GrowTree(const Columns& x, std::span<const float> y, std::vector<uint32_t> rows,
              const GrowOptions& options, std::mt19937_64& rng) {
  return Grower(x, y, options, rng).Grow(std::move(rows));
}

}  // namespace easel::train::forest
