#include "train/trainers/torch_tabular/network.h"

#include <ATen/Functions.h>
#include <ATen/TensorOperators.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>

#include "train/trainers/torch_common/torch_util.h"

namespace easel::train::torch_tabular {

Result<torch::nn::Sequential> BuildNetwork(const ModelConfig& c) {
  torch::nn::Sequential net;
  EASEL_RETURN_IF_ERROR(torch_util::Guard("building the network", [&] {
    int64_t in = static_cast<int64_t>(c.num_features());
    if (c.arch == Arch::kMlp) {
      for (int64_t units : c.hidden_layers) {
        net->push_back(torch::nn::Linear(in, units));
        if (c.batch_norm) net->push_back(torch::nn::BatchNorm1d(units));
        if (c.activation == "gelu") {
          net->push_back(torch::nn::GELU());
        } else if (c.activation == "tanh") {
          net->push_back(torch::nn::Tanh());
        } else {
          net->push_back(torch::nn::ReLU());
        }
        if (c.dropout > 0) net->push_back(torch::nn::Dropout(c.dropout));
        in = units;
      }
    }
    net->push_back(torch::nn::Linear(in, c.num_outputs));
  }));
  return net;
}

at::Tensor LossOf(Task task, const at::Tensor& out, const at::Tensor& y, double label_smoothing) {
  switch (task) {
    case Task::kMulticlass: {
      // Written out rather than F::cross_entropy's label_smoothing option, which not every
      // supported LibTorch version has; same definition as PyTorch's.
      at::Tensor log_p = at::log_softmax(out, 1);
      at::Tensor nll = -log_p.gather(1, y.unsqueeze(1)).squeeze(1);
      if (label_smoothing <= 0) return nll.mean();
      at::Tensor uniform = -log_p.mean(1);
      return ((1.0 - label_smoothing) * nll + label_smoothing * uniform).mean();
    }
    case Task::kBinary: {
      at::Tensor target = y * (1.0 - label_smoothing) + 0.5 * label_smoothing;
      return at::binary_cross_entropy_with_logits(out.squeeze(1), target);
    }
    case Task::kRegression:
      return at::mse_loss(out.squeeze(1), y);
  }
  return at::Tensor();
}

at::Tensor OutputsOf(Task task, const at::Tensor& out) {
  switch (task) {
    case Task::kMulticlass:
      return at::softmax(out, 1);
    case Task::kBinary: {
      at::Tensor p = at::sigmoid(out);
      return at::cat({1.0 - p, p}, 1);
    }
    case Task::kRegression:
      return out;
  }
  return out;
}

}  // namespace easel::train::torch_tabular
