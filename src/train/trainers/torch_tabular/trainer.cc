// The training loop of the `linear` and `mlp` trainers.
//
// Determinism: weights are initialized from MixSeed(seed, kInitStream); every epoch re-seeds
// LibTorch from (seed, epoch) and shuffles with EpochPermutation(seed, epoch). So an epoch's
// randomness depends only on its number, and a run resumed from the checkpoint written at an
// epoch boundary (weights, optimizer state, early-stopping bookkeeping) reproduces the
// uninterrupted run bit for bit on CPU.
//
// optimizer "lbfgs" trains on all training rows at once: each epoch is one call of a fresh
// L-BFGS optimizer (up to kLbfgsIterations iterations with a strong Wolfe line search), so an
// epoch depends only on the weights it starts from and needs no optimizer state to resume.

#include <ATen/Functions.h>
#include <ATen/TensorOperators.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/optim/lbfgs.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <optional>

#include "common/sha256.h"
#include "train/trainers/torch_common/checkpoint.h"
#include "train/trainers/torch_common/optim.h"
#include "train/trainers/torch_common/state_dict.h"
#include "train/trainers/torch_common/torch_util.h"
#include "train/trainers/torch_tabular/dataset.h"
#include "train/trainers/torch_tabular/network.h"
#include "train/trainers/torch_tabular/torch_tabular.h"

namespace easel::train::torch_tabular {
namespace {

namespace tu = torch_util;

constexpr uint64_t kInitStream = 0xffffffffffffffffull;  // epochs use streams 0, 1, ...
constexpr int64_t kEvalChunk = 8192;
constexpr int64_t kLbfgsIterations = 20;
constexpr int64_t kLbfgsHistory = 20;
// An lbfgs epoch that lowers the training objective by less than this (relative) has converged.
constexpr double kLbfgsTolerance = 1e-7;

struct SplitTensors {
  at::Tensor x;  // rows × features, standardized, float32
  at::Tensor y;  // int64 class indices (multiclass) or float32 (binary 0/1, standardized values)
  int64_t rows = 0;
};

struct Evaluation {
  double loss = NAN;
  double metric = NAN;  // accuracy or RMSE in target units
};

class TabularRun {
 public:
  TabularRun(const TabularProblem& problem, TabularConfig config, Json resolved, uint64_t seed,
             c10::Device device, TrainHooks& hooks)
      : problem_(problem),
        config_(std::move(config)),
        resolved_(std::move(resolved)),
        seed_(seed),
        device_(device),
        hooks_(hooks) {}

  Status Execute(ModelFiles* files) {
    model_ = MakeModelConfig();
    tu::SeedEverything(tu::MixSeed(seed_, kInitStream));
    EASEL_ASSIGN_OR_RETURN(net_, BuildNetwork(model_));
    net_->to(device_);
    params_ = net_->parameters();
    if (!FullBatch()) {
      EASEL_ASSIGN_OR_RETURN(optimizer_, tu::MakeOptimizer(params_, config_.optim));
    }
    train_ = ToTensors(problem_.train);
    val_ = ToTensors(problem_.val);
    fingerprint_ = Fingerprint();
    EASEL_RETURN_IF_ERROR(Resume());
    for (int64_t epoch = epochs_done_; epoch < config_.epochs && !stopped_; ++epoch) {
      EASEL_RETURN_IF_ERROR(RunEpoch(epoch));
    }
    if (!best_state_.empty()) {
      EASEL_RETURN_IF_ERROR(tu::LoadStateDict(*net_, best_state_, tu::LoadMode::kStrict));
    }
    return WriteFiles(files);
  }

 private:
  bool EarlyStopping() const { return config_.early_stopping_patience > 0 && val_.rows > 0; }
  bool FullBatch() const { return config_.optim.optimizer == "lbfgs"; }

  ModelConfig MakeModelConfig() const {
    ModelConfig m;
    m.arch = config_.arch;
    m.task = problem_.task;
    m.feature_names = problem_.feature_names;
    m.classes = problem_.classes;
    m.num_outputs = NumOutputs(problem_.task, problem_.num_classes());
    m.hidden_layers = config_.hidden_layers;
    m.activation = config_.activation;
    m.dropout = config_.dropout;
    m.batch_norm = config_.batch_norm;
    Standardization s = FitStandardization(problem_.train.x, config_.standardize);
    m.feature_mean = std::move(s.mean);
    m.feature_std = std::move(s.std);
    if (problem_.task == Task::kRegression) {
      FitTarget(problem_.train.y, &m.target_mean, &m.target_std);
    }
    return m;
  }

