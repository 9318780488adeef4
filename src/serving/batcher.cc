#include "serving/batcher.h"

#include <pthread.h>

#include <algorithm>

namespace easel::serving {

Batcher::Batcher(BatcherOptions options, RunBatch run) : options_(options), run_(std::move(run)) {
  const int n = std::max(1, options_.instances);
  workers_.reserve(n);
  for (int i = 0; i < n; ++i) workers_.emplace_back([this] { Work(); });
}

Batcher::~Batcher() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  arrived_.notify_all();
  for (std::thread& t : workers_) t.join();
}

Status Batcher::Submit(std::shared_ptr<BatchWork> work, Caller caller) {
  std::unique_lock lock(mu_);
  if (stopping_) return Unavailable("the model is being unloaded; retry");
  if (queue_.size() >= options_.max_queue_size) {
    return ResourceExhausted("the endpoint's queue is full (" +
                             std::to_string(options_.max_queue_size) +
                             " requests waiting); retry later");
  }
  work->queued_at = std::chrono::steady_clock::now();
  queued_rows_ += work->rows();
  queue_.push_back(std::move(work));
  const bool may_run_here =
      options_.run_on_caller &&
      (caller == Caller::kMayWait ||
       (options_.max_queue_delay_us == 0 && queued_rows_ <= options_.caller_max_rows));
  if (may_run_here && !gathering_ && busy_ < std::max(1, options_.instances)) {
    Batch batch = Gather(lock);
    lock.unlock();
    RunAndRelease(batch);
    return OkStatus();
  }
  lock.unlock();
  // All: the instance filling a batch must hear of it, not only an idle one.
  arrived_.notify_all();
  return OkStatus();
}

size_t Batcher::pending() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

Batcher::Batch Batcher::Gather(std::unique_lock<std::mutex>& lock) {
  Batch batch;
  size_t rows = 0;
  const size_t max_rows = std::max<size_t>(1, options_.max_batch_size);
  // Takes queued requests while they fit; a request larger than a whole batch runs alone.
  auto take = [&] {
    while (!queue_.empty()) {
      const size_t r = queue_.front()->rows();
      if (!batch.empty() && rows + r > max_rows) break;
      rows += r;
      queued_rows_ -= r;
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
  };
  ++busy_;
  gathering_ = true;
  const auto deadline =
      queue_.front()->queued_at + std::chrono::microseconds(options_.max_queue_delay_us);
  take();
  while (rows < max_rows && queue_.empty() && !stopping_ && options_.max_queue_delay_us > 0) {
    if (!arrived_.wait_until(lock, deadline, [&] { return stopping_ || !queue_.empty(); })) break;
    take();
  }
  gathering_ = false;
  // What did not fit goes to the next instance, if one is free.
  if (!queue_.empty()) arrived_.notify_all();
  return batch;
}

Batcher::Batch Batcher::NextBatch() {
  std::unique_lock lock(mu_);
  // One instance gathers at a time, so two half-filled batches never wait side by side.
  // Stopping, a worker still runs what is queued before it leaves.
  arrived_.wait(lock, [&] {
    return (stopping_ && queue_.empty()) ||
           (!queue_.empty() && !gathering_ && busy_ < std::max(1, options_.instances));
  });
  if (queue_.empty()) return {};
  return Gather(lock);
}

void Batcher::RunAndRelease(const Batch& batch) {
  const auto now = std::chrono::steady_clock::now();
  for (const auto& w : batch) w->started_at = now;
  run_(batch);
  bool more;
  {
    std::lock_guard lock(mu_);
    --busy_;
    more = !queue_.empty();
  }
  if (more) arrived_.notify_all();  // requests that came in meanwhile need an instance
}

void Batcher::Work() {
  // Named so that per-thread tools (top -H, perf) tell the model instances apart.
  pthread_setname_np(pthread_self(), "easel-instance");
  for (;;) {
    Batch batch = NextBatch();
    if (batch.empty()) return;
    RunAndRelease(batch);
  }
}

}  // namespace easel::serving
