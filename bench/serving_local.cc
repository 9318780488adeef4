#include "serving_local.h"

#include <dlfcn.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <limits>
#include <span>
#include <stdexcept>

#include "data/transforms/numbers.h"
#include "data/transforms/pipeline.h"
#include "train/algorithms.h"

namespace easel::bench {
namespace {

using Clock = std::chrono::steady_clock;

void Check(const Status& st, const std::string& what) {
  if (!st.ok()) throw std::runtime_error(what + ": " + st.ToString());
}

template <typename T>
T OrThrow(Result<T> r, const std::string& what) {
  if (!r.ok()) throw std::runtime_error(what + ": " + r.status().ToString());
  return std::move(*r);
}

const train::ModelLoader& FindLoader(const std::string& format) {
  static const train::AlgorithmRegistry registry = [] {
    train::AlgorithmRegistry r;
    train::RegisterBuiltinAlgorithms(r);
    return r;
  }();
  return *OrThrow(registry.FindLoader(format), "no loader for format '" + format + "'");
}

// The stored pipeline and the model, called as the server calls them on column tensors: each
// column's values as numbers (text for a column with a cell that is not one), transformed
// straight into the feature matrix.
class TabularModel final : public LocalModel {
 public:
  TabularModel(data::transforms::Pipeline pipeline, std::unique_ptr<train::TabularPredictor> model,
               const std::vector<std::map<std::string, std::string>>& cells)
      : pipeline_(std::move(pipeline)), model_(std::move(model)) {
    for (const std::string& column : pipeline_.columns()) {
      Column& c = columns_.emplace_back();
      for (const auto& row : cells) {
        auto cell = row.find(column);
        c.text.push_back(cell == row.end() ? "" : cell->second);
        auto number = data::transforms::ParseNumber(c.text.back());
        c.numbers.push_back(number.value_or(std::numeric_limits<double>::quiet_NaN()));
        if (!number && cell != row.end()) c.is_text = true;
      }
    }
  }

  std::vector<float> Run(size_t first, size_t n) const override {
    // Batches larger than the data repeat it; the first (untimed) call of a size makes room.
    for (Column& c : columns_) {
      for (size_t i = 0; c.numbers.size() < n; ++i) {
        c.numbers.push_back(c.numbers[i]);
        c.text.push_back(c.text[i]);
      }
    }
    const size_t rows = columns_.empty() ? 0 : columns_[0].numbers.size();
    first = first % (rows - n + 1);
    std::vector<data::transforms::InputColumn> inputs;
    for (const Column& c : columns_) {
      if (c.is_text) {
        inputs.push_back({.text = std::span(c.text).subspan(first, n)});
      } else {
        inputs.push_back({.numbers = std::span(c.numbers).subspan(first, n)});
      }
    }
    data::transforms::FeatureMatrix x{.rows = n, .cols = pipeline_.num_features()};
    x.data.resize(x.rows * x.cols);
    Check(pipeline_.TransformColumns(n, inputs, x.data), "transform");
    return OrThrow(model_->Predict(x), "predict");
  }

 private:
  struct Column {
    std::vector<double> numbers;  // NaN where missing
    std::vector<std::string> text;
    bool is_text = false;
  };
  data::transforms::Pipeline pipeline_;
  std::unique_ptr<train::TabularPredictor> model_;
  mutable std::vector<Column> columns_;
};

class ImageModel final : public LocalModel {
 public:
  ImageModel(std::unique_ptr<train::ImagePredictor> model, std::vector<std::string> images)
      : model_(std::move(model)), images_(std::move(images)) {}

  std::vector<float> Run(size_t first, size_t n) const override {
    std::vector<std::string_view> views;
    for (size_t i = 0; i < n; ++i) views.push_back(images_[(first + i) % images_.size()]);
    return OrThrow(model_->Predict(views), "predict");
  }

 private:
  std::unique_ptr<train::ImagePredictor> model_;
  std::vector<std::string> images_;
};

// Threads of the BLAS library's own pool. OpenBLAS (through which Debian's LibTorch does its
// matrix products) keeps one that omp_set_num_threads does not reach: without this, "one
// thread" would leave its helpers working outside the calling thread's CPU time. A no-op for a
// BLAS without that call.
void SetBlasThreads(int threads) {
  using Setter = void (*)(int);
  static const auto set =
      reinterpret_cast<Setter>(::dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (set != nullptr) set(threads);
}

}  // namespace

double LocalModel::SecondsPerCall(size_t n, int threads) {
  if (auto it = seconds_.find({n, threads}); it != seconds_.end()) return it->second;
  // Every core: the model with the machine to itself. Not omp_get_max_threads(), which says what
  // LibTorch last set on this thread: once it has run, its own default, its count of physical
  // cores, which on some virtual machines is 1 (on the 2-core development VM it is).
  static const int kDefault = omp_get_num_procs();
  omp_set_num_threads(threads > 0 ? threads : kDefault);
  SetBlasThreads(threads > 0 ? threads : kDefault);
  size_t first = 0;
  Run(first, n);
  std::vector<double> calls;
  const auto start = Clock::now();
  // One thread: its CPU time, so that time spent waiting for a core does not count. A team of
  // threads: wall time, the only time the call as a whole has.
  auto now = [threads] {
    if (threads != 1) return std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
    timespec ts{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + ts.tv_nsec * 1e-9;
  };
  while (calls.size() < 5 ||
         std::chrono::duration<double>(Clock::now() - start).count() < block_s_) {
    first += n;
    const double t0 = now();
    Run(first, n);
    calls.push_back(now() - t0);
  }
  omp_set_num_threads(kDefault);
  SetBlasThreads(kDefault);
  auto fast = calls.begin() + static_cast<ptrdiff_t>(calls.size() / 10);
  std::nth_element(calls.begin(), fast, calls.end());
  return seconds_[{n, threads}] = *fast;
}

std::unique_ptr<LocalModel> LoadTabular(const std::string& format, const train::ModelFiles& files,
                                        std::vector<std::map<std::string, std::string>> cells) {
  auto stored = files.find("pipeline.json");
  if (stored == files.end()) throw std::runtime_error("the version has no pipeline.json");
  auto pipeline = OrThrow(data::transforms::Pipeline::FromJson(
                              OrThrow(ParseJson(stored->second, 256), "pipeline.json")),
                          "pipeline.json");
  auto model = OrThrow(FindLoader(format).tabular(files), "loading the model");
  return std::make_unique<TabularModel>(std::move(pipeline), std::move(model), cells);
}

std::unique_ptr<LocalModel> LoadImage(const std::string& format, const train::ModelFiles& files,
                                      std::vector<std::string> images) {
  // threads 0, as the server's endpoints load models: the library's own intra-op default.
  auto model = OrThrow(FindLoader(format).image(files, train::Resources{.device = "cpu"}),
                       "loading the model");
  return std::make_unique<ImageModel>(std::move(model), std::move(images));
}

}  // namespace easel::bench
