#include "train/trainers/forest/extra_trees.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <random>
#include <thread>

#include "common/cores.h"
#include "train/params.h"
#include "train/trainers/forest/forest_model.h"
#include "train/trainers/forest/grow.h"

namespace easel::train::forest {

namespace {

constexpr const char* kFormat = "extra_trees";
constexpr int64_t kFormatVersion = 2;  // 2: the trees in trees.safetensors (1: trees.bin)
constexpr int kReports = 10;  // epochs reported per run
constexpr auto kCheckpointEvery = std::chrono::seconds(5);

Json IntParam(int64_t default_value, int64_t minimum, int64_t maximum, const char* description) {
  return {{"type", "integer"},
          {"default", default_value},
          {"minimum", minimum},
          {"maximum", maximum},
          {"description", description}};
}

struct Options {
  int trees = 0;
  size_t samples = 0;  // rows each tree draws
  GrowOptions grow;
};

Options ReadParams(const Json& params, const TabularProblem& p) {
  Options o;
  o.trees = params["n_estimators"].get<int>();
  const auto most = params["max_samples"].get<size_t>();
  o.samples = most > 0 ? std::min(most, p.train.rows()) : p.train.rows();
  o.grow.num_classes = p.task == Task::kRegression ? 0 : static_cast<int>(p.num_classes());
  o.grow.min_samples_leaf = params["min_samples_leaf"].get<int>();
  o.grow.max_depth = params["max_depth"].get<int>();
  const double fraction = params["max_features"].get<double>();
  const auto cols = static_cast<double>(p.train.x.cols);
  double count = fraction > 0                  ? fraction * cols
                 : p.task == Task::kRegression ? cols
                                               : std::sqrt(cols);
  o.grow.max_features = std::max(1, static_cast<int>(std::lround(count)));
  return o;
}

Status CheckProblem(const TabularProblem& p) {
  if (p.train.rows() == 0) return InvalidArgument("the train split has no rows");
  if (p.train.rows() >= std::numeric_limits<uint32_t>::max()) {
    return InvalidArgument("the train split has too many rows for one forest");
  }
  const bool classes = p.task != Task::kRegression;
  if (classes && p.num_classes() < 2) return InvalidArgument("classification needs 2 classes");
  for (const TabularSplit* s : {&p.train, &p.val}) {
    if (s->rows() == 0) continue;
    if (s->x.cols != p.feature_names.size() || s->x.data.size() != s->rows() * s->x.cols ||
        s->y.size() != s->rows()) {
      return InvalidArgument(fmt::format("the data has {} features, feature_names {}", s->x.cols,
                                         p.feature_names.size()));
    }
    for (float v : s->x.data) {
      if (std::isinf(v)) return InvalidArgument("features must be finite or missing (NaN)");
    }
    for (float y : s->y) {
      if (!std::isfinite(y)) return InvalidArgument("a target is missing or not finite");
      if (classes && (y < 0 || y >= p.num_classes() || y != std::floor(y))) {
        return InvalidArgument(fmt::format("label {} is not a class index", y));
      }
    }
  }
  return OkStatus();
}

// Each tree's own generator: the same tree for the same seed and index on any thread count.
std::mt19937_64 TreeRng(uint64_t seed, int index) {
  std::seed_seq seq{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32),
                    static_cast<uint32_t>(index)};
  return std::mt19937_64(seq);
}

// The tree's bootstrap sample: `samples` draws of the n training rows, with repeats.
std::vector<uint32_t> Bootstrap(std::mt19937_64& rng, size_t n, size_t samples) {
  std::vector<uint32_t> rows(samples);
  for (uint32_t& r : rows) r = static_cast<uint32_t>(rng() % n);
  return rows;
}

std::vector<bool> InBag(std::span<const uint32_t> rows, size_t n) {
  std::vector<bool> in(n, false);
  for (uint32_t r : rows) in[r] = true;
  return in;
}

// Where a tree sends the rows it is scored on: the offset of the leaf's values in tree.values
// for each training row it did not draw (kInBag for those it did) and each validation row.
// Walked in the worker that grew the tree, so that scoring runs on every thread.
constexpr uint32_t kInBag = std::numeric_limits<uint32_t>::max();
struct Reached {
  std::vector<uint32_t> train;
  std::vector<uint32_t> val;
};

uint32_t LeafOffset(const Tree& tree, const data::transforms::FeatureMatrix& x, size_t row) {
  const float* v = LeafValues(tree, x.data.data() + row * x.cols);
  return static_cast<uint32_t>(v - tree.values.data());
}

Reached Reach(const Tree& tree, const TabularProblem& p, const std::vector<bool>& in_bag) {
  Reached out{.train = std::vector<uint32_t>(p.train.rows(), kInBag),
              .val = std::vector<uint32_t>(p.val.rows())};
  for (size_t r = 0; r < p.train.rows(); ++r) {
    if (!in_bag[r]) out.train[r] = LeafOffset(tree, p.train.x, r);
  }
  for (size_t r = 0; r < p.val.rows(); ++r) out.val[r] = LeafOffset(tree, p.val.x, r);
  return out;
}

struct Grown {
  Tree tree;
  Reached reached;
};

Grown GrowOne(const TabularProblem& p, const Columns& x, const Options& o, uint64_t seed,
              int index) {
  std::mt19937_64 rng = TreeRng(seed, index);
  std::vector<uint32_t> rows = Bootstrap(rng, p.train.rows(), o.samples);
  std::vector<bool> in_bag = InBag(rows, p.train.rows());
  Grown g;
  g.tree = GrowTree(x, p.train.y, std::move(rows), o.grow, rng);
  g.reached = Reach(g.tree, p, in_bag);
  return g;
}

// Trees index..index+count-1, grown on up to `threads` threads.
std::vector<Grown> GrowWave(const TabularProblem& p, const Columns& x, const Options& o,
                            uint64_t seed, int index, int count, int threads) {
  std::vector<Grown> out(count);
  std::vector<std::thread> workers;
  for (int w = 1; w < std::min(threads, count); ++w) {
    workers.emplace_back([&, w] {
      for (int i = w; i < count; i += threads) out[i] = GrowOne(p, x, o, seed, index + i);
    });
  }
  for (int i = 0; i < count; i += threads) out[i] = GrowOne(p, x, o, seed, index + i);
  for (std::thread& t : workers) t.join();
  return out;
}

// Running sums of per-tree outputs for a set of rows.
struct Votes {
  size_t outputs = 0;
  std::vector<double> sum;
  std::vector<int> count;

