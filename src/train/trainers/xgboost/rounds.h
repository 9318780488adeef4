#pragma once
// The pieces of one boosting round that are not the round loop itself: the per-round XGBoost
// configuration that makes sampling resumable, reading XGBoost's evaluation line, the
// validation metric, and routing XGBoost's log lines into the job's log.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"
#include "train/trainer_api.h"
#include "train/trainers/xgboost/params.h"

namespace easel::train::xgboost {

// XGBoost 1.7 keeps sampling state that its model files do not hold: the global generator
// (re-seeded only when the `seed` parameter changes) and the tree updaters' column samplers
// (created once per updater). So a booster resumed from a checkpoint would sample differently
// from one that ran on. Before every round the trainer therefore sets, besides `base`:
//  - `seed` to RoundSeed(seed, round), which differs from the previous round's, so XGBoost
//    re-seeds its generator whatever happened before;
//  - `updater` to the tree method's sequence, with the no-op "sync" updater in front on odd
//    rounds, so XGBoost builds fresh updaters (and column samplers) every round;
//  - every other parameter again, since XGBoost configures new updaters only from the
//    parameters set since its last configuration.
// With seed_per_iteration (in `base`) each round then depends only on (model, seed, round),
// the same for a fresh booster loaded from a checkpoint as for one that ran on. Verified for
// hist, approx and exact with subsample and colsample_bytree < 1 (xgboost_trainer_test.cc).
XgbArgs RoundArgs(const XgbArgs& base, const std::string& tree_method, uint64_t seed, int round);

// A seed in [0, 2^31) for `round`; consecutive rounds always differ (in the lowest bit).
int64_t RoundSeed(uint64_t seed, int round);

struct RoundLosses {
  double train = NAN;
  double val = NAN;
};

// Reads "[i]\ttrain-<metric>:<value>\tval-<metric>:<value>" (val optional). INTERNAL when a
// value is missing or unreadable.
Result<RoundLosses> ParseEvalLine(std::string_view line, bool has_val);

// Accuracy of class probabilities `probs` (rows x groups; groups 1 for binary: P(class 1))
// against class indices `y`.
double Accuracy(std::span<const float> probs, size_t groups, std::span<const float> y);

// While alive, XGBoost's log lines from this thread go to `hooks.Log` (prefixed "xgboost: "),
// except its warning about an explicitly set updater, which the trainer does on purpose.
class XgbLogRoute {
 public:
  explicit XgbLogRoute(TrainHooks& hooks);
  ~XgbLogRoute();
  XgbLogRoute(const XgbLogRoute&) = delete;
  XgbLogRoute& operator=(const XgbLogRoute&) = delete;

 private:
  TrainHooks* previous_;
};

}  // namespace easel::train::xgboost