  SplitTensors ToTensors(const TabularSplit& split) const {
    SplitTensors t;
    t.rows = static_cast<int64_t>(split.rows());
    const int64_t cols = static_cast<int64_t>(model_.num_features());
    if (t.rows == 0) return t;
    std::vector<float> x = Standardize(split.x, {model_.feature_mean, model_.feature_std});
    t.x = at::from_blob(x.data(), {t.rows, cols}, at::kFloat).clone().to(device_);
    std::vector<float> y = split.y;
    if (problem_.task == Task::kRegression) {
      for (float& v : y) v = static_cast<float>((v - model_.target_mean) / model_.target_std);
    }
    at::Tensor yt = at::from_blob(y.data(), {t.rows}, at::kFloat).clone();
    if (problem_.task == Task::kMulticlass) yt = yt.to(at::kLong);
    t.y = yt.to(device_);
    return t;
  }

  // Identifies the run a checkpoint belongs to: resuming another run's state would be silent
  // nonsense, so such a checkpoint is ignored.
  std::string Fingerprint() const {
    Sha256 h;
    h.Update(DumpJson({{"params", resolved_},
                       {"seed", seed_},
                       {"model", ModelConfigToJson(model_, Json::object())}}));
    for (const TabularSplit* s : {&problem_.train, &problem_.val}) {
      h.Update(s->x.data.data(), s->x.data.size() * sizeof(float));
      h.Update(s->y.data(), s->y.size() * sizeof(float));
    }
    return h.HexDigest();
  }

  Status Resume() {
    EASEL_ASSIGN_OR_RETURN(std::optional<std::string> bytes, hooks_.LoadCheckpoint());
    if (!bytes) return OkStatus();
    Result<tu::TrainCheckpoint> c = tu::DecodeCheckpoint(*bytes);
    if (!c.ok()) {
      hooks_.Log("ignoring the checkpoint and starting over: " + c.status().message());
      return OkStatus();
    }
    if (c->extra.value("fingerprint", "") != fingerprint_) {
      hooks_.Log("ignoring a checkpoint from another configuration or dataset; starting over");
      return OkStatus();
    }
    EASEL_RETURN_IF_ERROR(tu::LoadStateDict(*net_, c->model_state, tu::LoadMode::kStrict));
    if (optimizer_ != nullptr) {
      EASEL_RETURN_IF_ERROR(tu::LoadOptimizerState(*optimizer_, params_, c->optimizer_state));
    }
    epochs_done_ = std::min(c->epoch, config_.epochs);
    const Json& best = c->extra["best_val_loss"];
    best_val_loss_ =
        best.is_number() ? best.get<double>() : std::numeric_limits<double>::infinity();
    best_epoch_ = c->extra.value("best_epoch", int64_t{0});
    bad_epochs_ = c->extra.value("bad_epochs", int64_t{0});
    stopped_ = c->extra.value("stopped", false);
    auto it = c->blobs.find("best_model");
    if (it != c->blobs.end()) best_state_ = it->second;
    hooks_.Log("resuming after epoch " + std::to_string(epochs_done_));
    return OkStatus();
  }

