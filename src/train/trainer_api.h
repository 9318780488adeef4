#pragma once
// The plain types shared by the `train` job and the trainer implementations in trainers/.
// Trainers see easel types only (feature matrices, image lists, hooks); the job turns a
// dataset version into these, and turns what a trainer returns into a model version. No
// third-party type crosses this header: LibTorch and XGBoost stay inside trainers/<name>/*.cc.

#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "data/transforms/types.h"

namespace easel::train {

// What a model predicts.
enum class Task { kBinary, kMulticlass, kRegression };

// "binary", "multiclass", "regression": the task as model.json and the registry name it.
inline std::string_view TaskName(Task task) {
  switch (task) {
    case Task::kBinary:
      return "binary";
    case Task::kMulticlass:
      return "multiclass";
    case Task::kRegression:
      return "regression";
  }
  return "multiclass";
}

// The inverse of TaskName; INVALID_ARGUMENT for any other name.
inline Result<Task> ParseTask(std::string_view name) {
  for (Task t : {Task::kBinary, Task::kMulticlass, Task::kRegression}) {
    if (TaskName(t) == name) return t;
  }
  return InvalidArgument("unknown task '" + std::string(name) + "'");
}

// One split of a tabular dataset after the transform pipeline: features (row-major, NaN is a
// missing value) and targets (the class index as a float for classification, the value for
// regression). y.size() == x.rows.
struct TabularSplit {
  data::transforms::FeatureMatrix x;
  std::vector<float> y;
  size_t rows() const { return x.rows; }
};

struct TabularProblem {
  Task task = Task::kMulticlass;
  std::vector<std::string> feature_names;  // x.cols names, in order
  std::vector<std::string> classes;        // classification: class names by index
  TabularSplit train;
  TabularSplit val;  // may have 0 rows: no early stopping then
  TabularSplit test;
  size_t num_classes() const { return classes.size(); }
};

// An image classification dataset version, as file paths of the images (blobs already on
// local disk, read-only) and class indices. The trainer builds its own transform pipeline
// (data/transforms) from its parameters (input size, augmentation) and stores it with the model.
struct ImageItem {
  std::string sample_id;
  std::string path;  // absolute path of the image file
  int label = -1;    // index into classes
};

struct ImageProblem {
  std::vector<std::string> classes;
  std::vector<ImageItem> train;
  std::vector<ImageItem> val;  // may be empty
  std::vector<ImageItem> test;
};

// The numbers of one finished epoch (or boosting round). NaN: not measured.
struct EpochMetrics {
  int64_t epoch = 0;   // 1-based
  int64_t epochs = 0;  // planned total
  double train_loss = NAN;
  double val_loss = NAN;
  double val_metric = NAN;  // accuracy for classification, RMSE for regression
  double learning_rate = NAN;
  double samples_per_s = NAN;
};

// How a trainer talks to the job that runs it (JobContext underneath; fakes in tests).
// Called from the trainer's thread; ReportEpoch and Log may be called from any thread.
class TrainHooks {
 public:
  virtual ~TrainHooks() = default;
  // True once the job must stop. A trainer checks it at least once per batch (or boosting
  // round) and then returns Cancelled(...), after saving a checkpoint when it can.
  virtual bool cancelled() const = 0;
  // Streams one epoch's numbers to the job's metric series, log and progress.
  virtual void ReportEpoch(const EpochMetrics& metrics) = 0;
  virtual void Log(std::string_view line) = 0;
  // Replaces the checkpoint atomically; kept across attempts of the same job.
  virtual Status SaveCheckpoint(std::string_view bytes) = 0;
  // The last checkpoint, nullopt on a first attempt.
  virtual Result<std::optional<std::string>> LoadCheckpoint() = 0;
};

// A trained model as the registry stores it: file name -> bytes. Names match
// [a-z0-9][a-z0-9_.-]* ("model.json", "weights.safetensors"). Every trainer writes a
// "model.json" describing how to load the rest.
using ModelFiles = std::map<std::string, std::string>;

// A loaded tabular model, for evaluation and serving. Predict may run concurrently.
class TabularPredictor {
 public:
  virtual ~TabularPredictor() = default;
  // Row-major outputs: classification rows x num_classes probabilities (binary: 2 columns,
  // P(class 0), P(class 1)); regression rows x 1 values. INVALID_ARGUMENT when x.cols differs
  // from the trained number of features.
  virtual Result<std::vector<float>> Predict(data::transforms::FeatureView x) const = 0;
  virtual size_t num_outputs() const = 0;
};

// A loaded image classifier, for evaluation, pre-labeling and serving. Predict may run
// concurrently. Each input is an encoded image (any format OpenCV reads); the model's own
// stored transform pipeline prepares it (inference mode).
class ImagePredictor {
 public:
  virtual ~ImagePredictor() = default;
  // Row-major probabilities: images.size() x num_classes(). INVALID_ARGUMENT naming the
  // index of an input that is not an image.
  virtual Result<std::vector<float>> Predict(std::span<const std::string_view> images) const = 0;
  // The same for images already decoded (a camera's frames): the pipeline converts them to
  // its channels and prepares them as it does decoded files. UNIMPLEMENTED by default.
  virtual Result<std::vector<float>> Predict(
      std::span<const data::transforms::ImageView> images) const {
    (void)images;
    return Unimplemented("this model takes encoded images only");
  }
  virtual size_t num_classes() const = 0;

  // What the network takes: one image as the stored pipeline prepares it, channels × height ×
  // width floats. nullopt for models without one such input (an ensemble of networks that
  // prepare their images differently).
  struct InputShape {
    int channels = 0;
    int height = 0;
    int width = 0;
    size_t size() const { return static_cast<size_t>(channels) * height * width; }
    bool operator==(const InputShape&) const = default;
  };
  virtual std::optional<InputShape> input_shape() const { return std::nullopt; }
  // How images become input_shape() floats (the stored pipeline, resolved and fitted): two
  // models with equal, non-empty ones take the same prepared input. Empty when unknown.
  virtual std::string preparation() const { return ""; }
  // Probabilities of `count` images already prepared (the pipeline does not run): `input` holds
  // count × input_shape() floats, NCHW. INVALID_ARGUMENT when its size does not match;
  // UNIMPLEMENTED for models without an input_shape().
  virtual Result<std::vector<float>> PredictPrepared(std::span<const float> input,
                                                     size_t count) const {
    (void)input;
    (void)count;
    return Unimplemented("this model takes encoded images only");
  }

  // Grad-CAM (Selvaraju et al., 2017) of class `target` for one encoded image: where in the
  // image the evidence for that class lies. A row-major height × width map at the resolution of
  // the network's last convolutional feature map, scaled to [0, 1] (all zeros when nothing
  // speaks for the class). The map covers the image as the model's pipeline fed it to the
  // network. INVALID_ARGUMENT for a target outside [0, num_classes()) or an input that is not
  // an image; UNIMPLEMENTED for models that cannot explain themselves (the default).
  struct ActivationMap {
    int height = 0;
    int width = 0;
    std::vector<float> values;
  };
  virtual Result<ActivationMap> GradCam(std::string_view image, int target) const {
    (void)image;
    (void)target;
    return Unimplemented("this model has no Grad-CAM");
  }
};

// Where the work runs. "cuda" is a clear FAILED_PRECONDITION when the build or machine has none.
struct Resources {
  std::string device = "cpu";
  int threads = 0;  // 0: all cores
};

}  // namespace easel::train
