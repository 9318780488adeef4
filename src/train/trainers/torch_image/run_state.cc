#include "train/trainers/torch_image/run_state.h"

#include <cmath>

namespace easel::train::torch_image {
namespace {

constexpr char kBestModel[] = "best_model";

Json WithoutWorkers(Json params) {
  if (params.is_object()) params.erase("workers");
  return params;
}

}  // namespace

bool RunState::Update(int64_t epoch, double val_loss, int patience, const std::string& weights) {
  if (val_loss < best_val_loss) {  // NaN never improves
    best_val_loss = val_loss;
    best_epoch = epoch;
    best_weights = weights;
    epochs_without_improvement = 0;
    return false;
  }
  return ++epochs_without_improvement >= patience;
}

void SaveRunState(const RunState& state, const Json& params,
                  torch_util::TrainCheckpoint& checkpoint) {
  checkpoint.epoch = state.epochs_done;
  checkpoint.extra = Json{{"params", WithoutWorkers(params)},
                          {"stopped_early", state.stopped_early},
                          {"best_epoch", state.best_epoch},
                          {"epochs_without_improvement", state.epochs_without_improvement}};
  // JSON has no infinity: an absent loss means "none yet".
  if (std::isfinite(state.best_val_loss)) checkpoint.extra["best_val_loss"] = state.best_val_loss;
  if (state.best_epoch > 0 && state.best_epoch != state.epochs_done) {
    checkpoint.blobs[kBestModel] = state.best_weights;
  }
}

Result<RunState> LoadRunState(const torch_util::TrainCheckpoint& checkpoint, const Json& params) {
  const Json& extra = checkpoint.extra;
  if (!extra.is_object() || !extra.contains("params")) {
    return InvalidArgument("the checkpoint has no image_classifier run state");
  }
  if (extra["params"] != WithoutWorkers(params)) {
    return FailedPrecondition(
        "the checkpoint was written by a run with other parameters; start a new job to change "
        "them");
  }
  RunState state;
  state.epochs_done = checkpoint.epoch;
  EASEL_ASSIGN_OR_RETURN(std::optional<bool> stopped, GetOptionalBool(extra, "stopped_early"));
  EASEL_ASSIGN_OR_RETURN(std::optional<int64_t> best_epoch,
                         GetOptionalInt(extra, "best_epoch", 0, checkpoint.epoch));
  EASEL_ASSIGN_OR_RETURN(std::optional<int64_t> without,
                         GetOptionalInt(extra, "epochs_without_improvement", 0, checkpoint.epoch));
  EASEL_ASSIGN_OR_RETURN(std::optional<double> best_loss,
                         GetOptionalNumber(extra, "best_val_loss"));
  state.stopped_early = stopped.value_or(false);
  state.best_epoch = best_epoch.value_or(0);
  state.epochs_without_improvement = without.value_or(0);
  if (best_loss) state.best_val_loss = *best_loss;
  if (state.best_epoch > 0) {
    if (state.best_epoch == checkpoint.epoch) {
      state.best_weights = checkpoint.model_state;
    } else {
      auto blob = checkpoint.blobs.find(kBestModel);
      if (blob == checkpoint.blobs.end()) {
        return InvalidArgument("the checkpoint lacks the weights of its best epoch");
      }
      state.best_weights = blob->second;
    }
  }
  return state;
}

}  // namespace easel::train::torch_image
