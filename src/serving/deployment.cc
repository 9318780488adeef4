#include "serving/deployment.h"

#include <dlfcn.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "common/cores.h"
#include "common/time.h"
#include "serving/compute_lanes.h"

namespace easel::serving {
namespace {

using Clock = std::chrono::steady_clock;

int64_t Nanos(Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
}

constexpr const char* kRequests = "easel_endpoint_requests_total";
constexpr const char* kQueueSeconds = "easel_endpoint_queue_seconds";
constexpr const char* kComputeSeconds = "easel_endpoint_compute_seconds";
constexpr const char* kBatchSize = "easel_endpoint_batch_size";
// The names Triton exports, so existing dashboards work unchanged.
constexpr const char* kTritonSuccess = "nv_inference_request_success";
constexpr const char* kTritonFailure = "nv_inference_request_failure";
constexpr const char* kTritonCount = "nv_inference_count";
constexpr const char* kTritonExecCount = "nv_inference_exec_count";
constexpr const char* kTritonQueueUs = "nv_inference_queue_duration_us";
constexpr const char* kTritonComputeUs = "nv_inference_compute_infer_duration_us";
constexpr const char* kTritonRequestUs = "nv_inference_request_duration_us";

// Threads one model call gets: what the backend asks for; else, with several instances, an
// equal share of the cores, so that instances running side by side do not oversubscribe them
// (two instances with a team over all cores each would fight over every core); else (one
// instance) 0: the call's size decides (kTeamRows).
int ThreadsPerCall(const Backend& backend, int instances, int cores) {
  if (backend.compute_threads() > 0) return backend.compute_threads();
  if (instances <= 1) return 0;
  return std::max(1, cores / instances);
}

// A single instance's call of at least this many rows gets every core; a one-row call keeps the
// library's own choice. A one-image call is many small parallel regions, each ending in a
// barrier that costs more than the region when a team member has to be woken (on the
// development VM, two threads made a lone request 3x slower), while from two rows on a batch
// has work enough to share out: at concurrency 8, where batches hold 3 to 6 images, a team
// served 60% more requests than one thread (sweep of 2 and 8 in bench/serving). LibTorch's
// choice is its count of physical cores, which some virtual machines report as 1 however many
// cores the process may use.
constexpr size_t kTeamRows = 2;

// The most rows a thread that serves many calls (a gRPC queue's) runs itself when it finds the
// instance idle; a larger call goes to the instance's thread, so that the queue's thread goes
// back to its other calls. A tree model's call of 64 rows takes some tens of microseconds;
// requests of 256 rows over gRPC, run on the queue's thread, kept it from reading the next
// requests, and the server stopped at one busy core.
constexpr size_t kCallerMaxRows = 64;

// The lanes that model calls with a team of `threads` run on, shared by every deployment in
// the process: as many as fit the cores side by side (one when the team takes every core).
ComputeLanes& LanesFor(int threads) {
  static std::mutex mu;
  static std::map<int, std::unique_ptr<ComputeLanes>> lanes;
  std::lock_guard lock(mu);
  std::unique_ptr<ComputeLanes>& l = lanes[threads];
  if (!l) l = std::make_unique<ComputeLanes>(std::max(1, UsableCores() / threads));
  return *l;
}

// The BLAS library's thread pool (OpenBLAS, through which Debian's LibTorch does its matrix
// products) is its own, out of reach of the OpenMP count a call's plan sets. Left at its
// default of a thread per core, its helper spun on the other core after each product: a server
// answering one image at a time used both cores, and its one-image calls ran up to 3x slower
// than alone whenever that spin met the request threads' work. Held to one thread, a call's
// parallelism is the OpenMP team its plan gives it. A no-op for a BLAS without that call.
void HoldBlasToOneThread() {
  static const bool held = [] {
    using Setter = void (*)(int);
    const auto set = reinterpret_cast<Setter>(::dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
    if (set != nullptr) set(1);
    return true;
  }();
  (void)held;
}

}  // namespace

ScopedComputeThreads::ScopedComputeThreads(int threads) {
  if (threads <= 0) return;
  saved_ = omp_get_max_threads();
  if (saved_ != threads) omp_set_num_threads(threads);
}

ScopedComputeThreads::~ScopedComputeThreads() {
  if (saved_ > 0) omp_set_num_threads(saved_);
}

void DeclareServingMetrics(MetricsRegistry& metrics) {
  metrics.DeclareCounter(kRequests, "Inference requests by endpoint, version and outcome.");
  const std::vector<double> seconds = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                       0.01,    0.025,  0.05,    0.1,    0.25,  0.5,    1};
  metrics.DeclareHistogram(kQueueSeconds, "Time requests waited for a model instance.", seconds);
  metrics.DeclareHistogram(kComputeSeconds, "Time of each model call (one batch).", seconds);
  metrics.DeclareHistogram(kBatchSize, "Rows per model call.", {1, 2, 4, 8, 16, 32, 64, 128, 256});
  metrics.DeclareCounter(kTritonSuccess, "Successful inference requests (Triton name).");
  metrics.DeclareCounter(kTritonFailure, "Failed inference requests (Triton name).");
  metrics.DeclareCounter(kTritonCount, "Inferences performed, in rows (Triton name).");
  metrics.DeclareCounter(kTritonExecCount, "Model executions, in batches (Triton name).");
  metrics.DeclareCounter(kTritonQueueUs, "Cumulative queue time in microseconds (Triton name).");
  metrics.DeclareCounter(kTritonComputeUs,
                         "Cumulative model compute time in microseconds (Triton name).");
  metrics.DeclareCounter(kTritonRequestUs,
                         "Cumulative end-to-end inference time in microseconds (Triton name).");
}

Deployment::Series Deployment::SeriesOf(MetricsRegistry& metrics, const std::string& endpoint,
                                        int64_t version) {
  const MetricLabels labels = {{"endpoint", endpoint}, {"version", std::to_string(version)}};
  const MetricLabels triton = {{"model", endpoint}, {"version", std::to_string(version)}};
  auto outcome = [&](const char* value) {
    MetricLabels with = labels;
    with.emplace_back("outcome", value);
    return metrics.Handle(kRequests, with);
  };
  return {.success = outcome("success"),
          .failure = outcome("failure"),
          .queue_seconds = metrics.Handle(kQueueSeconds, labels),
          .compute_seconds = metrics.Handle(kComputeSeconds, labels),
          .batch_size = metrics.Handle(kBatchSize, labels),
          .triton_success = metrics.Handle(kTritonSuccess, triton),
          .triton_failure = metrics.Handle(kTritonFailure, triton),
          .triton_count = metrics.Handle(kTritonCount, triton),
          .triton_exec_count = metrics.Handle(kTritonExecCount, triton),
          .triton_queue_us = metrics.Handle(kTritonQueueUs, triton),
          .triton_compute_us = metrics.Handle(kTritonComputeUs, triton),
          .triton_request_us = metrics.Handle(kTritonRequestUs, triton)};
}

// One request waiting in the batcher. The batch's values for its rows (or the error) come
// back through Deliver, on the thread that ran the batch.
class Deployment::Work : public BatchWork {
 public:
  using Output = Result<std::vector<float>>;
  Rows input;
  Clock::time_point arrived;  // when the request came in

