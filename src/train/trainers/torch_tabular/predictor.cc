// Loading a torch_tabular model for CPU inference.

#include <ATen/Functions.h>
#include <ATen/TensorOperators.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <cstring>

#include "train/trainers/torch_common/state_dict.h"
#include "train/trainers/torch_common/torch_util.h"
#include "train/trainers/torch_tabular/dataset.h"
#include "train/trainers/torch_tabular/network.h"
#include "train/trainers/torch_tabular/torch_tabular.h"

namespace easel::train::torch_tabular {
namespace {

constexpr int64_t kChunkRows = 4096;

class Predictor : public TabularPredictor {
 public:
  Predictor(ModelConfig config, torch::nn::Sequential net)
      : config_(std::move(config)), net_(std::move(net)) {}

  Result<std::vector<float>> Predict(data::transforms::FeatureView x) const override {
    if (x.cols != config_.num_features()) {
      return InvalidArgument("the model takes " + std::to_string(config_.num_features()) +
                             " features, not " + std::to_string(x.cols));
    }
    if (x.data.size() != x.rows * x.cols) {
      return InvalidArgument("the feature matrix holds " + std::to_string(x.data.size()) +
                             " values, not rows × columns");
    }
    const size_t outputs = num_outputs();
    std::vector<float> result(x.rows * outputs);
    if (x.rows == 0) return result;
    std::vector<float> in = Standardize(x, {config_.feature_mean, config_.feature_std});
    EASEL_RETURN_IF_ERROR(torch_util::Guard("predicting", [&] {
      torch::NoGradGuard no_grad;
      const int64_t rows = static_cast<int64_t>(x.rows);
      const int64_t cols = static_cast<int64_t>(x.cols);
      for (int64_t begin = 0; begin < rows; begin += kChunkRows) {
        const int64_t len = std::min(kChunkRows, rows - begin);
        at::Tensor chunk = at::from_blob(in.data() + begin * cols, {len, cols}, at::kFloat);
        at::Tensor out = OutputsOf(config_.task, net_.ptr()->forward(chunk));
        if (config_.task == Task::kRegression) {
          out = out * config_.target_std + config_.target_mean;
        }
        out = out.to(at::kFloat).contiguous();
        std::memcpy(result.data() + begin * outputs, out.data_ptr<float>(),
                    static_cast<size_t>(len) * outputs * sizeof(float));
      }
    }));
    return result;
  }

  size_t num_outputs() const override {
    return config_.task == Task::kRegression ? 1 : config_.classes.size();
  }

 private:
  const ModelConfig config_;
  // Read-only after Load: forward in eval mode without autograd mutates nothing, so concurrent
  // Predict calls are safe.
  torch::nn::Sequential net_;
};

}  // namespace

Result<std::unique_ptr<TabularPredictor>> Load(const ModelFiles& files) {
  auto json_file = files.find("model.json");
  auto weights = files.find("weights.safetensors");
  if (json_file == files.end() || weights == files.end()) {
    return InvalidArgument("a torch_tabular model needs model.json and weights.safetensors");
  }
  EASEL_ASSIGN_OR_RETURN(Json json, ParseJson(json_file->second));
  EASEL_ASSIGN_OR_RETURN(ModelConfig config, ModelConfigFromJson(json));
  EASEL_ASSIGN_OR_RETURN(torch::nn::Sequential net, BuildNetwork(config));
  EASEL_RETURN_IF_ERROR(
      torch_util::LoadStateDict(*net, weights->second, torch_util::LoadMode::kStrict));
  EASEL_RETURN_IF_ERROR(torch_util::Guard("preparing the model", [&] { net->eval(); }));
  return std::unique_ptr<TabularPredictor>(new Predictor(std::move(config), std::move(net)));
}

}  // namespace easel::train::torch_tabular