  Votes(size_t rows, size_t outputs) : outputs(outputs), sum(rows * outputs), count(rows) {}
  void Add(const float* values, size_t row) {
    for (size_t k = 0; k < outputs; ++k) sum[row * outputs + k] += values[k];
    ++count[row];
  }
  // Row's averaged outputs; false when no tree voted on it.
  bool Mean(size_t row, std::vector<float>& out) const {
    if (count[row] == 0) return false;
    out.resize(outputs);
    for (size_t k = 0; k < outputs; ++k) out[k] = float(sum[row * outputs + k] / count[row]);
    return true;
  }
};

struct Scores {
  size_t rows = 0;
  double loss = NAN;    // log loss, or RMSE
  double metric = NAN;  // accuracy, or RMSE
};

Scores Score(const Votes& votes, std::span<const float> y, bool classes, double power) {
  Scores s;
  double loss = 0;
  double hits = 0;
  std::vector<float> p;
  for (size_t r = 0; r < y.size(); ++r) {
    if (!votes.Mean(r, p)) continue;
    ++s.rows;
    if (!classes) {
      loss += (p[0] - y[r]) * double(p[0] - y[r]);
      continue;
    }
    Calibrate(p, power);
    auto label = static_cast<size_t>(y[r]);
    loss -= std::log(std::max<double>(p[label], 1e-15));
    hits += std::max_element(p.begin(), p.end()) - p.begin() == std::ptrdiff_t(label) ? 1 : 0;
  }
  if (s.rows == 0) return s;
  s.loss = classes ? loss / s.rows : std::sqrt(loss / s.rows);
  s.metric = classes ? hits / s.rows : s.loss;
  return s;
}

// The power in [0.1, 20] that minimizes the out-of-bag log loss (convex in the power: the
// loss of a row is a log-sum-exp of linear functions of it, minus one of them).
double FitPower(const Votes& oob, std::span<const float> y) {
  std::vector<double> logs;  // per voted row: log p of each class, the true class first
  std::vector<float> p;
  for (size_t r = 0; r < y.size(); ++r) {
    if (!oob.Mean(r, p)) continue;
    auto label = static_cast<size_t>(y[r]);
    logs.push_back(std::log(std::max<double>(p[label], kProbabilityFloor)));
    for (float v : p) logs.push_back(std::log(std::max<double>(v, kProbabilityFloor)));
  }
  if (logs.empty()) return 1.0;
  const size_t stride = oob.outputs + 1;
  auto loss = [&](double t) {
    double total = 0;
    for (size_t i = 0; i < logs.size(); i += stride) {
      double top = -std::numeric_limits<double>::infinity();
      for (size_t k = 1; k < stride; ++k) top = std::max(top, t * logs[i + k]);
      double sum = 0;
      for (size_t k = 1; k < stride; ++k) sum += std::exp(t * logs[i + k] - top);
      total += top + std::log(sum) - t * logs[i];
    }
    return total;
  };
  const double ratio = (std::sqrt(5.0) - 1) / 2;
  double lo = 0.1;
  double hi = 20.0;
  for (int i = 0; i < 40; ++i) {  // the bracket shrinks to 20 * 0.618^40, about 1e-7
    double a = hi - ratio * (hi - lo);
    double b = lo + ratio * (hi - lo);
    if (loss(a) < loss(b)) {
      hi = b;
    } else {
      lo = a;
    }
  }
  return (lo + hi) / 2;
}

// The checkpoint: one JSON line naming the run, then the trees grown so far.
std::string Fingerprint(const Json& params, uint64_t seed, const TabularProblem& p, int outputs) {
  return DumpJson({{"params", params},
                   {"seed", seed},
                   {"rows", p.train.rows()},
                   {"cols", p.train.x.cols},
                   {"outputs", outputs}});
}

Result<std::vector<Tree>> ResumeTrees(TrainHooks& hooks, const std::string& fingerprint,
                                      const TabularProblem& p, int outputs) {
  EASEL_ASSIGN_OR_RETURN(std::optional<std::string> saved, hooks.LoadCheckpoint());
  if (!saved) return std::vector<Tree>{};
  size_t newline = saved->find('\n');
  if (newline == std::string::npos) return DataLoss("the forest checkpoint is unreadable");
  if (saved->compare(0, newline, fingerprint) != 0) {
    return FailedPrecondition("the checkpoint belongs to a different forest run");
  }
  auto trees = ParseTrees(std::string_view(*saved).substr(newline + 1),
                          static_cast<int>(p.train.x.cols), outputs);
  if (!trees.ok())
    return DataLoss("the forest checkpoint is unreadable: " + trees.status().message());
  return trees;
}

class Predictor final : public TabularPredictor {
 public:
  Predictor(size_t features, size_t outputs, bool classes, double power, std::vector<Tree> trees)
      : features_(features),
        outputs_(outputs),
        classes_(classes),
        power_(power),
        trees_(std::move(trees)) {}

