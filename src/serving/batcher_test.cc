#include "serving/batcher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <thread>

namespace easel::serving {
namespace {

struct Item final : BatchWork {
  explicit Item(size_t n) : n(n) {}
  size_t n;
  std::promise<size_t> batch_rows;  // the rows of the batch it ran in
  size_t rows() const override { return n; }
};

// Records every batch's rows and answers each item with them.
struct Recorder {
  std::mutex mu;
  std::vector<size_t> batches;
  std::vector<std::thread::id> threads;  // the thread each batch ran on
  std::atomic<int> running{0};
  std::atomic<int> max_running{0};
  std::chrono::milliseconds hold{0};

  Batcher::RunBatch Run() {
    return [this](std::span<const std::shared_ptr<BatchWork>> batch) {
      const int now = ++running;
      int seen = max_running.load();
      while (now > seen && !max_running.compare_exchange_weak(seen, now)) {
      }
      std::this_thread::sleep_for(hold);
      size_t rows = 0;
      for (const auto& w : batch) rows += w->rows();
      {
        std::lock_guard lock(mu);
        batches.push_back(rows);
        threads.push_back(std::this_thread::get_id());
      }
      --running;
      for (const auto& w : batch) static_cast<Item&>(*w).batch_rows.set_value(rows);
    };
  }
};

TEST(Batcher, WithoutBatchingEveryRequestRunsAlone) {
  Recorder rec;
  rec.hold = std::chrono::milliseconds(2);
  std::vector<std::shared_ptr<Item>> items;
  {
    Batcher b({.max_batch_size = 1, .max_queue_delay_us = 0, .instances = 1}, rec.Run());
    for (int i = 0; i < 10; ++i) {
      items.push_back(std::make_shared<Item>(1));
      ASSERT_TRUE(b.Submit(items.back()).ok());
    }
  }
  for (auto& i : items) EXPECT_EQ(i->batch_rows.get_future().get(), 1u);
  EXPECT_EQ(rec.batches.size(), 10u);
}

TEST(Batcher, QueuedRequestsShareOneCallUpToTheBatchSize) {
  Recorder rec;
  rec.hold = std::chrono::milliseconds(50);
  std::vector<std::shared_ptr<Item>> items;
  {
    Batcher b({.max_batch_size = 8, .max_queue_delay_us = 0, .instances = 1}, rec.Run());
    // The first runs alone and holds the instance while 20 more queue up.
    items.push_back(std::make_shared<Item>(1));
    ASSERT_TRUE(b.Submit(items.back()).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    for (int i = 0; i < 20; ++i) {
      items.push_back(std::make_shared<Item>(1));
      ASSERT_TRUE(b.Submit(items.back()).ok());
    }
  }
  EXPECT_EQ(rec.batches, (std::vector<size_t>{1, 8, 8, 4}));
}

TEST(Batcher, TheDelayWaitsForABatchToFill) {
  Recorder rec;
  std::vector<std::shared_ptr<Item>> items;
  Batcher b({.max_batch_size = 4, .max_queue_delay_us = 2'000'000, .instances = 1}, rec.Run());
  for (int i = 0; i < 4; ++i) {
    items.push_back(std::make_shared<Item>(1));
    ASSERT_TRUE(b.Submit(items.back()).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // A full batch goes at once, long before the 2 s delay.
  auto f = items.back()->batch_rows.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(1)), std::future_status::ready);
  EXPECT_EQ(f.get(), 4u);
}

TEST(Batcher, TheDelayEndsAHalfFullBatch) {
  Recorder rec;
  Batcher b({.max_batch_size = 64, .max_queue_delay_us = 20'000, .instances = 1}, rec.Run());
  auto a = std::make_shared<Item>(3);
  auto c = std::make_shared<Item>(2);
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(b.Submit(a).ok());
  ASSERT_TRUE(b.Submit(c).ok());
  EXPECT_EQ(a->batch_rows.get_future().get(), 5u);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(19));
}

TEST(Batcher, ARequestLargerThanABatchRunsAlone) {
  Recorder rec;
  rec.hold = std::chrono::milliseconds(30);
  std::vector<std::shared_ptr<Item>> items;
  {
    Batcher b({.max_batch_size = 4, .instances = 1}, rec.Run());
    for (size_t n : {1, 10, 2, 2}) {
      items.push_back(std::make_shared<Item>(n));
      ASSERT_TRUE(b.Submit(items.back()).ok());
    }
  }
  ASSERT_EQ(rec.batches.size(), 3u);
  EXPECT_EQ(rec.batches[1], 10u);
  EXPECT_EQ(rec.batches[2], 4u);
}

TEST(Batcher, InstancesRunInParallel) {
  Recorder rec;
  rec.hold = std::chrono::milliseconds(40);
  std::vector<std::shared_ptr<Item>> items;
  {
    Batcher b({.max_batch_size = 1, .instances = 3}, rec.Run());
    for (int i = 0; i < 6; ++i) {
      items.push_back(std::make_shared<Item>(1));
      ASSERT_TRUE(b.Submit(items.back()).ok());
    }
  }
  EXPECT_EQ(rec.max_running.load(), 3);
  EXPECT_EQ(rec.batches.size(), 6u);
}

TEST(Batcher, AFullQueueRefusesWithResourceExhausted) {
  Recorder rec;
  rec.hold = std::chrono::milliseconds(100);
  std::vector<std::shared_ptr<Item>> items;
  Batcher b({.max_batch_size = 1, .instances = 1, .max_queue_size = 2}, rec.Run());
  int refused = 0;
  for (int i = 0; i < 6; ++i) {
    auto item = std::make_shared<Item>(1);
    Status st = b.Submit(item);
    if (st.ok()) {
      items.push_back(item);
    } else {
      EXPECT_EQ(st.code(), StatusCode::kResourceExhausted);
      EXPECT_NE(st.message().find("queue is full"), std::string::npos);
      ++refused;
    }
    if (i == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(refused, 3);  // one running, two queued
  for (auto& i : items) EXPECT_EQ(i->batch_rows.get_future().get(), 1u);
}

TEST(Batcher, StoppingRunsWhatIsQueued) {
  Recorder rec;
  rec.hold = std::chrono::milliseconds(5);
  std::vector<std::shared_ptr<Item>> items;
  {
    Batcher b({.max_batch_size = 2, .max_queue_delay_us = 1'000'000, .instances = 1}, rec.Run());
    for (int i = 0; i < 5; ++i) {
      items.push_back(std::make_shared<Item>(1));
      ASSERT_TRUE(b.Submit(items.back()).ok());
    }
  }  // no wait for the delay: stopping sends what is queued at once
  size_t rows = 0;
  for (size_t r : rec.batches) rows += r;
  EXPECT_EQ(rows, 5u);
  for (auto& i : items) {
    auto f = i->batch_rows.get_future();
    EXPECT_EQ(f.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  }
}

TEST(Batcher, WithRunOnCallerAnIdleInstanceRunsTheRequestOnItsOwnThread) {
  Recorder rec;
  Batcher b({.max_batch_size = 8, .instances = 1, .run_on_caller = true}, rec.Run());
  for (int i = 0; i < 3; ++i) {
    auto item = std::make_shared<Item>(2);
    auto f = item->batch_rows.get_future();
    ASSERT_TRUE(b.Submit(item).ok());
    // Done before Submit returned, on this thread.
    ASSERT_EQ(f.wait_for(std::chrono::seconds(0)), std::future_status::ready);
    EXPECT_EQ(f.get(), 2u);
  }
  std::lock_guard lock(rec.mu);
  ASSERT_EQ(rec.threads.size(), 3u);
  for (auto id : rec.threads) EXPECT_EQ(id, std::this_thread::get_id());
}

TEST(Batcher, ACallerThatMustNotWaitLeavesGatheringToTheWorkers) {
  Recorder rec;
  std::vector<std::shared_ptr<Item>> items;
  {
    Batcher b(
        {.max_batch_size = 4, .max_queue_delay_us = 200'000, .instances = 1, .run_on_caller = true},
        rec.Run());
    // Each Submit returns at once although the instance is free: a worker waits for the
    // batch to fill, and all four requests, sent one after the other, share it.
    for (int i = 0; i < 4; ++i) {
      items.push_back(std::make_shared<Item>(1));
      const auto start = std::chrono::steady_clock::now();
      ASSERT_TRUE(b.Submit(items.back(), Batcher::Caller::kMustNotWait).ok());
      EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(100));
    }
    for (auto& i : items) EXPECT_EQ(i->batch_rows.get_future().get(), 4u);
  }
  ASSERT_EQ(rec.threads.size(), 1u);
  EXPECT_NE(rec.threads[0], std::this_thread::get_id());
}

TEST(Batcher, ACallerThatMustNotWaitStillRunsABatchWithNoDelayItself) {
  Recorder rec;
  Batcher b({.max_batch_size = 8, .instances = 1, .run_on_caller = true}, rec.Run());
  auto item = std::make_shared<Item>(1);
  auto f = item->batch_rows.get_future();
  ASSERT_TRUE(b.Submit(item, Batcher::Caller::kMustNotWait).ok());
  ASSERT_EQ(f.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  std::lock_guard lock(rec.mu);
  ASSERT_EQ(rec.threads.size(), 1u);
  EXPECT_EQ(rec.threads[0], std::this_thread::get_id());
}

TEST(Batcher, ACallerThatMustNotWaitLeavesLargeBatchesToTheWorkers) {
  Recorder rec;
  Batcher b({.max_batch_size = 64, .instances = 1, .run_on_caller = true, .caller_max_rows = 4},
            rec.Run());
  auto small = std::make_shared<Item>(4), large = std::make_shared<Item>(5);
  ASSERT_TRUE(b.Submit(small, Batcher::Caller::kMustNotWait).ok());
  ASSERT_TRUE(b.Submit(large, Batcher::Caller::kMustNotWait).ok());
  EXPECT_EQ(small->batch_rows.get_future().get(), 4u);
  EXPECT_EQ(large->batch_rows.get_future().get(), 5u);
  std::lock_guard lock(rec.mu);
  ASSERT_EQ(rec.threads.size(), 2u);
  EXPECT_EQ(rec.threads[0], std::this_thread::get_id());
  EXPECT_NE(rec.threads[1], std::this_thread::get_id());
}

TEST(Batcher, WithRunOnCallerABusyInstanceStillBatchesOnTheWorkers) {
  Recorder rec;
  rec.hold = std::chrono::milliseconds(50);
  std::vector<std::shared_ptr<Item>> items;
  std::thread first;
  {
    Batcher b({.max_batch_size = 8, .instances = 1, .run_on_caller = true}, rec.Run());
    // The first request holds the only instance on its own thread while 20 more queue up.
    first = std::thread([&] { ASSERT_TRUE(b.Submit(std::make_shared<Item>(1)).ok()); });
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    for (int i = 0; i < 20; ++i) {
      items.push_back(std::make_shared<Item>(1));
      ASSERT_TRUE(b.Submit(items.back()).ok());
    }
    first.join();
  }
  EXPECT_EQ(rec.batches, (std::vector<size_t>{1, 8, 8, 4}));
  EXPECT_EQ(rec.max_running.load(), 1);
  for (size_t i = 1; i < rec.threads.size(); ++i) {
    EXPECT_NE(rec.threads[i], std::this_thread::get_id());
  }
  for (auto& i : items) EXPECT_GE(i->batch_rows.get_future().get(), 4u);
}

TEST(Batcher, WithRunOnCallerCallersNeverExceedTheInstances) {
  Recorder rec;
  rec.hold = std::chrono::milliseconds(5);
  std::atomic<int> done{0};
  {
    Batcher b({.max_batch_size = 1, .instances = 2, .run_on_caller = true}, rec.Run());
    std::vector<std::thread> callers;
    for (int t = 0; t < 8; ++t) {
      callers.emplace_back([&] {
        for (int i = 0; i < 10; ++i) {
          auto item = std::make_shared<Item>(1);
          auto f = item->batch_rows.get_future();
          ASSERT_TRUE(b.Submit(item).ok());
          EXPECT_EQ(f.get(), 1u);
          ++done;
        }
      });
    }
    for (auto& c : callers) c.join();
  }
  EXPECT_EQ(done.load(), 80);
  EXPECT_EQ(rec.batches.size(), 80u);
  EXPECT_EQ(rec.max_running.load(), 2);
}

}  // namespace
}  // namespace easel::serving
