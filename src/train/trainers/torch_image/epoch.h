#pragma once
// One training or evaluation pass of a classifier over a BatchLoader's batches, and the single
// optimizer step both the trainer and bench/image_classifier_bench.cc run. Internal to
// trainers/torch_image (LibTorch types).

#include <torch/optim/optimizer.h>
#include <torch/types.h>

#include <cstdint>
#include <utility>

#include "common/status.h"
#include "train/trainer_api.h"
#include "train/trainers/torch_image/batch_loader.h"
#include "train/trainers/torch_image/nets.h"

namespace easel::train::torch_image {

// The batch as (N×C×H×W float, N int64 labels) on `device`. On the CPU the pixels are not
// copied: the tensor takes ownership of the batch's buffer.
std::pair<torch::Tensor, torch::Tensor> BatchTensors(Batch batch, const torch::Device& device);

// zero_grad, forward, cross-entropy (with label smoothing), backward, step. `net` must be in
// train mode. Returns the batch's mean loss, detached, on the device (reading it would make a
// CUDA step synchronous, so callers sum first and read once per epoch). May throw c10::Error:
// callers run it inside torch_util::Guard.
torch::Tensor TrainStep(ClassifierNet& net, torch::optim::Optimizer& optimizer,
                        const torch::Tensor& images, const torch::Tensor& labels,
                        double label_smoothing);

struct EpochStats {
  double loss = 0;      // mean per sample
  double accuracy = 0;  // fraction of argmax hits (EvaluateEpoch; NaN from TrainEpoch)
  int64_t samples = 0;
  double seconds = 0;       // wall time of the pass
  double wait_seconds = 0;  // of which the step waited for the loader
};

// Trains on every batch of `loader` (net switched to train mode). CANCELLED as soon as
// hooks.cancelled() is seen before a batch; the loader's errors are returned as they are;
// LibTorch failures are INTERNAL.
Result<EpochStats> TrainEpoch(ClassifierNet& net, torch::optim::Optimizer& optimizer,
                              BatchLoader& loader, const torch::Device& device,
                              double label_smoothing, TrainHooks& hooks);

// Loss (plain cross-entropy: label smoothing is a training device, not part of the measure)
// and accuracy over `loader` in eval mode without gradients. Same errors as TrainEpoch.
Result<EpochStats> EvaluateEpoch(ClassifierNet& net, BatchLoader& loader,
                                 const torch::Device& device, TrainHooks& hooks);

}  // namespace easel::train::torch_image
