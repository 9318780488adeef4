#include "train/trainers/torch_common/optim.h"

#include <torch/optim/adamw.h>
#include <torch/optim/sgd.h>

#include <cmath>
#include <map>
#include <numbers>
#include <sstream>
#include <type_traits>

#include "common/safetensors.h"
#include "train/trainers/torch_common/tensor_io.h"
#include "train/trainers/torch_common/torch_util.h"

namespace easel::train::torch_util {
namespace {

// The key under which LibTorch's optimizers keep a parameter's state. LibTorch 1.x keys by the
// TensorImpl address printed as text (c10::guts::to_string, i.e. operator<< of the pointer);
// LibTorch 2.x keys by the address itself. Picking by the map's key type keeps both working.
template <class Key>
Key StateKey(const at::Tensor& param) {
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream out;
    out << param.unsafeGetTensorImpl();
    return out.str();
  } else {
    return static_cast<Key>(param.unsafeGetTensorImpl());
  }
}

template <class Opt>
auto Key(const Opt& opt, const at::Tensor& param) {
  using Map = std::decay_t<decltype(opt.state())>;
  return StateKey<typename Map::key_type>(param);
}

std::string Name(size_t index, std::string_view field) {
  return std::to_string(index) + "." + std::string(field);
}

// AdamW's step counter is an int64 in LibTorch 1.x; tolerate a tensor in later versions.
template <class Step>
at::Tensor StepToTensor(const Step& step) {
  if constexpr (std::is_integral_v<Step>) {
    return at::scalar_tensor(static_cast<int64_t>(step), at::kLong);
  } else {
    return step.to(at::kLong);
  }
}

template <class Step>
Step StepFromTensor(const at::Tensor& t) {
  if constexpr (std::is_integral_v<Step>) {
    return static_cast<Step>(t.item<int64_t>());
  } else {
    return t.clone();
  }
}

}  // namespace

Status ValidateOptimConfig(const OptimConfig& c) {
  if (c.optimizer != "sgd" && c.optimizer != "adamw") {
    return InvalidArgument("optimizer '" + c.optimizer + "' is not one of adamw, sgd");
  }
  if (c.schedule != "cosine" && c.schedule != "step" && c.schedule != "constant") {
    return InvalidArgument("schedule '" + c.schedule + "' is not one of cosine, step, constant");
  }
  if (!(c.lr > 0) || !std::isfinite(c.lr)) return InvalidArgument("learning_rate must be > 0");
  if (!(c.weight_decay >= 0) || !std::isfinite(c.weight_decay)) {
    return InvalidArgument("weight_decay must be >= 0");
  }
  if (!(c.momentum >= 0 && c.momentum < 1)) return InvalidArgument("momentum must be in [0, 1)");
  if (c.nesterov && c.optimizer == "sgd" && c.momentum <= 0) {
    return InvalidArgument("nesterov needs momentum > 0");
  }
  if (!(c.gamma > 0 && c.gamma <= 1)) return InvalidArgument("gamma must be in (0, 1]");
  if (c.step_size < 1) return InvalidArgument("step_size must be >= 1");
  if (c.warmup_epochs < 0) return InvalidArgument("warmup_epochs must be >= 0");
  return OkStatus();
}

Result<std::unique_ptr<torch::optim::Optimizer>> MakeOptimizer(std::vector<at::Tensor> params,
                                                               const OptimConfig& c) {
  EASEL_RETURN_IF_ERROR(ValidateOptimConfig(c));
  std::unique_ptr<torch::optim::Optimizer> opt;
  EASEL_RETURN_IF_ERROR(Guard("creating the optimizer", [&] {
    if (c.optimizer == "sgd") {
      opt =
          std::make_unique<torch::optim::SGD>(std::move(params), torch::optim::SGDOptions(c.lr)
                                                                     .momentum(c.momentum)
                                                                     .nesterov(c.nesterov)
                                                                     .weight_decay(c.weight_decay));
    } else {
      opt = std::make_unique<torch::optim::AdamW>(
          std::move(params), torch::optim::AdamWOptions(c.lr).weight_decay(c.weight_decay));
    }
  }));
  return opt;
}

