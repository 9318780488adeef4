#pragma once
// Dynamic batching: requests queue up, and each model instance (a worker thread) takes the
// oldest and the ones behind it, up to a batch size in rows, waiting at most the queue delay
// for more to arrive. One model call then serves them all, which is what makes a busy endpoint
// fast: a batch of 32 costs a CNN or a tree ensemble little more than a batch of 1.
//
// With max_batch_size 1 every request runs alone (batching off); with a delay of 0 a batch
// holds whatever is already queued and never waits.
//
// With run_on_caller, a request that finds an instance free and no one gathering runs its
// batch on the submitting thread: no hand-off to a worker and back, which at low load is most
// of what serving a small model costs. Under load the queue fills while instances are busy and
// the workers batch as before. Only for models whose calls do not depend on the calling thread
// (no per-thread pools to warm up on every request thread). A caller that must not wait (a
// thread that serves many calls, such as a gRPC completion queue's) runs a batch only when
// there is no queue delay to wait out (else it would hold up the requests that could fill it)
// and the queue holds at most caller_max_rows rows (a long call would hold them up too).
//
// Thread-safety: Submit may be called from any number of threads. The destructor stops
// taking requests, runs what is queued, and joins the workers.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "common/status.h"

namespace easel::serving {

// One request's share of a batch. The batcher calls Run's callback once per batch; the work
// items say how the results go back (usually a promise).
class BatchWork {
 public:
  virtual ~BatchWork() = default;
  // Rows along the batch dimension (at least 1).
  virtual size_t rows() const = 0;
  // Set by the batcher: when it was queued and when its batch started.
  std::chrono::steady_clock::time_point queued_at;
  std::chrono::steady_clock::time_point started_at;
};

struct BatcherOptions {
  size_t max_batch_size = 1;       // rows per model call
  int64_t max_queue_delay_us = 0;  // longest wait for a batch to fill
  int instances = 1;               // worker threads, each one model call at a time
  size_t max_queue_size = 1024;    // queued requests before Submit refuses
  bool run_on_caller = false;      // Submit may run a batch on its own thread (see above)
  size_t caller_max_rows = SIZE_MAX;  // the most a caller that must not wait runs itself
};

class Batcher {
 public:
  // Whether Submit's thread may wait out the queue delay gathering a batch it runs itself.
  enum class Caller { kMayWait, kMustNotWait };

  // Runs one batch. Must deliver a result to every item (success or error) and not throw.
  using RunBatch = std::function<void(std::span<const std::shared_ptr<BatchWork>> batch)>;

  Batcher(BatcherOptions options, RunBatch run);
  ~Batcher();
  Batcher(const Batcher&) = delete;
  Batcher& operator=(const Batcher&) = delete;

  // Queues one request; with run_on_caller it may also run a batch (its own request among
  // the oldest queued) before returning. RESOURCE_EXHAUSTED when the queue is full,
  // UNAVAILABLE once the batcher is stopping; the work is not run then.
  Status Submit(std::shared_ptr<BatchWork> work, Caller caller = Caller::kMayWait);

  // Requests queued and not yet started.
  size_t pending() const;
  const BatcherOptions& options() const { return options_; }

 private:
  using Batch = std::vector<std::shared_ptr<BatchWork>>;
  void Work();
  // Takes the next batch for a worker, waiting for requests, a free instance and the batch to
  // fill. Empty once stopping with nothing left.
  Batch NextBatch();
  // Takes queued requests into a batch for an instance the caller has claimed, waiting at most
  // the queue delay for it to fill. Called with the lock held and the queue non-empty.
  Batch Gather(std::unique_lock<std::mutex>& lock);
  // Runs a gathered batch on this thread, then frees its instance.
  void RunAndRelease(const Batch& batch);

  const BatcherOptions options_;
  const RunBatch run_;
  mutable std::mutex mu_;
  std::condition_variable arrived_;
  std::deque<std::shared_ptr<BatchWork>> queue_;
  size_t queued_rows_ = 0;  // of the requests in queue_
  bool stopping_ = false;
  bool gathering_ = false;  // an instance is filling a batch
  int busy_ = 0;            // instances gathering or running a batch (workers or callers)
  std::vector<std::thread> workers_;
};

}  // namespace easel::serving
