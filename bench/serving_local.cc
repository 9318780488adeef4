#include "serving_local.h"

#include <dlfcn.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <span>
#include <stdexcept>

#include "data/transforms/pipeline.h"
#include "train/algorithms.h"

namespace easel::bench {
namespace {

using Clock = std::chrono::steady_clock;

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

class TabularModel final : public LocalModel {
 public:
  TabularModel(data::transforms::Pipeline pipeline, std::unique_ptr<train::TabularPredictor> model,
               const std::vector<std::map<std::string, std::string>>& cells)
      : pipeline_(std::move(pipeline)), model_(std::move(model)) {
    for (const auto& row : cells) {
      data::Sample& s = samples_.emplace_back();
      for (const std::string& column : pipeline_.columns()) {
        auto cell = row.find(column);
        s.values.push_back(cell == row.end() ? std::nullopt : std::optional(cell->second));
      }
    }
  }

  std::vector<float> Run(size_t first, size_t n) const override {
    // Batches larger than the data repeat it; the first (untimed) call of a size makes room.
    for (size_t i = 0; samples_.size() < n; ++i) samples_.push_back(samples_[i]);
    first = first % (samples_.size() - n + 1);
    auto x = OrThrow(pipeline_.TransformBatch(std::span(samples_).subspan(first, n)), "transform");
    return OrThrow(model_->Predict(x), "predict");
  }

 private:
  data::transforms::Pipeline pipeline_;
  std::unique_ptr<train::TabularPredictor> model_;
  mutable std::vector<data::Sample> samples_;
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
