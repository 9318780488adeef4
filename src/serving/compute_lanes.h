#pragma once
// A fixed set of threads ("lanes") that run calls handed to them while the callers wait.
//
// Serving uses it for model calls that run on a team of OpenMP threads. libgomp keeps a team
// per thread that opens parallel regions, and once the threads of all teams in the process
// outnumber the cores it cuts every waiting team member's spin to about a hundred iterations
// (GOMP_SPINCOUNT does not lift that limit): each of a network's many parallel regions then
// ends in futex sleeps and wake-ups. With one team per endpoint, a second endpoint was enough
// to make every batch on a two-core machine up to 2x slower. Handing team calls to a few
// long-lived lanes keeps the teams, and so libgomp's thread count, fixed however many
// endpoints a server has.
//
// Batch predictions use one lane to predict a batch while their own thread reads the next
// (Async).
//
// Thread-safety: Run may be called from any number of threads.

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <vector>

namespace easel::serving {

class ComputeLanes {
 public:
  explicit ComputeLanes(int lanes);
  // Runs what is queued, then joins the lanes.
  ~ComputeLanes();
  ComputeLanes(const ComputeLanes&) = delete;
  ComputeLanes& operator=(const ComputeLanes&) = delete;

  // Runs `fn` on a free lane (the oldest call first when all are busy) and returns once it
  // has; what `fn` throws is thrown here.
  void Run(const std::function<void()>& fn);
  // The same for a call with a result: returns what `fn` returns.
  template <typename Fn>
  std::invoke_result_t<Fn&> Call(Fn&& fn) {
    std::optional<std::invoke_result_t<Fn&>> result;
    Run([&] { result.emplace(fn()); });
    return std::move(*result);
  }

 private:
  struct Pending {
    const std::function<void()>* fn;
    bool done = false;
    std::exception_ptr error;
  };

 public:
  // A call that runs on a lane while its caller goes on: constructing one queues `fn`, which
  // must outlive it; Wait returns once `fn` has run and throws what it threw. Not waited for,
  // the destructor waits (and drops what it threw).
  class Async {
   public:
    Async(ComputeLanes& lanes, const std::function<void()>& fn);
    ~Async();
    Async(const Async&) = delete;
    Async& operator=(const Async&) = delete;
    void Wait();

   private:
    ComputeLanes& lanes_;
    Pending call_;  // queued by address: an Async never moves
    bool waited_ = false;
  };

 private:
  void Lane();

  std::mutex mu_;
  std::condition_variable queued_;
  std::condition_variable finished_;
  std::deque<Pending*> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace easel::serving