double LearningRateAt(const OptimConfig& c, int64_t epoch, int64_t epochs) {
  if (epoch < c.warmup_epochs) {
    return c.lr * static_cast<double>(epoch + 1) / static_cast<double>(c.warmup_epochs + 1);
  }
  const int64_t t = epoch - c.warmup_epochs;
  if (c.schedule == "cosine") {
    const int64_t total = std::max<int64_t>(1, epochs - c.warmup_epochs);
    const double progress = std::min(1.0, static_cast<double>(t) / static_cast<double>(total));
    return c.lr * 0.5 * (1.0 + std::cos(std::numbers::pi * progress));
  }
  if (c.schedule == "step") {
    return c.lr * std::pow(c.gamma, static_cast<double>(t / std::max<int64_t>(1, c.step_size)));
  }
  return c.lr;
}

void SetLearningRate(torch::optim::Optimizer& opt, double lr) {
  for (auto& group : opt.param_groups()) group.options().set_lr(lr);
}

Result<std::string> SaveOptimizerState(const torch::optim::Optimizer& opt,
                                       const std::vector<at::Tensor>& params) {
  safetensors::Writer writer;
  const auto& state = opt.state();
  std::string kind;
  if (dynamic_cast<const torch::optim::SGD*>(&opt) != nullptr) {
    kind = "sgd";
    for (size_t i = 0; i < params.size(); ++i) {
      auto it = state.find(Key(opt, params[i]));
      if (it == state.end()) continue;
      const auto& s = static_cast<const torch::optim::SGDParamState&>(*it->second);
      if (s.momentum_buffer().defined()) {
        EASEL_RETURN_IF_ERROR(AddTensor(writer, Name(i, "momentum_buffer"), s.momentum_buffer()));
      }
    }
  } else if (dynamic_cast<const torch::optim::AdamW*>(&opt) != nullptr) {
    kind = "adamw";
    for (size_t i = 0; i < params.size(); ++i) {
      auto it = state.find(Key(opt, params[i]));
      if (it == state.end()) continue;
      const auto& s = static_cast<const torch::optim::AdamWParamState&>(*it->second);
      at::Tensor step;
      EASEL_RETURN_IF_ERROR(
          Guard("reading optimizer step", [&] { step = StepToTensor(s.step()); }));
      EASEL_RETURN_IF_ERROR(AddTensor(writer, Name(i, "step"), step));
      EASEL_RETURN_IF_ERROR(AddTensor(writer, Name(i, "exp_avg"), s.exp_avg()));
      EASEL_RETURN_IF_ERROR(AddTensor(writer, Name(i, "exp_avg_sq"), s.exp_avg_sq()));
      if (s.max_exp_avg_sq().defined()) {
        EASEL_RETURN_IF_ERROR(AddTensor(writer, Name(i, "max_exp_avg_sq"), s.max_exp_avg_sq()));
      }
    }
  } else {
    return InvalidArgument("only sgd and adamw optimizer state can be saved");
  }
  writer.SetMetadata({{"optimizer", kind}, {"num_params", std::to_string(params.size())}});
  return writer.Finish();
}

namespace {

// The saved tensor `name`, on the parameter's device and dtype, checked against its shape.
// An undefined tensor when absent.
Result<at::Tensor> LoadLike(const safetensors::File& file, const std::string& name,
                            const at::Tensor& param) {
  const safetensors::TensorInfo* info = file.Find(name);
  if (info == nullptr) return at::Tensor();
  if (info->shape != param.sizes().vec()) {
    return InvalidArgument("optimizer state '" + name + "' does not match its parameter's shape");
  }
  EASEL_ASSIGN_OR_RETURN(at::Tensor t, ToTensor(*info));
  EASEL_RETURN_IF_ERROR(Guard("loading optimizer state '" + name + "'",
                              [&] { t = t.to(param.device(), param.scalar_type()); }));
  return t;
}

}  // namespace

