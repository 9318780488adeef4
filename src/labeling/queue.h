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
//  - uncertainty: active learning. First the open samples that have a pre-label
//    (prelabel_store.h), the ones the model is least sure about first by the chosen measure:
//    smallest confidence (least_confidence), smallest margin between the two most probable
//    classes (margin) or largest entropy (entropy); ties in random order. Then the open samples
//    without a pre-label, in random order, so the queue never runs dry while a model is
//    missing or still running.
// The caller's own leases come back first, in the same order. Every item carries the
// sample's pre-label when it has one, whatever the strategy.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "labeling/annotations.h"
#include "labeling/prelabel_store.h"
#include "labeling/task.h"
#include "labeling/task_store.h"
#include "store/blob_store.h"
#include "store/sql.h"

namespace easel::labeling {

enum class QueueStrategy { kRandom, kUncertainty };

// INVALID_ARGUMENT listing the strategies.
Result<QueueStrategy> ParseQueueStrategy(std::string_view name);

// How the uncertainty strategy ranks pre-labeled samples.
enum class UncertaintyMeasure { kLeastConfidence, kMargin, kEntropy };

std::string_view ToString(UncertaintyMeasure measure);  // least_confidence, margin, entropy
// INVALID_ARGUMENT (field "measure") listing the measures.
Result<UncertaintyMeasure> ParseUncertaintyMeasure(std::string_view name);

inline constexpr int kMaxQueueLimit = 100;

struct QueueItem {
  TaskSample sample;
  std::optional<Annotation> annotation;  // a rejected or reset one the sample already has
  std::optional<Prelabel> prelabel;      // the model's guess, when it has one
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
  // queue order. `measure` is used by the uncertainty strategy only. INVALID_ARGUMENT for a
  // limit out of range.
  Result<std::vector<QueueItem>> Next(
      const Task& task, const std::string& user_id, QueueStrategy strategy, int limit,
      UncertaintyMeasure measure = UncertaintyMeasure::kLeastConfidence);

 private:
  int64_t Now() const;

  store::Database& db_;
  store::BlobStore& blobs_;
  TaskStore tasks_;
  Options options_;
};

}  // namespace easel::labeling
