#include "serving/compute_lanes.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace easel::serving {
namespace {

TEST(ComputeLanesTest, ACallRunsOnALaneAndIsDoneWhenRunReturns) {
  ComputeLanes lanes(1);
  std::thread::id ran_on;
  int value = 0;
  lanes.Run([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ran_on = std::this_thread::get_id();
    value = 42;
  });
  EXPECT_EQ(value, 42);
  EXPECT_NE(ran_on, std::this_thread::get_id());
  EXPECT_NE(ran_on, std::thread::id());
}

TEST(ComputeLanesTest, CallReturnsWhatTheCallReturns) {
  ComputeLanes lanes(1);
  EXPECT_EQ(lanes.Call([] { return std::string("from a lane"); }), "from a lane");
}

TEST(ComputeLanesTest, WhatACallThrowsReachesItsCallerAndTheLaneGoesOn) {
  ComputeLanes lanes(1);
  EXPECT_THROW(lanes.Run([] { throw std::runtime_error("model failed"); }), std::runtime_error);
  bool ran = false;
  lanes.Run([&] { ran = true; });
  EXPECT_TRUE(ran);
}

TEST(ComputeLanesTest, AnAsyncCallRunsWhileItsCallerGoesOn) {
  ComputeLanes lanes(1);
  std::mutex mu;
  std::unique_lock hold(mu);  // the call cannot finish before the caller lets it
  bool ran = false;
  const std::function<void()> fn = [&] {
    std::lock_guard lock(mu);
    ran = true;
  };
  ComputeLanes::Async call(lanes, fn);
  EXPECT_FALSE(ran);  // the constructor returned with the call still waiting
  hold.unlock();
  call.Wait();
  EXPECT_TRUE(ran);
}

TEST(ComputeLanesTest, WhatAnAsyncCallThrowsReachesWait) {
  ComputeLanes lanes(1);
  const std::function<void()> fails = [] { throw std::runtime_error("model failed"); };
  ComputeLanes::Async call(lanes, fails);
  EXPECT_THROW(call.Wait(), std::runtime_error);
  // Not waited for: its destructor waits, and drops what it threw.
  { ComputeLanes::Async unwaited(lanes, fails); }
  bool ran = false;
  lanes.Run([&] { ran = true; });
  EXPECT_TRUE(ran);
}

// However many callers there are, at most `lanes` calls run at once, always on the same
// threads: that is what keeps the number of OpenMP teams fixed.
TEST(ComputeLanesTest, ManyCallersShareAFixedSetOfLanes) {
  ComputeLanes lanes(2);
  std::atomic<int> running{0};
  std::atomic<int> max_running{0};
  std::mutex mu;
  std::set<std::thread::id> lane_threads;
  std::vector<std::thread> callers;
  std::atomic<int> calls{0};
  for (int c = 0; c < 8; ++c) {
    callers.emplace_back([&] {
      for (int i = 0; i < 5; ++i) {
        lanes.Run([&] {
          const int now = ++running;
          int seen = max_running.load();
          while (now > seen && !max_running.compare_exchange_weak(seen, now)) {
          }
          {
            std::lock_guard lock(mu);
            lane_threads.insert(std::this_thread::get_id());
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(2));
          --running;
          ++calls;
        });
      }
    });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(calls.load(), 40);
  EXPECT_EQ(max_running.load(), 2);
  EXPECT_EQ(lane_threads.size(), 2u);
}

}  // namespace
}  // namespace easel::serving