Status LoadOptimizerState(torch::optim::Optimizer& opt, const std::vector<at::Tensor>& params,
                          std::string_view bytes) {
  EASEL_ASSIGN_OR_RETURN(safetensors::File file, safetensors::File::Parse(bytes));
  auto meta = [&](const std::string& key) {
    auto it = file.metadata().find(key);
    return it == file.metadata().end() ? std::string() : it->second;
  };
  const bool is_sgd = dynamic_cast<torch::optim::SGD*>(&opt) != nullptr;
  const bool is_adamw = dynamic_cast<torch::optim::AdamW*>(&opt) != nullptr;
  if (!is_sgd && !is_adamw) return InvalidArgument("only sgd and adamw optimizer state loads");
  const std::string kind = is_sgd ? "sgd" : "adamw";
  if (meta("optimizer") != kind) {
    return InvalidArgument("optimizer state was saved for '" + meta("optimizer") + "', not '" +
                           kind + "'");
  }
  if (meta("num_params") != std::to_string(params.size())) {
    return InvalidArgument("optimizer state was saved for " + meta("num_params") +
                           " parameters, not " + std::to_string(params.size()));
  }

  // Build every entry first, so a damaged file leaves the optimizer as it was.
  using State = std::unique_ptr<torch::optim::OptimizerParamState>;
  std::vector<std::pair<size_t, State>> entries;
  for (size_t i = 0; i < params.size(); ++i) {
    if (is_sgd) {
      EASEL_ASSIGN_OR_RETURN(at::Tensor buf, LoadLike(file, Name(i, "momentum_buffer"), params[i]));
      if (!buf.defined()) continue;
      auto s = std::make_unique<torch::optim::SGDParamState>();
      s->momentum_buffer(buf);
      entries.emplace_back(i, std::move(s));
      continue;
    }
    const safetensors::TensorInfo* step = file.Find(Name(i, "step"));
    if (step == nullptr) continue;
    if (!step->shape.empty() || step->dtype != safetensors::DType::kI64) {
      return InvalidArgument("optimizer state '" + step->name + "' is not an I64 scalar");
    }
    auto s = std::make_unique<torch::optim::AdamWParamState>();
    EASEL_ASSIGN_OR_RETURN(at::Tensor step_tensor, ToTensor(*step));
    using Step = std::decay_t<decltype(s->step())>;
    EASEL_RETURN_IF_ERROR(
        Guard("loading optimizer step", [&] { s->step(StepFromTensor<Step>(step_tensor)); }));
    EASEL_ASSIGN_OR_RETURN(at::Tensor exp_avg, LoadLike(file, Name(i, "exp_avg"), params[i]));
    EASEL_ASSIGN_OR_RETURN(at::Tensor exp_avg_sq, LoadLike(file, Name(i, "exp_avg_sq"), params[i]));
    EASEL_ASSIGN_OR_RETURN(at::Tensor max_sq, LoadLike(file, Name(i, "max_exp_avg_sq"), params[i]));
    if (!exp_avg.defined() || !exp_avg_sq.defined()) {
      return InvalidArgument("optimizer state for parameter " + std::to_string(i) +
                             " lacks exp_avg or exp_avg_sq");
    }
    s->exp_avg(exp_avg);
    s->exp_avg_sq(exp_avg_sq);
    if (max_sq.defined()) s->max_exp_avg_sq(max_sq);
    entries.emplace_back(i, std::move(s));
  }
  return Guard("installing optimizer state", [&] {
    opt.state().clear();
    for (auto& [i, s] : entries) opt.state()[Key(opt, params[i])] = std::move(s);
  });
}

}  // namespace easel::train::torch_util
