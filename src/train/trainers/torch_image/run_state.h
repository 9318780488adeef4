#pragma once
// What a training run carries from one epoch to the next besides the weights and the optimizer
// (the best validation loss and its weights, for early stopping), and how it travels in a
// checkpoint's `extra`, so a resumed run makes exactly the decisions an uninterrupted one does.
// No LibTorch here.

#include <cstdint>
#include <limits>
#include <string>

#include "common/json.h"
#include "common/status.h"
#include "train/trainers/torch_common/checkpoint.h"

namespace easel::train::torch_image {

struct RunState {
  int64_t epochs_done = 0;
  bool stopped_early = false;
  double best_val_loss = std::numeric_limits<double>::infinity();
  int64_t best_epoch = 0;  // 1-based; 0: none yet
  int64_t epochs_without_improvement = 0;
  std::string best_weights;  // safetensors of best_epoch; empty when none

  // Records one finished epoch (1-based) for early stopping with `patience` (> 0).
  // `weights` are the epoch's weights (kept when they are the best so far). True when training
  // should stop now.
  bool Update(int64_t epoch, double val_loss, int patience, const std::string& weights);
};

// Stores the state in the checkpoint written after state.epochs_done epochs: `extra` gets the
// bookkeeping and the resolved `params` (so a resume can refuse a changed run); the best
// weights go to blobs["best_model"] only when they differ from checkpoint.model_state.
void SaveRunState(const RunState& state, const Json& params,
                  torch_util::TrainCheckpoint& checkpoint);

// Restores the state from a checkpoint. FAILED_PRECONDITION when the checkpoint was written
// with other params (`workers` aside, which changes nothing); INVALID_ARGUMENT when it is
// damaged.
Result<RunState> LoadRunState(const torch_util::TrainCheckpoint& checkpoint, const Json& params);

}  // namespace easel::train::torch_image