  Result<std::vector<float>> Predict(data::transforms::FeatureView x) const override {
    if (x.cols != features_) {
      return InvalidArgument(
          fmt::format("the model takes {} features, the input has {}", features_, x.cols));
    }
    std::vector<float> out(x.rows * outputs_);
    std::vector<double> sum(outputs_);
    for (size_t r = 0; r < x.rows; ++r) {
      std::fill(sum.begin(), sum.end(), 0.0);
      for (const Tree& t : trees_) {
        const float* v = LeafValues(t, x.data.data() + r * x.cols);
        for (size_t k = 0; k < outputs_; ++k) sum[k] += v[k];
      }
      std::span<float> row(out.data() + r * outputs_, outputs_);
      for (size_t k = 0; k < outputs_; ++k) row[k] = static_cast<float>(sum[k] / trees_.size());
      if (classes_) Calibrate(row, power_);
    }
    return out;
  }
  size_t num_outputs() const override { return outputs_; }

 private:
  size_t features_;
  size_t outputs_;
  bool classes_;
  double power_;
  std::vector<Tree> trees_;
};

}  // namespace

Json ParamsSchema() {
  return {
      {"type", "object"},
      {"properties",
       {{"n_estimators", IntParam(300, 1, 5000, "Number of trees.")},
        {"max_features",
         {{"type", "number"},
          {"default", 0.0},
          {"minimum", 0.0},
          {"maximum", 1.0},
          {"description",
           "Fraction of the features tried at each split; 0: the square root of their count "
           "for classification, all of them for regression."}}},
        {"min_samples_leaf",
         IntParam(1, 1, 1000000, "Fewest training rows a leaf keeps (bootstrap repeats count).")},
        {"max_depth", IntParam(0, 0, 1000, "Deepest a tree grows; 0: until its leaves are pure.")},
        {"max_samples",
         IntParam(0, 0, 1000000000,
                  "Rows each tree draws (with repeats); 0: as many as the train split has. A "
                  "fully grown tree has up to one leaf per distinct row it draws, so this bounds "
                  "the size of a model of a large table.")}}}};
}

