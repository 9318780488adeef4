#pragma once
// What a run carries from one boosting round to the next besides the trees: the early-stopping
// record and the thread count, and the checkpoint that stores them with the model.

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/json.h"
#include "common/status.h"
#include "train/trainer_api.h"

namespace easel::train::xgboost {

struct RunState {
  int rounds_done = 0;      // rounds in the model
  int best_iteration = -1;  // 0-based round with the lowest val loss so far; -1: none
  double best_score = INFINITY;
  int threads = 1;  // XGBoost's nthread for the whole run (results depend on it)
};

// Early stopping as XGBoost's own callback does it (minimise, min_delta 0): a round improves
// only on a strictly lower loss.
void RecordValLoss(RunState& state, int round, double val_loss);
// True once `patience` rounds have passed without improvement (never for patience 0).
bool ShouldStop(const RunState& state, int patience);

struct Checkpoint {
  RunState state;
  Json fingerprint;   // RunFingerprint of the run that wrote it
  std::string model;  // the booster, XGBoost UBJSON
};

// The JSON header on one line, then the model bytes.
std::string EncodeCheckpoint(const Checkpoint& checkpoint);
// DATA_LOSS when the bytes are not a checkpoint this trainer wrote.
Result<Checkpoint> DecodeCheckpoint(std::string_view bytes);

// What must be equal for a checkpoint to continue this run: task, shapes, parameters, seed,
// and a digest of the train and val data.
Json RunFingerprint(const TabularProblem& problem, const Json& params, uint64_t seed);

}  // namespace easel::train::xgboost
