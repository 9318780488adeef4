// Train(): the epoch loop around TrainEpoch/EvaluateEpoch, with checkpoints, resume, early
// stopping and the model files. The order of the random draws is what makes runs reproducible:
// the net is initialised right after SeedEverything(seed), and every epoch re-seeds LibTorch
// (SeedEpoch) and derives its order (EpochPermutation) and augmentations (AugmentationSeed)
// from (seed, epoch) alone, so resuming at an epoch boundary replays the same computation.

#include <fmt/format.h>

#include <cmath>
#include <memory>
#include <numeric>

#include "data/transforms/pipeline.h"
#include "train/trainers/torch_common/checkpoint.h"
#include "train/trainers/torch_common/optim.h"
#include "train/trainers/torch_common/state_dict.h"
#include "train/trainers/torch_common/torch_util.h"
#include "train/trainers/torch_image/epoch.h"
#include "train/trainers/torch_image/image_classifier.h"
#include "train/trainers/torch_image/model_spec.h"
#include "train/trainers/torch_image/params.h"
#include "train/trainers/torch_image/run_state.h"

namespace easel::train::torch_image {
namespace {

namespace tf = data::transforms;
using torch_util::Guard;

Status CheckItems(const std::vector<ImageItem>& items, size_t classes, std::string_view split) {
  for (const ImageItem& item : items) {
    if (item.label < 0 || static_cast<size_t>(item.label) >= classes) {
      return InvalidArgument(fmt::format("{} sample '{}' has label {}, outside the {} classes",
                                         split, item.sample_id, item.label, classes));
    }
  }
  return OkStatus();
}

Status CheckProblem(const ImageProblem& problem) {
  if (problem.classes.size() < 2) {
    return InvalidArgument("an image classifier needs at least two classes");
  }
  if (problem.train.empty()) return InvalidArgument("the training split has no images");
  EASEL_RETURN_IF_ERROR(CheckItems(problem.train, problem.classes.size(), "train"));
  return CheckItems(problem.val, problem.classes.size(), "validation");
}

torch_util::OptimConfig MakeOptimConfig(const ImageParams& p) {
  torch_util::OptimConfig c;
  c.optimizer = p.optimizer;
  c.lr = p.learning_rate;
  c.weight_decay = p.weight_decay;
  c.momentum = p.momentum;
  c.schedule = p.schedule;
  c.step_size = p.step_size;
  c.gamma = p.gamma;
  c.warmup_epochs = p.warmup_epochs;
  return c;
}

std::vector<size_t> Identity(size_t n) {
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  return order;
}

// Everything one epoch needs, set up once.
struct Run {
  const ImageProblem& problem;
  const ImageParams& params;
  uint64_t seed;
  torch::Device device;
  TrainHooks& hooks;
  const tf::Pipeline& pipeline;
  ClassifierNet& net;
  torch::optim::Optimizer& optimizer;
  const std::vector<torch::Tensor>& parameters;
  torch_util::OptimConfig optim;
};

// Trains epoch `epoch` (0-based), validates, reports and checkpoints.
Status RunEpoch(const Run& run, int64_t epoch, RunState& state, const Json& params_json) {
  const ImageParams& p = run.params;
  const double lr = torch_util::LearningRateAt(run.optim, epoch, p.epochs);
  EASEL_RETURN_IF_ERROR(Guard("seeding the epoch", [&] {
    torch_util::SetLearningRate(run.optimizer, lr);
    torch_util::SeedEpoch(run.seed, epoch);
  }));
  std::vector<int64_t> permutation =
      torch_util::EpochPermutation(static_cast<int64_t>(run.problem.train.size()), run.seed, epoch);
  BatchLoader::Options options{.workers = p.workers,
                               .batch_size = static_cast<size_t>(p.batch_size),
                               .mode = tf::Mode::kTraining,
                               .seed = run.seed,
                               .epoch = epoch};
  EpochStats train;
  {
    BatchLoader loader(run.pipeline, run.problem.train,
                       std::vector<size_t>(permutation.begin(), permutation.end()), options);
    EASEL_ASSIGN_OR_RETURN(train, TrainEpoch(run.net, run.optimizer, loader, run.device,
                                             p.label_smoothing, run.hooks));
  }
  if (!std::isfinite(train.loss)) {
    return InvalidArgument(
        fmt::format("training diverged: the loss of epoch {} is {}; lower learning_rate", epoch + 1,
                    train.loss));
  }
  EpochStats val;
  val.loss = val.accuracy = NAN;
  if (!run.problem.val.empty()) {
    options.mode = tf::Mode::kInference;
    BatchLoader loader(run.pipeline, run.problem.val, Identity(run.problem.val.size()), options);
    EASEL_ASSIGN_OR_RETURN(val, EvaluateEpoch(run.net, loader, run.device, run.hooks));
  }
  const double samples_per_s = train.samples / std::max(train.seconds, 1e-9);
  run.hooks.ReportEpoch(EpochMetrics{.epoch = epoch + 1,
                                     .epochs = p.epochs,
                                     .train_loss = train.loss,
                                     .val_loss = val.loss,
                                     .val_metric = val.accuracy,
                                     .learning_rate = lr,
                                     .samples_per_s = samples_per_s});
  run.hooks.Log(fmt::format(
      "epoch {}/{}: {:.0f} samples/s; the step waited {:.0f}% of {:.1f} s for decoded batches "
      "({} workers)",
      epoch + 1, p.epochs, samples_per_s, 100 * train.wait_seconds / std::max(train.seconds, 1e-9),
      train.seconds, p.workers));

  EASEL_ASSIGN_OR_RETURN(std::string weights, torch_util::SaveStateDict(run.net));
  state.epochs_done = epoch + 1;
  if (p.early_stopping_patience > 0 && !run.problem.val.empty() &&
      state.Update(epoch + 1, val.loss, p.early_stopping_patience, weights)) {
    state.stopped_early = true;
    run.hooks.Log(
        fmt::format("early stopping after epoch {}: no lower validation loss for {} "
                    "epochs",
                    epoch + 1, p.early_stopping_patience));
  }
  torch_util::TrainCheckpoint checkpoint;
  checkpoint.model_state = std::move(weights);
  EASEL_ASSIGN_OR_RETURN(checkpoint.optimizer_state,
                         torch_util::SaveOptimizerState(run.optimizer, run.parameters));
  SaveRunState(state, params_json, checkpoint);
  return run.hooks.SaveCheckpoint(torch_util::EncodeCheckpoint(checkpoint));
}

// Restores net, optimizer and run state from the job's last checkpoint, if any.
Result<RunState> Resume(const Run& run, const Json& params_json) {
  EASEL_ASSIGN_OR_RETURN(std::optional<std::string> bytes, run.hooks.LoadCheckpoint());
  if (!bytes) return RunState{};
  EASEL_ASSIGN_OR_RETURN(torch_util::TrainCheckpoint checkpoint,
                         torch_util::DecodeCheckpoint(*bytes));
  EASEL_ASSIGN_OR_RETURN(RunState state, LoadRunState(checkpoint, params_json));
  EASEL_RETURN_IF_ERROR(
      torch_util::LoadStateDict(run.net, checkpoint.model_state, torch_util::LoadMode::kStrict));
  EASEL_RETURN_IF_ERROR(
      torch_util::LoadOptimizerState(run.optimizer, run.parameters, checkpoint.optimizer_state));
  run.hooks.Log(fmt::format("resumed after epoch {} of {}", checkpoint.epoch, run.params.epochs));
  return state;
}

Result<ModelFiles> WriteModel(const ImageProblem& problem, const NetConfig& config,
                              const tf::Pipeline& pipeline, ClassifierNet& net) {
  ModelSpec spec{.net = config, .classes = problem.classes, .pipeline = pipeline.ToJson()};
  EASEL_ASSIGN_OR_RETURN(std::string weights,
                         torch_util::SaveStateDict(
                             net, {{"format", std::string(kModelFormat)}, {"arch", config.arch}}));
  ModelFiles files;
  files[std::string(kModelJson)] = DumpJson(ModelSpecToJson(spec));
  files[std::string(kWeightsFile)] = std::move(weights);
  return files;
}

}  // namespace

Json ParamsSchema() { return ImageParamsSchema(); }

Result<ModelFiles> Train(const ImageProblem& problem, const Json& params, uint64_t seed,
                         const Resources& resources, TrainHooks& hooks,
                         std::optional<std::string_view> initial_weights_safetensors) {
  EASEL_ASSIGN_OR_RETURN(ImageParams p, ParseImageParams(params));
  const Json params_json = ImageParamsToJson(p);
  EASEL_RETURN_IF_ERROR(CheckProblem(problem));
  EASEL_ASSIGN_OR_RETURN(torch::Device device, torch_util::ResolveDevice(resources));
  torch_util::ConfigureThreads(resources);
  EASEL_ASSIGN_OR_RETURN(
      tf::Pipeline pipeline,
      tf::Pipeline::Create(ImagePipelineSpec(p), data::DatasetType::kImageClassification, {}));
  NetConfig config{.arch = p.arch,
                   .width = p.width,
                   .input_size = p.input_size,
                   .channels = p.channels(),
                   .num_classes = static_cast<int>(problem.classes.size())};
  EASEL_RETURN_IF_ERROR(Guard("seeding", [&] { torch_util::SeedEverything(seed); }));
  EASEL_ASSIGN_OR_RETURN(std::shared_ptr<ClassifierNet> net, BuildNet(config));
  if (initial_weights_safetensors) {
    EASEL_RETURN_IF_ERROR(LoadInitialWeights(*net, *initial_weights_safetensors, hooks));
  }
  std::vector<torch::Tensor> parameters;
  EASEL_RETURN_IF_ERROR(Guard("moving the model to " + resources.device, [&] {
    net->to(device);
    parameters = net->parameters();
  }));
  const torch_util::OptimConfig optim = MakeOptimConfig(p);
  EASEL_ASSIGN_OR_RETURN(std::unique_ptr<torch::optim::Optimizer> optimizer,
                         torch_util::MakeOptimizer(parameters, optim));
  Run run{problem, p, seed, device, hooks, pipeline, *net, *optimizer, parameters, optim};

  EASEL_ASSIGN_OR_RETURN(RunState state, Resume(run, params_json));
  if (p.early_stopping_patience > 0 && problem.val.empty()) {
    hooks.Log("early stopping needs validation images; training every epoch");
  }
  hooks.Log(fmt::format(
      "image_classifier: {} width {} at {} px ({} stem), {} classes, {} train / "
      "{} validation images, params {}",
      p.arch, p.width, p.input_size, config.cifar_stem() ? "cifar" : "imagenet",
      problem.classes.size(), problem.train.size(), problem.val.size(), DumpJson(params_json)));
  for (int64_t epoch = state.epochs_done; epoch < p.epochs && !state.stopped_early; ++epoch) {
    EASEL_RETURN_IF_ERROR(RunEpoch(run, epoch, state, params_json));
  }
  if (state.best_epoch > 0 && state.best_epoch != state.epochs_done) {
    EASEL_RETURN_IF_ERROR(
        torch_util::LoadStateDict(*net, state.best_weights, torch_util::LoadMode::kStrict));
    hooks.Log(fmt::format("restored the weights of epoch {} (validation loss {:.4f})",
                          state.best_epoch, state.best_val_loss));
  }
  return WriteModel(problem, config, pipeline, *net);
}

}  // namespace easel::train::torch_image
