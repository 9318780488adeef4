#pragma once
// One model version loaded for an endpoint: its backend, the batcher whose instances run it,
// and the inference statistics the protocol's stats route and the Prometheus metrics show.
//
// A request is prepared on the caller's thread (inputs checked, the model's transforms
// applied), queued, run in a batch with others, and answered with its own rows of the output.
// An instance whose batch fails on one bad request's rows reruns the requests one by one, so a
// bad request never fails its neighbours.
//
// Thread-safety: Infer and the accessors may be called from any number of threads. Destroying
// a deployment finishes the requests it has queued first.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "common/metrics.h"
#include "models/model_store.h"
#include "serving/backend.h"
#include "serving/batcher.h"
#include "serving/endpoint_store.h"

namespace easel::serving {

class ComputeLanes;

class Deployment {
 public:
  // Takes a loaded backend, warms it, and starts its instances. `metrics` (declared by
  // DeclareServingMetrics) must outlive the deployment.
  static Result<std::shared_ptr<Deployment>> Start(std::string endpoint,
                                                   models::ModelVersion version,
                                                   std::unique_ptr<Backend> backend,
                                                   const EndpointConfig& config,
                                                   MetricsRegistry& metrics);
  ~Deployment();

  // Answers `request`, waiting for its batch.
  Result<InferResponse> Infer(const InferRequest& request);

  // Answers `request` through `done`, called exactly once: on this thread when the request
  // fails before it is queued or its batch runs here (run_on_caller), else on the model
  // instance's thread once its batch is done. `request` must stay alive until then; `done`
  // must not block, since a batch's other requests wait on it. For servers that complete calls
  // asynchronously (gRPC's completion queues), so that no server thread waits for a batch: a
  // batch runs here only when it need not wait for others to fill it and is small.
  using Done = std::function<void(Result<InferResponse>)>;
  void InferAsync(const InferRequest& request, Done done);

  const models::ModelVersion& version() const { return version_; }
  const ModelMetadata& metadata() const { return backend_->metadata(); }
  // Whether the deployment runs `version_id` with these batching settings (so an update may
  // keep it).
  bool Serves(const std::string& version_id, const EndpointConfig& config) const;
  size_t pending() const { return batcher_->pending(); }
  // What the protocol's statistics extension reports of this version since it loaded: counts
  // and total durations (Triton's model_stats). Every request that got an answer counts in
  // `success` or `fail`; `queue` and `compute_infer` per request and per model call.
  struct Statistics {
    struct Duration {
      int64_t count = 0;
      int64_t ns = 0;
    };
    struct Batch {
      int64_t batch_size = 0;  // rows of a model call
      Duration compute_infer;  // the calls of that size
    };
    std::string name;  // the endpoint
    std::string version;
    std::string model;
    int64_t last_inference_ms = 0;  // since the epoch; 0 before the first request
    int64_t inference_count = 0;    // rows answered
    int64_t execution_count = 0;    // model calls
    Duration success, fail, queue, compute_infer;
    std::vector<Batch> batches;  // by batch size
  };
  Statistics statistics() const;
  // The same as one entry of the HTTP stats route's model_stats.
  Json StatsJson() const;

  // For Start (through make_shared): `library_threads` is the thread count the model's library
  // chose for itself while warming up.
  Deployment(std::string endpoint, models::ModelVersion version, std::unique_ptr<Backend> backend,
             const EndpointConfig& config, MetricsRegistry& metrics, int library_threads);

 private:
  class Work;
  class WaitingWork;
  class CallbackWork;
  // How one model call of some size runs: with how many OpenMP threads, and where. A call
  // with a team of threads goes to the process's lanes for that team size (compute_lanes.h);
  // one on a single thread runs on the calling thread.
  struct CallPlan {
    int threads = 1;
    ComputeLanes* lanes = nullptr;
  };
  const CallPlan& PlanFor(size_t rows) const;
  void RunBatch(std::span<const std::shared_ptr<BatchWork>> batch);
  // Prepares `request` into `work` and queues it (its batch may run here); the error, recorded,
  // when it cannot be.
  Status Queue(const InferRequest& request, const std::shared_ptr<Work>& work,
               Batcher::Caller caller);
  // The answer to a request whose batch gave `values` (or an error), recording it.
  Result<InferResponse> Answer(const InferRequest& request, const Work& work,
                               Result<std::vector<float>> values);
  void Record(bool ok, int64_t total_ns, int64_t queue_ns);

  const std::string endpoint_;
  const models::ModelVersion version_;
  const std::unique_ptr<Backend> backend_;
  const EndpointConfig config_;
  // Model calls by their size (PlanFor).
  CallPlan small_call_;
  CallPlan large_call_;
  // The metric series this deployment records into, looked up once rather than per request.
  struct Series {
    MetricsRegistry::SeriesHandle success, failure;  // requests by outcome
    MetricsRegistry::SeriesHandle queue_seconds, compute_seconds, batch_size;
    MetricsRegistry::SeriesHandle triton_success, triton_failure, triton_count, triton_exec_count,
        triton_queue_us, triton_compute_us, triton_request_us;
  };
  static Series SeriesOf(MetricsRegistry& metrics, const std::string& endpoint, int64_t version);
  const Series series_;

  struct Counter {
    std::atomic<int64_t> count{0};
    std::atomic<int64_t> ns{0};
    void Add(int64_t n) {
      count.fetch_add(1, std::memory_order_relaxed);
      ns.fetch_add(n, std::memory_order_relaxed);
    }
  };
  Counter success_, fail_, queue_, compute_;
  std::atomic<int64_t> inference_count_{0};  // rows
  std::atomic<int64_t> execution_count_{0};  // model calls
  std::atomic<int64_t> last_inference_ms_{0};
  mutable std::mutex batch_mu_;
  std::map<size_t, std::pair<int64_t, int64_t>> batch_stats_;  // rows -> (calls, ns)

  std::unique_ptr<Batcher> batcher_;  // last: stopped first, while the rest is alive
};

// Sets the OpenMP thread count of this thread's parallel regions (the count is per thread) and
// restores it after; 0 leaves it alone. Around model calls, and with 1 around loading a model on
// a request thread: a library that started a thread team there would add to the threads libgomp
// counts against the cores, and slow every team in the process (compute_lanes.h).
class ScopedComputeThreads {
 public:
  explicit ScopedComputeThreads(int threads);
  ~ScopedComputeThreads();
  ScopedComputeThreads(const ScopedComputeThreads&) = delete;
  ScopedComputeThreads& operator=(const ScopedComputeThreads&) = delete;

 private:
  int saved_ = 0;
};

// Declares the serving metric families on `metrics` (once per registry).
void DeclareServingMetrics(MetricsRegistry& metrics);

}  // namespace easel::serving
