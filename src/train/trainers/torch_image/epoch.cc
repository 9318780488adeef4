#include "train/trainers/torch_image/epoch.h"

#include <torch/nn/functional/loss.h>
#include <torch/utils.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <optional>

#include "train/trainers/torch_common/torch_util.h"

namespace easel::train::torch_image {
namespace {

namespace F = torch::nn::functional;

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

std::pair<torch::Tensor, torch::Tensor> BatchTensors(Batch batch, const torch::Device& device) {
  const int64_t n = static_cast<int64_t>(batch.size());
  torch::Tensor labels = torch::tensor(batch.labels, torch::kInt64);
  auto owned = std::make_unique<std::vector<float>>(std::move(batch.pixels));
  float* data = owned->data();
  torch::Tensor images = torch::from_blob(
      data, {n, batch.channels, batch.height, batch.width},
      [buffer = owned.release()](void*) { delete buffer; }, torch::kFloat32);
  if (device.is_cpu()) return {images, labels};
  return {images.to(device), labels.to(device)};
}

torch::Tensor TrainStep(ClassifierNet& net, torch::optim::Optimizer& optimizer,
                        const torch::Tensor& images, const torch::Tensor& labels,
                        double label_smoothing) {
  optimizer.zero_grad();
  torch::Tensor logits = net.forward(images);
  torch::Tensor loss = F::cross_entropy(
      logits, labels, F::CrossEntropyFuncOptions().label_smoothing(label_smoothing));
  loss.backward();
  optimizer.step();
  return loss.detach();
}

Result<EpochStats> TrainEpoch(ClassifierNet& net, torch::optim::Optimizer& optimizer,
                              BatchLoader& loader, const torch::Device& device,
                              double label_smoothing, TrainHooks& hooks) {
  auto start = std::chrono::steady_clock::now();
  const double waited_before = loader.wait_seconds();
  EpochStats stats;
  stats.accuracy = NAN;
  torch::Tensor loss_sum;
  EASEL_RETURN_IF_ERROR(torch_util::Guard("starting a training epoch", [&] {
    net.train();
    loss_sum = torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat64).device(device));
  }));
  while (true) {
    if (hooks.cancelled()) return Cancelled("training cancelled");
    EASEL_ASSIGN_OR_RETURN(std::optional<Batch> batch, loader.Next());
    if (!batch) break;
    const int64_t n = static_cast<int64_t>(batch->size());
    EASEL_RETURN_IF_ERROR(torch_util::Guard("a training step", [&] {
      auto [images, labels] = BatchTensors(std::move(*batch), device);
      torch::Tensor loss = TrainStep(net, optimizer, images, labels, label_smoothing);
      loss_sum += loss.to(torch::kFloat64) * n;
    }));
    stats.samples += n;
  }
  EASEL_RETURN_IF_ERROR(torch_util::Guard("reading the epoch's loss", [&] {
    stats.loss = stats.samples > 0 ? loss_sum.item<double>() / stats.samples : NAN;
  }));
  stats.seconds = SecondsSince(start);
  stats.wait_seconds = loader.wait_seconds() - waited_before;
  return stats;
}

Result<EpochStats> EvaluateEpoch(ClassifierNet& net, BatchLoader& loader,
                                 const torch::Device& device, TrainHooks& hooks) {
  auto start = std::chrono::steady_clock::now();
  const double waited_before = loader.wait_seconds();
  EpochStats stats;
  torch::NoGradGuard no_grad;
  torch::Tensor loss_sum, correct;
  EASEL_RETURN_IF_ERROR(torch_util::Guard("starting an evaluation", [&] {
    net.eval();
    loss_sum = torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat64).device(device));
    correct = torch::zeros({}, torch::TensorOptions().dtype(torch::kInt64).device(device));
  }));
  while (true) {
    if (hooks.cancelled()) return Cancelled("training cancelled");
    EASEL_ASSIGN_OR_RETURN(std::optional<Batch> batch, loader.Next());
    if (!batch) break;
    const int64_t n = static_cast<int64_t>(batch->size());
    EASEL_RETURN_IF_ERROR(torch_util::Guard("an evaluation step", [&] {
      auto [images, labels] = BatchTensors(std::move(*batch), device);
      torch::Tensor logits = net.forward(images);
      loss_sum +=
          F::cross_entropy(logits, labels, F::CrossEntropyFuncOptions().reduction(torch::kSum))
              .to(torch::kFloat64);
      correct += logits.argmax(1).eq(labels).sum();
    }));
    stats.samples += n;
  }
  EASEL_RETURN_IF_ERROR(torch_util::Guard("reading the evaluation", [&] {
    if (stats.samples == 0) {
      stats.loss = stats.accuracy = NAN;
      return;
    }
    stats.loss = loss_sum.item<double>() / stats.samples;
    stats.accuracy = static_cast<double>(correct.item<int64_t>()) / stats.samples;
  }));
  stats.seconds = SecondsSince(start);
  stats.wait_seconds = loader.wait_seconds() - waited_before;
  return stats;
}

}  // namespace easel::train::torch_image
