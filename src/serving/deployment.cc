#include "serving/deployment.h"

#include <chrono>
#include <future>

#include "common/time.h"

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

MetricLabels WithOutcome(MetricLabels labels, const char* outcome) {
  labels.emplace_back("outcome", outcome);
  return labels;
}

}  // namespace

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

// One request waiting in the batcher.
struct Deployment::Work final : BatchWork {
  Rows input;
  std::promise<Result<std::vector<float>>> done;
  size_t rows() const override { return input.count; }
};

Deployment::Deployment(std::string endpoint, models::ModelVersion version,
                       std::unique_ptr<Backend> backend, const EndpointConfig& config,
                       MetricsRegistry& metrics)
    : endpoint_(std::move(endpoint)),
      version_(std::move(version)),
      backend_(std::move(backend)),
      config_(config),
      metrics_(metrics),
      labels_({{"endpoint", endpoint_}, {"version", std::to_string(version_.version)}}),
      triton_labels_({{"model", endpoint_}, {"version", std::to_string(version_.version)}}),
      success_labels_(WithOutcome(labels_, "success")),
      failure_labels_(WithOutcome(labels_, "failure")) {
  BatcherOptions options;
  options.max_batch_size = static_cast<size_t>(std::max<int64_t>(1, config.max_batch_size));
  options.max_queue_delay_us = config.max_queue_delay_us;
  options.instances = config.instances;
  options.max_queue_size = static_cast<size_t>(std::max<int64_t>(1, config.max_queue_size));
  batcher_ = std::make_unique<Batcher>(
      options, [this](std::span<const std::shared_ptr<BatchWork>> batch) { RunBatch(batch); });
}

Deployment::~Deployment() { batcher_.reset(); }

Result<std::shared_ptr<Deployment>> Deployment::Start(std::string endpoint,
                                                      models::ModelVersion version,
                                                      std::unique_ptr<Backend> backend,
                                                      const EndpointConfig& config,
                                                      MetricsRegistry& metrics) {
  if (Status st = backend->Warmup(); !st.ok()) {
    return FailedPrecondition("model '" + version.model_name + "' version " +
                              std::to_string(version.version) +
                              " failed its warm-up run: " + st.message());
  }
  return std::make_shared<Deployment>(std::move(endpoint), std::move(version), std::move(backend),
                                      config, metrics);
}

bool Deployment::Serves(const std::string& version_id, const EndpointConfig& config) const {
  return version_.id == version_id && config.instances == config_.instances &&
         config.max_batch_size == config_.max_batch_size &&
         config.max_queue_delay_us == config_.max_queue_delay_us &&
         config.max_queue_size == config_.max_queue_size && config.device == config_.device;
}

void Deployment::RunBatch(std::span<const std::shared_ptr<BatchWork>> batch) {
  auto run = [this](const Rows& rows) {
    const auto start = Clock::now();
    Result<std::vector<float>> out = backend_->Execute(rows);
    const int64_t ns = Nanos(Clock::now() - start);
    execution_count_.fetch_add(1, std::memory_order_relaxed);
    compute_.Add(ns);
    {
      std::lock_guard lock(batch_mu_);
      auto& s = batch_stats_[rows.count];
      ++s.first;
      s.second += ns;
    }
    metrics_.Observe(kComputeSeconds, labels_, ns / 1e9);
    metrics_.Observe(kBatchSize, labels_, static_cast<double>(rows.count));
    metrics_.Increment(kTritonExecCount, triton_labels_);
    metrics_.Increment(kTritonComputeUs, triton_labels_, ns / 1e3);
    return out;
  };
  auto& first = static_cast<Work&>(*batch.front());
  if (batch.size() == 1) {
    first.done.set_value(run(first.input));
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
      work.done.set_value(std::vector<float>(out->begin() + at, out->begin() + at + n));
      at += n;
    }
    return;
  }
  // Something in the batch failed the model (an image whose body is damaged past its header):
  // each request on its own, so only the bad one gets the error.
  for (const auto& w : batch) {
    auto& work = static_cast<Work&>(*w);
    work.done.set_value(run(work.input));
  }
}

void Deployment::Record(bool ok, int64_t total_ns, int64_t queue_ns) {
  (ok ? success_ : fail_).Add(total_ns);
  if (queue_ns >= 0) {
    queue_.Add(queue_ns);
    metrics_.Observe(kQueueSeconds, labels_, queue_ns / 1e9);
    metrics_.Increment(kTritonQueueUs, triton_labels_, queue_ns / 1e3);
  }
  last_inference_ms_.store(NowMillis(), std::memory_order_relaxed);
  metrics_.Increment(kRequests, ok ? success_labels_ : failure_labels_);
  metrics_.Increment(ok ? kTritonSuccess : kTritonFailure, triton_labels_);
  metrics_.Increment(kTritonRequestUs, triton_labels_, total_ns / 1e3);
}

Result<InferResponse> Deployment::Infer(const InferRequest& request) {
  const auto start = Clock::now();
  auto fail = [&](Status st, int64_t queue_ns) -> Result<InferResponse> {
    Record(false, Nanos(Clock::now() - start), queue_ns);
    return st;
  };
  Result<Rows> rows = backend_->Prepare(request);
  if (!rows.ok()) return fail(rows.status(), -1);
  auto work = std::make_shared<Work>();
  work->input = std::move(*rows);
  std::future<Result<std::vector<float>>> done = work->done.get_future();
  if (Status st = batcher_->Submit(work); !st.ok()) return fail(st, -1);
  Result<std::vector<float>> values = done.get();
  const int64_t queue_ns = Nanos(work->started_at - work->queued_at);
  if (!values.ok()) return fail(values.status(), queue_ns);
  Result<std::vector<Tensor>> outputs =
      MakeOutputs(backend_->metadata(), request, *values, work->input.count);
  if (!outputs.ok()) return fail(outputs.status(), queue_ns);
  inference_count_.fetch_add(static_cast<int64_t>(work->input.count), std::memory_order_relaxed);
  metrics_.Increment(kTritonCount, triton_labels_, static_cast<double>(work->input.count));
  Record(true, Nanos(Clock::now() - start), queue_ns);
  InferResponse response;
  response.model_name = endpoint_;
  response.model_version = std::to_string(version_.version);
  response.id = request.id;
  response.outputs = std::move(*outputs);
  return response;
}

Json Deployment::StatsJson() const {
  auto pair = [](const Counter& c) { return Json{{"count", c.count.load()}, {"ns", c.ns.load()}}; };
  Json batches = Json::array();
  {
    std::lock_guard lock(batch_mu_);
    for (const auto& [size, s] : batch_stats_) {
      batches.push_back(
          {{"batch_size", size}, {"compute_infer", {{"count", s.first}, {"ns", s.second}}}});
    }
  }
  return {{"name", endpoint_},
          {"version", std::to_string(version_.version)},
          {"model", version_.model_name},
          {"last_inference", last_inference_ms_.load()},
          {"inference_count", inference_count_.load()},
          {"execution_count", execution_count_.load()},
          {"inference_stats",
           {{"success", pair(success_)},
            {"fail", pair(fail_)},
            {"queue", pair(queue_)},
            {"compute_infer", pair(compute_)}}},
          {"batch_stats", batches}};
}

}  // namespace easel::serving