Result<ModelFiles> Train(const TabularProblem& problem, const Json& params, uint64_t seed,
                         const Resources& resources, TrainHooks& hooks) {
  if (resources.device != "cpu") {
    return FailedPrecondition("extra_trees runs on the CPU only");
  }
  EASEL_RETURN_IF_ERROR(CheckProblem(problem));
  // The train job resolves parameters before a trainer sees them; direct callers get the same
  // checks here.
  EASEL_ASSIGN_OR_RETURN(Json resolved, ResolveParams(ParamsSchema(), params));
  const Options o = ReadParams(resolved, problem);
  const bool classes = problem.task != Task::kRegression;
  const int outputs = classes ? static_cast<int>(problem.num_classes()) : 1;
  const int threads = resources.threads > 0 ? resources.threads : UsableCores();
  const std::string fingerprint = Fingerprint(resolved, seed, problem, outputs);
  EASEL_ASSIGN_OR_RETURN(std::vector<Tree> trees,
                         ResumeTrees(hooks, fingerprint, problem, outputs));
  if (trees.size() > size_t(o.trees)) {
    return FailedPrecondition("the checkpoint holds more trees than the run grows");
  }

  const TabularSplit& train = problem.train;
  const TabularSplit& val = problem.val;
  const Columns columns = Columns::From(train.x);
  Votes oob(train.rows(), outputs);
  Votes held(val.rows(), outputs);
  auto take = [&](const Tree& tree, const Reached& reached) {
    for (size_t r = 0; r < train.rows(); ++r) {
      if (reached.train[r] != kInBag) oob.Add(tree.values.data() + reached.train[r], r);
    }
    for (size_t r = 0; r < val.rows(); ++r) held.Add(tree.values.data() + reached.val[r], r);
  };
  // Resumed trees: their bootstrap samples are drawn again from their generators.
  for (size_t i = 0; i < trees.size(); ++i) {
    std::mt19937_64 rng = TreeRng(seed, static_cast<int>(i));
    take(trees[i],
         Reach(trees[i], problem, InBag(Bootstrap(rng, train.rows(), o.samples), train.rows())));
  }
  auto save = [&] { return hooks.SaveCheckpoint(fingerprint + "\n" + SerializeTrees(trees)); };

  // The calibration power and the out-of-bag scores of the trees grown so far.
  double power = 1.0;
  Scores on_oob;
  auto calibrate = [&] {
    power = classes ? FitPower(oob, train.y) : 1.0;
    on_oob = Score(oob, train.y, classes, power);
  };
  auto last_save = std::chrono::steady_clock::now();
  const int reports = std::min(kReports, o.trees);
  const size_t resumed = trees.size();
  for (int report = 1; report <= reports; ++report) {
    const int until = static_cast<int>(int64_t(o.trees) * report / reports);
    if (size_t(until) <= resumed) continue;  // reported before the run stopped
    while (static_cast<int>(trees.size()) < until) {
      if (hooks.cancelled()) {
        EASEL_RETURN_IF_ERROR(save());
        return Cancelled("training was cancelled");
      }
      int start = static_cast<int>(trees.size());
      for (Grown& g :
           GrowWave(problem, columns, o, seed, start, std::min(threads, until - start), threads)) {
        take(g.tree, g.reached);
        trees.push_back(std::move(g.tree));
      }
      if (std::chrono::steady_clock::now() - last_save > kCheckpointEvery) {
        EASEL_RETURN_IF_ERROR(save());
        last_save = std::chrono::steady_clock::now();
      }
    }
    calibrate();
    Scores on_val = Score(held, val.y, classes, power);
    hooks.ReportEpoch({.epoch = report,
                       .epochs = reports,
                       .train_loss = on_oob.loss,
                       .val_loss = on_val.loss,
                       .val_metric = on_val.metric});
  }

  // A run resumed from a checkpoint of every tree reported nothing above.
  if (size_t(o.trees) <= resumed) calibrate();
  Json oob_json = {{"rows", on_oob.rows}};
  if (classes) {
    oob_json["log_loss"] = on_oob.rows ? Json(on_oob.loss) : Json(nullptr);
    oob_json["accuracy"] = on_oob.rows ? Json(on_oob.metric) : Json(nullptr);
  } else {
    oob_json["rmse"] = on_oob.rows ? Json(on_oob.loss) : Json(nullptr);
  }
  Json model = {{"format", kFormat},
                {"version", kFormatVersion},
                {"task", TaskName(problem.task)},
                {"feature_names", problem.feature_names},
                {"classes", problem.classes},
                {"num_outputs", outputs},
                {"trees", trees.size()},
                {"calibration_power", power},
                {"oob", oob_json}};
  hooks.Log(fmt::format("extra_trees: {} trees, calibration power {:.3f}, out-of-bag {}",
                        trees.size(), power, oob_json.dump()));
  return ModelFiles{{"model.json", DumpJson(model)}, {"trees.safetensors", SerializeTrees(trees)}};
}

