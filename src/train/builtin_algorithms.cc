// The one list of built-in training algorithms and the model formats easel can load.

#include "train/algorithms.h"
#include "train/ensemble.h"
#include "train/trainers/forest/extra_trees.h"
#include "train/trainers/torch_image/image_classifier.h"
#include "train/trainers/torch_tabular/torch_tabular.h"
#include "train/trainers/xgboost/xgboost_trainer.h"

namespace easel::train {

namespace {

const std::vector<std::string> kTabularTasks = {"binary", "multiclass", "regression"};

}  // namespace

void RegisterBuiltinAlgorithms(AlgorithmRegistry& registry) {
  registry.Register({
      .name = "xgboost",
      .description = "Gradient-boosted trees (XGBoost) for tabular classification and "
                     "regression, with early stopping on the validation split, feature "
                     "importance and SHAP values.",
      .input = InputKind::kTabular,
      .tasks = kTabularTasks,
      .format = "xgboost",
      .params_schema = xgboost::ParamsSchema(),
      .cuda = false,
      .needs_scaled_inputs = false,
      .train_tabular = xgboost::Train,
  }).IgnoreError();
  registry.Register({
      .name = "extra_trees",
      .description = "Extremely randomized trees for tabular classification and regression: "
                     "a bagged forest whose class probabilities are calibrated on its "
                     "out-of-bag rows.",
      .input = InputKind::kTabular,
      .tasks = kTabularTasks,
      .format = "extra_trees",
      .params_schema = forest::ParamsSchema(),
      .cuda = false,
      .needs_scaled_inputs = false,
      .train_tabular = forest::Train,
  }).IgnoreError();
  registry.Register({
      .name = "linear",
      .description = "Logistic regression (classification) or linear regression: a fast, "
                     "strong baseline for tabular data.",
      .input = InputKind::kTabular,
      .tasks = kTabularTasks,
      .format = "torch_tabular",
      .params_schema = torch_tabular::LinearParamsSchema(),
      .cuda = true,
      .needs_scaled_inputs = true,
      .train_tabular = torch_tabular::TrainLinear,
  }).IgnoreError();
  registry.Register({
      .name = "mlp",
      .description = "A multi-layer perceptron for tabular classification and regression.",
      .input = InputKind::kTabular,
      .tasks = kTabularTasks,
      .format = "torch_tabular",
      .params_schema = torch_tabular::MlpParamsSchema(),
      .cuda = true,
      .needs_scaled_inputs = true,
      .train_tabular = torch_tabular::TrainMlp,
  }).IgnoreError();
  registry.Register({
      .name = "image_classifier",
      .description = "Image classification with ResNet-18/34/50 or a MobileNetV2-style network "
                     "(for edge devices); augmentation, SGD/AdamW, cosine/step schedules, "
                     "fine-tuning from safetensors weights with torchvision names.",
      .input = InputKind::kImage,
      .tasks = {"multiclass", "binary"},
      .format = "torch_image",
      .params_schema = torch_image::ParamsSchema(),
      .cuda = true,
      .train_image = torch_image::Train,
  }).IgnoreError();

  registry.RegisterLoader("xgboost", {.tabular = xgboost::Load}).IgnoreError();
  registry.RegisterLoader("extra_trees", {.tabular = forest::Load}).IgnoreError();
  registry.RegisterLoader("torch_tabular", {.tabular = torch_tabular::Load}).IgnoreError();
  registry.RegisterLoader("torch_image", {.image = [](const ModelFiles& files,
                                                      const Resources& resources) {
                                            return torch_image::Load(files, resources);
                                          }}).IgnoreError();
  // Versions that hold several models (AutoML's ensembles), loaded through the loaders above.
  registry.RegisterLoader(kEnsembleFormat, EnsembleLoader(registry, false)).IgnoreError();
  registry.RegisterLoader(kImageEnsembleFormat, EnsembleLoader(registry, true)).IgnoreError();
}

}  // namespace easel::train
