#pragma once
// Pre-labels: a model's guess for a sample of a labeling task, with how sure the model was.
// The prelabel job writes them (prelabel_kind.h), the uncertainty queue orders work by them
// (queue.h), and accepting turns the confident ones into annotations.
//
// A sample has at most one pre-label: the latest model version run over it replaces any
// other's. Pre-labels stay when the sample is annotated (they are history, shown beside the
// annotation) and go with their task.
//
// The measures, from the model's class probabilities p_1..p_K (normalized to sum 1):
//  - confidence = max p_i;
//  - margin     = top1 - top2 (top2 = 0 when K = 1);
//  - entropy    = -sum p_i ln p_i / ln K, normalized to 0..1 (0 when K = 1).
// They are taken over all of the model's classes, including any that are not task labels.
//
// Thread-safe as Database is.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "labeling/task.h"
#include "store/sql.h"

namespace easel::labeling {

struct ClassScores {
  size_t top = 0;  // index of the most probable class (the first one on a tie)
  double confidence = 0;
  double margin = 0;
  double entropy = 0;
};

// Scores one row of k class probabilities. INVALID_ARGUMENT when k is 0 or the row has a
// negative or non-finite value or sums to 0.
Result<ClassScores> ScoreProbabilities(const float* p, size_t k);

struct Prelabel {
  std::string sample_id;
  std::string label;
  double confidence = 0;
  double margin = 0;
  double entropy = 0;
  std::string model;
  int64_t model_version = 0;
  std::string model_version_id;
  std::string job_id;  // the job that wrote it; "" when none
  int64_t created_at = 0;
};

// {label, confidence, margin, entropy, model, version, created_at}
Json PrelabelToJson(const Prelabel& p);

struct PrelabelCounts {
  int64_t total = 0;  // samples with a pre-label
  int64_t open = 0;   // of those, samples with no annotation or an unlabeled one
};

// What to accept: pre-labels with confidence >= threshold, optionally only those of one model
// (and one version number of it).
struct AcceptRequest {
  double threshold = 1.0;  // in (0, 1]
  std::optional<std::string> model;
  std::optional<int64_t> version;  // needs model
};

struct AcceptOutcome {
  int64_t accepted = 0;
  // Pre-labeled samples (of the requested model and version) still waiting for a person: no
  // annotation or an unlabeled one.
  int64_t remaining = 0;
};

class PrelabelStore {
 public:
  explicit PrelabelStore(store::Database& db) : db_(db) {}

  // Stores `put` (each replacing the sample's pre-label, if any) and removes the pre-labels of
  // `clear`, in one transaction. Labels are not checked here: the prelabel job writes task
  // labels only.
  Status Write(const Task& task, const std::vector<Prelabel>& put,
               const std::vector<std::string>& clear);
  // nullopt when the sample has none.
  Result<std::optional<Prelabel>> Get(const Task& task, const std::string& sample_id);
  // The pre-labels of those of `sample_ids` (at most 1,000) that have one, by sample id.
  Result<std::map<std::string, Prelabel>> GetMany(const Task& task,
                                                  const std::vector<std::string>& sample_ids);
  Result<PrelabelCounts> Counts(const Task& task);

  // Turns the pre-label of every sample that has no annotation, or an unlabeled one, into a
  // `labeled` annotation by `user_id`, when its confidence is >= threshold (and it comes from
  // the requested model and version). The annotation's source is {kind: "prelabel", model,
  // version, model_version_id, confidence}; its queue lease, if any, ends. Rejected samples
  // are never accepted: a reviewer has refused an answer for them and a person must look.
  // Works in transactions of up to 500 samples, so a store failure part-way leaves the
  // samples before it accepted. INVALID_ARGUMENT (field threshold, model or version) for a
  // threshold outside (0, 1] or not finite, a bad model name, a version < 1 or a version
  // without a model; FAILED_PRECONDITION for a detection task (it has no pre-labels).
  Result<AcceptOutcome> Accept(const Task& task, const AcceptRequest& request,
                               const std::string& user_id);

 private:
  store::Database& db_;
};

}  // namespace easel::labeling
