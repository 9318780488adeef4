#pragma once
// The labeling queue: which samples an annotator should label next.
//
// A sample is open when it has no annotation, or one that is unlabeled or rejected. Handing
// samples out leases them to the annotator for Options::lease_ms (10 minutes by default), so
// two annotators asking at the same time never get the same samples; asking again renews the
// caller's own leases and hands them back first, and storing an annotation ends its lease.
//
// Strategies:
//  - random: the task's seeded random order (QueueRank), the same for every annotator;
//  - uncertainty: the samples a model is least sure about; needs a model, which arrives with
//    training: for now INVALID_ARGUMENT.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "labeling/annotations.h"
#include "labeling/task.h"
#include "labeling/task_store.h"
#include "store/blob_store.h"
#include "store/sql.h"

namespace easel::labeling {

enum class QueueStrategy { kRandom, kUncertainty };

// INVALID_ARGUMENT listing the strategies.
Result<QueueStrategy> ParseQueueStrategy(std::string_view name);

inline constexpr int kMaxQueueLimit = 100;

struct QueueItem {
  TaskSample sample;
  std::optional<Annotation> annotation;  // a rejected or reset one the sample already has
  int64_t lease_expires_at = 0;
};

class LabelingQueue {
 public:
  struct Options {
    int64_t lease_ms = 10 * 60 * 1000;
    std::function<int64_t()> now;  // milliseconds since the epoch; NowMillis when empty
  };
  LabelingQueue(store::Database& db, store::BlobStore& blobs, Options options);
  LabelingQueue(store::Database& db, store::BlobStore& blobs)
      : LabelingQueue(db, blobs, Options()) {}

  // Leases up to `limit` (1..kMaxQueueLimit) open samples to `user_id` and returns them in
  // queue order. INVALID_ARGUMENT for a limit out of range or the uncertainty strategy.
  Result<std::vector<QueueItem>> Next(const Task& task, const std::string& user_id,
                                      QueueStrategy strategy, int limit);

 private:
  int64_t Now() const;

  store::Database& db_;
  store::BlobStore& blobs_;
  TaskStore tasks_;
  Options options_;
};

}  // namespace easel::labeling