Result<std::unique_ptr<TabularPredictor>> Load(const ModelFiles& files) {
  auto json_file = files.find("model.json");
  auto trees_file = files.find("trees.safetensors");
  if (json_file == files.end() || trees_file == files.end()) {
    return InvalidArgument("an extra_trees model needs model.json and trees.safetensors");
  }
  EASEL_ASSIGN_OR_RETURN(Json j, ParseJson(json_file->second));
  auto bad = [](const char* field) {
    return InvalidArgument(fmt::format("model.json: '{}' is missing or invalid", field));
  };
  if (!j.is_object() || j.value("format", "") != kFormat) {
    return InvalidArgument("model.json is not an extra_trees model");
  }
  if (!j.contains("version") || j["version"] != kFormatVersion) return bad("version");
  auto task = ParseTask(j.value("task", ""));
  if (!task.ok()) return bad("task");
  if (!j.contains("feature_names") || !j["feature_names"].is_array() ||
      j["feature_names"].empty()) {
    return bad("feature_names");
  }
  const size_t features = j["feature_names"].size();
  if (!j.contains("num_outputs") || !j["num_outputs"].is_number_unsigned()) {
    return bad("num_outputs");
  }
  const size_t outputs = j["num_outputs"].get<size_t>();
  const bool classes = *task != Task::kRegression;
  if (classes ? (outputs < 2 || outputs > 100000) : outputs != 1) return bad("num_outputs");
  if (!j.contains("calibration_power") || !j["calibration_power"].is_number() ||
      !(j["calibration_power"].get<double>() > 0) ||
      !std::isfinite(j["calibration_power"].get<double>())) {
    return bad("calibration_power");
  }
  EASEL_ASSIGN_OR_RETURN(
      std::vector<Tree> trees,
      ParseTrees(trees_file->second, static_cast<int>(features), static_cast<int>(outputs)));
  if (!j.contains("trees") || j["trees"] != trees.size()) return bad("trees");
  return std::unique_ptr<TabularPredictor>(new Predictor(
      features, outputs, classes, j["calibration_power"].get<double>(), std::move(trees)));
}

}  // namespace easel::train::forest
