#include "serving/compute_lanes.h"

#include <pthread.h>

#include <algorithm>

namespace easel::serving {

ComputeLanes::ComputeLanes(int lanes) {
  const int n = std::max(1, lanes);
  threads_.reserve(n);
  for (int i = 0; i < n; ++i) threads_.emplace_back([this] { Lane(); });
}

ComputeLanes::~ComputeLanes() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  queued_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void ComputeLanes::Run(const std::function<void()>& fn) {
  Async call(*this, fn);
  call.Wait();
}

ComputeLanes::Async::Async(ComputeLanes& lanes, const std::function<void()>& fn)
    : lanes_(lanes), call_{.fn = &fn} {
  std::lock_guard lock(lanes_.mu_);
  lanes_.queue_.push_back(&call_);
  lanes_.queued_.notify_one();
}

ComputeLanes::Async::~Async() {
  if (waited_) return;
  std::unique_lock lock(lanes_.mu_);
  lanes_.finished_.wait(lock, [&] { return call_.done; });
}

void ComputeLanes::Async::Wait() {
  {
    // Each caller waits for its own call; finished_ wakes them all, which with a handful of
    // lanes and calls of milliseconds costs nothing measurable.
    std::unique_lock lock(lanes_.mu_);
    lanes_.finished_.wait(lock, [&] { return call_.done; });
  }
  waited_ = true;
  if (call_.error) std::rethrow_exception(call_.error);
}

void ComputeLanes::Lane() {
  // Named so that per-thread tools (top -H, perf) show where model calls run; the OpenMP
  // team members this thread starts inherit the name.
  pthread_setname_np(pthread_self(), "easel-compute");
  std::unique_lock lock(mu_);
  for (;;) {
    queued_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, with nothing left
    Pending* call = queue_.front();
    queue_.pop_front();
    lock.unlock();
    try {
      (*call->fn)();
    } catch (...) {
      call->error = std::current_exception();
    }
    lock.lock();
    call->done = true;
    finished_.notify_all();
  }
}

}  // namespace easel::serving
