#include "train/trainers/torch_image/batch_loader.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "common/files.h"

namespace easel::train::torch_image {

namespace tf = data::transforms;

std::vector<std::pair<size_t, size_t>> PlanBatches(size_t n, size_t batch_size) {
  std::vector<std::pair<size_t, size_t>> ranges;
  if (batch_size == 0) batch_size = 1;
  for (size_t begin = 0; begin < n; begin += batch_size) {
    ranges.emplace_back(begin, std::min(n, begin + batch_size));
  }
  if (ranges.size() > 1 && ranges.back().second - ranges.back().first == 1) {
    ranges.pop_back();
    ranges.back().second = n;
  }
  return ranges;
}

BatchLoader::BatchLoader(const tf::Pipeline& pipeline, std::span<const ImageItem> items,
                         std::vector<size_t> order, const Options& options)
    : pipeline_(pipeline), items_(items), order_(std::move(order)), options_(options) {
  ranges_ = PlanBatches(order_.size(), options_.batch_size);
  end_ = ranges_.size();
  if (options_.workers < 1) options_.workers = 1;
  if (options_.prefetch == 0) options_.prefetch = 2 * static_cast<size_t>(options_.workers);
  int workers = static_cast<int>(std::min<size_t>(options_.workers, ranges_.size()));
  for (int i = 0; i < workers; ++i) threads_.emplace_back([this] { Work(); });
}

BatchLoader::~BatchLoader() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  space_cv_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void BatchLoader::Work() {
  while (true) {
    size_t index;
    {
      std::unique_lock lock(mu_);
      // Bounded: never more than `prefetch` batches beyond the one the consumer waits for.
      space_cv_.wait(lock, [&] {
        return stop_ || next_claim_ >= end_ || next_claim_ < next_out_ + options_.prefetch;
      });
      if (stop_ || next_claim_ >= end_) return;
      index = next_claim_++;
    }
    Result<Batch> batch = Build(index);
    {
      std::lock_guard lock(mu_);
      // Claims go up in order, so every batch before a failed one is already claimed and will
      // be delivered; nothing after it is worth building.
      if (!batch.ok()) end_ = std::min(end_, index + 1);
      done_.emplace(index, std::move(batch));
    }
    ready_cv_.notify_all();
    space_cv_.notify_all();
  }
}

Result<Batch> BatchLoader::Build(size_t index) const {
  auto [begin, end] = ranges_[index];
  Batch batch;
  batch.labels.reserve(end - begin);
  for (size_t pos = begin; pos < end; ++pos) {
    // A cancelled epoch should not wait for a whole large batch to decode.
    if (stop_.load(std::memory_order_relaxed)) return Cancelled("loader stopped");
    const ImageItem& item = items_[order_[pos]];
    auto fail = [&](const Status& s) {
      return Status(s.code(),
                    fmt::format("sample '{}' ({}): {}", item.sample_id, item.path, s.message()));
    };
    Result<std::string> bytes = ReadFile(item.path);
    if (!bytes.ok()) return fail(bytes.status());
    tf::TransformOptions transform{options_.mode, 0};
    if (options_.mode == tf::Mode::kTraining) {
      transform.seed = tf::AugmentationSeed(options_.seed, static_cast<uint64_t>(options_.epoch),
                                            item.sample_id);
    }
    Result<tf::ImageTensor> image = pipeline_.TransformImage(*bytes, transform);
    if (!image.ok()) return fail(image.status());
    if (batch.labels.empty()) {
      batch.channels = image->channels;
      batch.height = image->height;
      batch.width = image->width;
      batch.pixels.reserve((end - begin) * image->data.size());
    } else if (image->channels != batch.channels || image->height != batch.height ||
               image->width != batch.width) {
      return fail(Internal(fmt::format("pipeline produced {}x{}x{} after {}x{}x{}", image->channels,
                                       image->height, image->width, batch.channels, batch.height,
                                       batch.width)));
    }
    batch.pixels.insert(batch.pixels.end(), image->data.begin(), image->data.end());
    batch.labels.push_back(item.label);
  }
  return batch;
}

Result<std::optional<Batch>> BatchLoader::Next() {
  std::unique_lock lock(mu_);
  if (next_out_ >= ranges_.size()) return std::optional<Batch>();
  auto start = std::chrono::steady_clock::now();
  bool waited = false;
  while (done_.find(next_out_) == done_.end()) {
    waited = true;
    ready_cv_.wait(lock);
  }
  if (waited) {
    wait_seconds_ +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  auto node = done_.extract(next_out_);
  ++next_out_;
  lock.unlock();
  space_cv_.notify_all();
  if (!node.mapped().ok()) {
    // Nothing after a failed batch is delivered.
    std::lock_guard relock(mu_);
    next_out_ = ranges_.size();
    return node.mapped().status();
  }
  return std::optional<Batch>(std::move(node.mapped()).value());
}

}  // namespace easel::train::torch_image
