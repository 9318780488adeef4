#pragma once
// Feeds the training step: worker threads read image files, run the transform pipeline and
// assemble whole batches ahead of the consumer, through a bounded window, so decoding overlaps
// the forward/backward pass. No LibTorch here: a batch is plain floats the trainer wraps.
//
// Determinism: the batches and their order are fixed by `order` and the batch size alone.
// Each batch is built by one worker, item by item in order, and handed out strictly by index,
// so thread timing changes nothing but speed. Augmentations draw from
// AugmentationSeed(seed, epoch, sample_id), so they depend on the sample, not on who decoded it.
// The epoch's order itself comes from torch_util::EpochPermutation(n, seed, epoch).

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <utility>
#include <vector>

#include "common/status.h"
#include "data/transforms/pipeline.h"
#include "train/trainer_api.h"

namespace easel::train::torch_image {

// One batch, CHW images back to back: pixels.size() == size() * channels * height * width.
struct Batch {
  std::vector<float> pixels;
  std::vector<int64_t> labels;
  int channels = 0;
  int height = 0;
  int width = 0;
  size_t size() const { return labels.size(); }
};

// Consecutive [begin, end) ranges of `n` positions, batch_size each; a last batch of a single
// item joins the one before it (batch norm cannot train on one value per channel).
std::vector<std::pair<size_t, size_t>> PlanBatches(size_t n, size_t batch_size);

class BatchLoader {
 public:
  struct Options {
    int workers = 2;
    size_t batch_size = 32;
    data::transforms::Mode mode = data::transforms::Mode::kInference;
    uint64_t seed = 0;  // training mode: the base of AugmentationSeed
    int64_t epoch = 0;
    size_t prefetch = 0;  // batches built ahead of the consumer; 0: 2 × workers
  };

  // Starts the workers at once. `pipeline` and `items` are borrowed and must outlive the
  // loader; `order` lists indices into `items` (each < items.size()).
  BatchLoader(const data::transforms::Pipeline& pipeline, std::span<const ImageItem> items,
              std::vector<size_t> order, const Options& options);
  // Stops the workers (each finishes at most the image it is on) and joins them.
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  // The next batch in order, nullopt after the last. A file that cannot be read or decoded is
  // its batch's error (INVALID_ARGUMENT "sample 'ID' (PATH): ...", NOT_FOUND kept for a
  // missing file); no batch after it is produced. Called from one thread.
  Result<std::optional<Batch>> Next();

  size_t num_batches() const { return ranges_.size(); }
  // Seconds Next() spent waiting for a batch that was not ready: near 0 means the workers
  // keep the consumer fed.
  double wait_seconds() const { return wait_seconds_; }

 private:
  void Work();
  Result<Batch> Build(size_t index) const;

  const data::transforms::Pipeline& pipeline_;
  std::span<const ImageItem> items_;
  std::vector<size_t> order_;
  Options options_;
  std::vector<std::pair<size_t, size_t>> ranges_;

  std::mutex mu_;
  std::condition_variable ready_cv_;  // a batch was stored
  std::condition_variable space_cv_;  // the consumer took one, or stop
  size_t next_claim_ = 0;             // next batch index a worker takes
  size_t end_ = 0;                    // no batch at or past this index is built
  size_t next_out_ = 0;               // next batch index Next() returns
  std::atomic<bool> stop_ = false;    // read without the lock between images
  std::map<size_t, Result<Batch>> done_;
  std::vector<std::thread> threads_;
  double wait_seconds_ = 0;
};

}  // namespace easel::train::torch_image