  size_t rows() const override { return input.count; }
  virtual void Deliver(Output out) = 0;
};

// For a caller that waits (Infer). The values come back through a mutex and a condition
// variable of its own: a std::promise would add a shared state allocation and a call_once.
class Deployment::WaitingWork final : public Work {
 public:
  void Deliver(Output out) override {
    std::lock_guard lock(mu_);
    output_.emplace(std::move(out));
    delivered_.notify_one();
  }
  Output Wait() {
    std::unique_lock lock(mu_);
    delivered_.wait(lock, [this] { return output_.has_value(); });
    return std::move(*output_);
  }

 private:
  std::mutex mu_;
  std::condition_variable delivered_;
  std::optional<Output> output_;
};

// For a caller that is called back (InferAsync): the answer is built and handed over on the
// thread that ran the batch.
class Deployment::CallbackWork final : public Work {
 public:
  CallbackWork(Deployment& owner, const InferRequest& request, Done done)
      : done(std::move(done)), owner_(owner), request_(request) {}
  void Deliver(Output out) override { done(owner_.Answer(request_, *this, std::move(out))); }

  const Done done;

 private:
  Deployment& owner_;
  const InferRequest& request_;
};

Deployment::Deployment(std::string endpoint, models::ModelVersion version,
                       std::unique_ptr<Backend> backend, const EndpointConfig& config,
                       MetricsRegistry& metrics, int library_threads)
    : endpoint_(std::move(endpoint)),
      version_(std::move(version)),
      backend_(std::move(backend)),
      config_(config),
      series_(SeriesOf(metrics, endpoint_, version_.version)) {
  BatcherOptions options;
  options.max_batch_size = static_cast<size_t>(std::max<int64_t>(1, config.max_batch_size));
  options.max_queue_delay_us = config.max_queue_delay_us;
  options.instances = config.instances;
  options.max_queue_size = static_cast<size_t>(std::max<int64_t>(1, config.max_queue_size));
  options.run_on_caller = backend_->runs_on_any_thread();
  options.caller_max_rows = kCallerMaxRows;
  // Read once: UsableCores() asks the kernel for this thread's CPU affinity.
  const int cores = UsableCores();
  const int fixed = ThreadsPerCall(*backend_, options.instances, cores);
  const int library = std::max(1, library_threads);
  auto plan = [](int threads) {
    return CallPlan{.threads = threads, .lanes = threads > 1 ? &LanesFor(threads) : nullptr};
  };
  small_call_ = plan(fixed > 0 ? fixed : library);
  large_call_ = plan(fixed > 0 ? fixed : std::max(library, cores));
  batcher_ = std::make_unique<Batcher>(
      options, [this](std::span<const std::shared_ptr<BatchWork>> batch) { RunBatch(batch); });
}

Deployment::~Deployment() { batcher_.reset(); }

Result<std::shared_ptr<Deployment>> Deployment::Start(std::string endpoint,
                                                      models::ModelVersion version,
                                                      std::unique_ptr<Backend> backend,
                                                      const EndpointConfig& config,
                                                      MetricsRegistry& metrics) {
  HoldBlasToOneThread();
  // The warm-up runs on the lane of full-width calls, not on the calling (request) thread: the
  // library may start an OpenMP team on whichever thread it first runs on (compute_lanes.h).
  // Its own thread count is read there, once it has chosen it.
  Status warm;
  int library_threads = 1;
  LanesFor(UsableCores()).Run([&] {
    warm = backend->Warmup();
    library_threads = omp_get_max_threads();
  });
  if (!warm.ok()) {
    return FailedPrecondition("model '" + version.model_name + "' version " +
                              std::to_string(version.version) +
                              " failed its warm-up run: " + warm.message());
  }
  return std::make_shared<Deployment>(std::move(endpoint), std::move(version), std::move(backend),
                                      config, metrics, library_threads);
}

bool Deployment::Serves(const std::string& version_id, const EndpointConfig& config) const {
  return version_.id == version_id && config.instances == config_.instances &&
         config.max_batch_size == config_.max_batch_size &&
         config.max_queue_delay_us == config_.max_queue_delay_us &&
         config.max_queue_size == config_.max_queue_size && config.device == config_.device;
}

const Deployment::CallPlan& Deployment::PlanFor(size_t rows) const {
  return rows >= kTeamRows ? large_call_ : small_call_;
}

void Deployment::RunBatch(std::span<const std::shared_ptr<BatchWork>> batch) {
  auto run = [this](const Rows& rows) {
    const auto start = Clock::now();
    const CallPlan& plan = PlanFor(rows.count);
    auto call = [&] {
      ScopedComputeThreads threads(plan.threads);
      return backend_->Execute(rows);
    };
    Result<std::vector<float>> out = plan.lanes != nullptr ? plan.lanes->Call(call) : call();
    const int64_t ns = Nanos(Clock::now() - start);
    execution_count_.fetch_add(1, std::memory_order_relaxed);
    compute_.Add(ns);
    {
      std::lock_guard lock(batch_mu_);
      auto& s = batch_stats_[rows.count];
      ++s.first;
      s.second += ns;
    }
    series_.compute_seconds.Observe(ns / 1e9);
    series_.batch_size.Observe(static_cast<double>(rows.count));
    series_.triton_exec_count.Increment();
    series_.triton_compute_us.Increment(ns / 1e3);
    return out;
  };
  auto& first = static_cast<Work&>(*batch.front());
  if (batch.size() == 1) {
    first.Deliver(run(first.input));
    return;
  }
  Rows joined;
  for (const auto& w : batch) joined.Append(static_cast<Work&>(*w).input);
  Result<std::vector<float>> out = run(joined);
  const size_t width = backend_->output_width();
  if (out.ok() && out->size() == joined.count * width) {
    size_t at = 0;
    for (const auto& w : batch) {
      auto& work = static_cast<Work&>(*w);
      const size_t n = work.input.count * width;
      work.Deliver(std::vector<float>(out->begin() + at, out->begin() + at + n));
      at += n;
    }
    return;
  }
  // Something in the batch failed the model (an image whose body is damaged past its header):
  // each request on its own, so only the bad one gets the error.
  for (const auto& w : batch) {
    auto& work = static_cast<Work&>(*w);
    work.Deliver(run(work.input));
  }
}

void Deployment::Record(bool ok, int64_t total_ns, int64_t queue_ns) {
  (ok ? success_ : fail_).Add(total_ns);
  if (queue_ns >= 0) {
    queue_.Add(queue_ns);
    series_.queue_seconds.Observe(queue_ns / 1e9);
    series_.triton_queue_us.Increment(queue_ns / 1e3);
  }
  last_inference_ms_.store(NowMillis(), std::memory_order_relaxed);
  (ok ? series_.success : series_.failure).Increment();
  (ok ? series_.triton_success : series_.triton_failure).Increment();
  series_.triton_request_us.Increment(total_ns / 1e3);
}

Status Deployment::Queue(const InferRequest& request, const std::shared_ptr<Work>& work,
                         Batcher::Caller caller) {
  work->arrived = Clock::now();
  Result<Rows> rows = backend_->Prepare(request);
  Status st = rows.status();
  if (st.ok()) {
    work->input = std::move(*rows);
    st = batcher_->Submit(work, caller);
  }
  if (!st.ok()) Record(false, Nanos(Clock::now() - work->arrived), -1);
  return st;
}

Result<InferResponse> Deployment::Infer(const InferRequest& request) {
  auto work = std::make_shared<WaitingWork>();
  if (Status st = Queue(request, work, Batcher::Caller::kMayWait); !st.ok()) return st;
  return Answer(request, *work, work->Wait());
}

void Deployment::InferAsync(const InferRequest& request, Done done) {
  auto work = std::make_shared<CallbackWork>(*this, request, std::move(done));
  if (Status st = Queue(request, work, Batcher::Caller::kMustNotWait); !st.ok()) work->done(st);
}

Result<InferResponse> Deployment::Answer(const InferRequest& request, const Work& work,
                                         Result<std::vector<float>> values) {
  const int64_t queue_ns = Nanos(work.started_at - work.queued_at);
  Result<std::vector<Tensor>> outputs =
      values.ok() ? MakeOutputs(backend_->metadata(), request, *values, work.input.count)
                  : Result<std::vector<Tensor>>(values.status());
  if (!outputs.ok()) {
    Record(false, Nanos(Clock::now() - work.arrived), queue_ns);
    return outputs.status();
  }
  inference_count_.fetch_add(static_cast<int64_t>(work.input.count), std::memory_order_relaxed);
  series_.triton_count.Increment(static_cast<double>(work.input.count));
  Record(true, Nanos(Clock::now() - work.arrived), queue_ns);
  InferResponse response;
  response.model_name = endpoint_;
  response.model_version = std::to_string(version_.version);
  response.id = request.id;
  response.outputs = std::move(*outputs);
  return response;
}

Deployment::Statistics Deployment::statistics() const {
  auto duration = [](const Counter& c) {
    return Statistics::Duration{.count = c.count.load(), .ns = c.ns.load()};
  };
  Statistics s{.name = endpoint_,
               .version = std::to_string(version_.version),
               .model = version_.model_name,
               .last_inference_ms = last_inference_ms_.load(),
               .inference_count = inference_count_.load(),
               .execution_count = execution_count_.load(),
               .success = duration(success_),
               .fail = duration(fail_),
               .queue = duration(queue_),
               .compute_infer = duration(compute_)};
  std::lock_guard lock(batch_mu_);
  for (const auto& [size, calls] : batch_stats_) {
    s.batches.push_back({.batch_size = static_cast<int64_t>(size),
                         .compute_infer = {.count = calls.first, .ns = calls.second}});
  }
  return s;
}

Json Deployment::StatsJson() const {
  const Statistics s = statistics();
  auto pair = [](const Statistics::Duration& d) { return Json{{"count", d.count}, {"ns", d.ns}}; };
  Json batches = Json::array();
  for (const Statistics::Batch& b : s.batches) {
    batches.push_back({{"batch_size", b.batch_size}, {"compute_infer", pair(b.compute_infer)}});
  }
  return {{"name", s.name},
          {"version", s.version},
          {"model", s.model},
          {"last_inference", s.last_inference_ms},
          {"inference_count", s.inference_count},
          {"execution_count", s.execution_count},
          {"inference_stats",
           {{"success", pair(s.success)},
            {"fail", pair(s.fail)},
            {"queue", pair(s.queue)},
            {"compute_infer", pair(s.compute_infer)}}},
          {"batch_stats", batches}};
}

}  // namespace easel::serving