  Status RunEpoch(int64_t epoch) {
    const auto start = std::chrono::steady_clock::now();
    tu::SeedEpoch(seed_, epoch);
    EpochMetrics m;
    int64_t seen = 0;
    if (FullBatch()) {
      EASEL_ASSIGN_OR_RETURN(m.train_loss, LbfgsEpoch());
      seen = train_.rows;
    } else {
      const double lr = tu::LearningRateAt(config_.optim, epoch, config_.epochs);
      EASEL_ASSIGN_OR_RETURN(m.train_loss, MiniBatchEpoch(epoch, lr, &seen));
      m.learning_rate = lr;
    }
    epochs_done_ = epoch + 1;
    m.epoch = epoch + 1;
    m.epochs = config_.epochs;
    if (val_.rows > 0) {
      Evaluation e = Evaluate(val_);
      m.val_loss = e.loss;
      m.val_metric = e.metric;
      EASEL_RETURN_IF_ERROR(TrackBest(e.loss));
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    m.samples_per_s = seconds > 0 ? static_cast<double>(seen) / seconds : NAN;
    hooks_.ReportEpoch(m);
    return SaveCheckpoint();
  }

  // One pass over the training rows in shuffled mini-batches; the mean training loss. `seen`
  // receives the number of rows stepped on.
  Result<double> MiniBatchEpoch(int64_t epoch, double lr, int64_t* seen) {
    tu::SetLearningRate(*optimizer_, lr);
    std::vector<int64_t> order = tu::EpochPermutation(train_.rows, seed_, epoch);
    at::Tensor order_t = at::from_blob(order.data(), {train_.rows}, at::kLong).clone().to(device_);
    net_->train();
    double loss_sum = 0;
    for (int64_t begin = 0; begin < train_.rows; begin += config_.batch_size) {
      if (hooks_.cancelled()) return Cancelled("training was cancelled");
      const int64_t len = std::min(config_.batch_size, train_.rows - begin);
      // BatchNorm cannot normalize a single row; drop a one-row remainder batch.
      if (config_.batch_norm && len == 1) continue;
      at::Tensor idx = order_t.narrow(0, begin, len);
      optimizer_->zero_grad();
      at::Tensor loss = LossOf(problem_.task, net_->forward(train_.x.index_select(0, idx)),
                               train_.y.index_select(0, idx), config_.label_smoothing);
      loss.backward();
      optimizer_->step();
      loss_sum += loss.item<double>() * static_cast<double>(len);
      *seen += len;
    }
    return *seen > 0 ? loss_sum / static_cast<double>(*seen) : NAN;
  }

  // The full-batch objective: the mean training loss plus weight_decay / 2 times the squared
  // weight matrices (not biases, as ridge and logistic regression leave the intercept alone).
  // With `gradients`, also accumulates its gradient, chunk by chunk so memory stays bounded.
  struct Objective {
    double loss = 0;  // the mean training loss alone
    double total = 0;
  };
  Objective FullBatchObjective(bool gradients) {
    std::optional<torch::NoGradGuard> no_grad;
    if (!gradients) no_grad.emplace();
    Objective o;
    const double n = static_cast<double>(train_.rows);
    for (int64_t begin = 0; begin < train_.rows; begin += kEvalChunk) {
      const int64_t len = std::min(kEvalChunk, train_.rows - begin);
      at::Tensor loss = LossOf(problem_.task, net_->forward(train_.x.narrow(0, begin, len)),
                               train_.y.narrow(0, begin, len), config_.label_smoothing) *
                        (static_cast<double>(len) / n);
      if (gradients) loss.backward();
      o.loss += loss.item<double>();
    }
    o.total = o.loss;
    if (config_.optim.weight_decay > 0) {
      at::Tensor penalty = at::zeros({}, train_.x.options());
      for (const at::Tensor& p : params_) {
        if (p.dim() >= 2) penalty = penalty + p.pow(2).sum();
      }
      penalty = penalty * (config_.optim.weight_decay / 2);
      if (gradients) penalty.backward();
      o.total += penalty.item<double>();
    }
    return o;
  }

  // One epoch of full-batch L-BFGS; the mean training loss after it. Marks the run stopped
  // once an epoch no longer lowers the objective.
  Result<double> LbfgsEpoch() {
    if (hooks_.cancelled()) return Cancelled("training was cancelled");
    net_->train();
    torch::optim::LBFGS lbfgs(params_, torch::optim::LBFGSOptions(1.0)
                                           .max_iter(kLbfgsIterations)
                                           .history_size(kLbfgsHistory)
                                           .line_search_fn("strong_wolfe"));
    // The objective where the epoch starts: L-BFGS evaluates it first, at these weights.
    std::optional<double> before;
    lbfgs.step([&] {
      lbfgs.zero_grad();
      const double total = FullBatchObjective(true).total;
      if (!before) before = total;
      return at::scalar_tensor(total, at::kFloat);
    });
    const Objective after = FullBatchObjective(false);
    if (!std::isfinite(after.total)) {
      return FailedPrecondition("lbfgs diverged: the training loss is not finite");
    }
    if (*before - after.total <= kLbfgsTolerance * std::max(1.0, std::fabs(*before))) {
      stopped_ = true;
      hooks_.Log("lbfgs converged after epoch " + std::to_string(epochs_done_ + 1));
    }
    return after.loss;
  }

  // Early-stopping bookkeeping after an epoch with validation loss `loss`.
  Status TrackBest(double loss) {
    if (loss < best_val_loss_) {
      best_val_loss_ = loss;
      best_epoch_ = epochs_done_;
      bad_epochs_ = 0;
      if (EarlyStopping()) {
        EASEL_ASSIGN_OR_RETURN(best_state_, tu::SaveStateDict(*net_));
      }
    } else if (++bad_epochs_ >= config_.early_stopping_patience && EarlyStopping()) {
      stopped_ = true;
      hooks_.Log("early stopping after epoch " + std::to_string(epochs_done_) + "; keeping epoch " +
                 std::to_string(best_epoch_));
    }
    return OkStatus();
  }

  // Mean loss (no label smoothing) and metric of the current weights on `split`.
  Evaluation Evaluate(const SplitTensors& split) {
    torch::NoGradGuard no_grad;
    net_->eval();
    double loss_sum = 0;
    double metric_sum = 0;
    for (int64_t begin = 0; begin < split.rows; begin += kEvalChunk) {
      const int64_t len = std::min(kEvalChunk, split.rows - begin);
      at::Tensor out = net_->forward(split.x.narrow(0, begin, len));
      at::Tensor y = split.y.narrow(0, begin, len);
      loss_sum += LossOf(problem_.task, out, y, 0.0).item<double>() * static_cast<double>(len);
      if (problem_.task == Task::kRegression) {
        metric_sum += (out.squeeze(1) - y).pow(2).sum().item<double>();
      } else {
        at::Tensor predicted =
            problem_.task == Task::kBinary ? (out.squeeze(1) > 0).to(at::kFloat) : out.argmax(1);
        metric_sum += predicted.eq(y).sum().item<double>();
      }
    }
    net_->train();
    const double n = static_cast<double>(split.rows);
    Evaluation e;
    e.loss = loss_sum / n;
    e.metric = problem_.task == Task::kRegression ? std::sqrt(metric_sum / n) * model_.target_std
                                                  : metric_sum / n;
    return e;
  }

  Status SaveCheckpoint() {
    tu::TrainCheckpoint c;
    c.epoch = epochs_done_;
    EASEL_ASSIGN_OR_RETURN(c.model_state, tu::SaveStateDict(*net_));
    if (optimizer_ != nullptr) {
      EASEL_ASSIGN_OR_RETURN(c.optimizer_state, tu::SaveOptimizerState(*optimizer_, params_));
    }
    c.extra = {{"fingerprint", fingerprint_},
               {"best_epoch", best_epoch_},
               {"bad_epochs", bad_epochs_},
               {"stopped", stopped_}};
    if (std::isfinite(best_val_loss_)) c.extra["best_val_loss"] = best_val_loss_;
    if (!best_state_.empty()) c.blobs["best_model"] = best_state_;
    return hooks_.SaveCheckpoint(tu::EncodeCheckpoint(c));
  }

  Status WriteFiles(ModelFiles* files) {
    net_->eval();
    EASEL_ASSIGN_OR_RETURN(std::string weights,
                           tu::SaveStateDict(*net_, {{"format", std::string(kFormat)}}));
    Json info = {{"params", resolved_},
                 {"seed", seed_},
                 {"epochs_trained", epochs_done_},
                 {"best_epoch", best_state_.empty() ? epochs_done_ : best_epoch_}};
    (*files)["model.json"] = DumpJson(ModelConfigToJson(model_, info));
    (*files)["weights.safetensors"] = std::move(weights);
    return OkStatus();
  }

  const TabularProblem& problem_;
  const TabularConfig config_;
  const Json resolved_;
  const uint64_t seed_;
  const c10::Device device_;
  TrainHooks& hooks_;

  ModelConfig model_;
  torch::nn::Sequential net_{nullptr};
  std::vector<at::Tensor> params_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;  // null for the full-batch lbfgs
  SplitTensors train_, val_;
  std::string fingerprint_;

  int64_t epochs_done_ = 0;
  double best_val_loss_ = std::numeric_limits<double>::infinity();
  int64_t best_epoch_ = 0;
  int64_t bad_epochs_ = 0;
  bool stopped_ = false;
  std::string best_state_;  // SaveStateDict of the best epoch; empty without early stopping
};

Result<ModelFiles> Train(Arch arch, const TabularProblem& problem, const Json& params,
                         uint64_t seed, const Resources& resources, TrainHooks& hooks) {
  Json resolved;
  EASEL_ASSIGN_OR_RETURN(TabularConfig config, ParseConfig(arch, params, &resolved));
  EASEL_RETURN_IF_ERROR(ValidateProblem(problem));
  if (config.batch_norm && problem.train.rows() < 2) {
    return InvalidArgument("batch_norm needs at least 2 training rows");
  }
  EASEL_ASSIGN_OR_RETURN(c10::Device device, tu::ResolveDevice(resources));
  tu::ConfigureThreads(resources);
  TabularRun run(problem, std::move(config), std::move(resolved), seed, device, hooks);
  ModelFiles files;
  EASEL_RETURN_IF_ERROR(
      tu::Guard("training " + std::string(ArchName(arch)), [&] { return run.Execute(&files); }));
  return files;
}

}  // namespace

Json LinearParamsSchema() { return ParamsSchema(Arch::kLinear); }
Json MlpParamsSchema() { return ParamsSchema(Arch::kMlp); }

Result<ModelFiles> TrainLinear(const TabularProblem& problem, const Json& params, uint64_t seed,
                               const Resources& resources, TrainHooks& hooks) {
  return Train(Arch::kLinear, problem, params, seed, resources, hooks);
}

Result<ModelFiles> TrainMlp(const TabularProblem& problem, const Json& params, uint64_t seed,
                            const Resources& resources, TrainHooks& hooks) {
  return Train(Arch::kMlp, problem, params, seed, resources, hooks);
}

}  // namespace easel::train::torch_tabular
