#pragma once
// A backend serves one loaded model version: it checks and prepares a request's inputs (with
// the model's own stored transforms), runs the model on a batch of several requests' rows,
// and describes its inputs and outputs for the protocol's metadata. Loading is the factory's
// job (BackendRegistry), warm-up is Warmup(), unloading is the destructor.
//
// Backends are registered per model format from one explicit list (builtin_backends.cc).
// Thread-safety: Prepare, Execute and Warmup may run concurrently (one Execute per instance).

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "models/model_store.h"
#include "serving/tensor.h"
#include "train/trainer_api.h"

namespace easel::serving {

struct TensorSpec {
  std::string name;
  std::string datatype;        // a DataTypeName, or "BYTES"
  std::vector<int64_t> shape;  // -1: any size
};

struct ModelMetadata {
  std::string platform;  // "easel_xgboost", "easel_torch_image", ...
  std::vector<TensorSpec> inputs;
  std::vector<TensorSpec> outputs;
  std::vector<std::string> classes;  // classifiers: names by index
  // Imported models without classes answer with their own output tensor: its name and its
  // dimensions beyond the batch. Empty for easel's models.
  std::string tensor_output;
  std::vector<int64_t> output_dims;
};

// Model inputs of one or more requests, joined along the batch dimension.
struct Rows {
  size_t count = 0;
  // Float inputs, row-major: tabular features, an imported model's input, or prepared images
  // (FloatRows).
  std::vector<float> features;
  std::vector<std::string> images;  // encoded images
  // Images decoded by the client: views into the request's own tensor, which outlives the
  // batch (its caller waits for the answer).
  std::vector<data::transforms::ImageView> pixels;
  void Append(const Rows& other);
};

// A table row as batch predictions read it: one text cell per input of the model's signature,
// in its order; nullopt is a missing value.
using RecordCells = std::vector<std::optional<std::string>>;

// The cell a value of a `rows` object stands for, as the transforms read it: a string as
// itself, a number as its shortest text, a boolean as true or false, null as missing.
// INVALID_ARGUMENT (naming neither row nor column) for an object or an array.
Result<std::optional<std::string>> RowValueCell(const Json& value);

class Backend {
 public:
  virtual ~Backend() = default;
  virtual const ModelMetadata& metadata() const = 0;
  // Checks a request's inputs (names, datatypes, shapes, values) and turns them into model
  // rows. INVALID_ARGUMENT naming the input and what is wrong. Runs on the caller's thread,
  // so the batch instance spends its time on the model alone.
  virtual Result<Rows> Prepare(const InferRequest& request) const = 0;
  // Prepare for table rows given as cells (batch predictions): the rows read as `rows` objects
  // of these cells would, with the same checks; errors name a row by its position ("row 3:
  // ..."). UNIMPLEMENTED for models that do not read table rows.
  virtual Result<Rows> PrepareRecords(std::span<const RecordCells* const> rows) const;
  // Runs the model: rows.count x output_width() floats (class probabilities, or values).
  virtual Result<std::vector<float>> Execute(const Rows& rows) const = 0;
  virtual size_t output_width() const = 0;
  // Threads one Execute may use. 0: as many as the deployment can give (all cores with one
  // instance, an equal share with several). 1 suits models whose calls are too small to
  // share: a library team then costs more to start and to idle-spin than the work it splits.
  virtual int compute_threads() const { return 0; }
  // Whether Execute may run on any thread: single-threaded, with no per-thread state for its
  // library to set up. A request that finds an instance free then runs on its own thread
  // instead of being handed to an instance thread and back. Not for LibTorch models: the first
  // call on a thread sets up that thread's intra-op threads, which every request thread would
  // otherwise do in turn (and on hosts where LibTorch's default is several threads, start a
  // team of its own).
  virtual bool runs_on_any_thread() const { return false; }
  // One call through the model on a representative input, so that lazy initialization (thread
  // pools, allocator caches) happens before traffic arrives.
  virtual Status Warmup() const = 0;
};

// A float input (FP32, FP16 or FP64) of shape [n, dims...] as n rows of features, the form
// in which models take already-prepared inputs. INVALID_ARGUMENT naming the input and the
// shape the model takes. n may be 0: the caller says what an empty request means.
Result<Rows> FloatRows(const Tensor& t, std::span<const int64_t> dims);
// "[n, 4]", "[n, 1, 32, 32]": a shape whose first dimension is the batch.
std::string BatchShapeText(std::span<const int64_t> dims);

// The outputs MakeOutputs answers for a model with `classes` and no tensor of its own:
// "probabilities" [-1, classes] and "label" [-1] for a classifier, "value" [-1] without classes.
std::vector<TensorSpec> ClassOutputs(const std::vector<std::string>& classes);

// The response outputs of `count` rows of Execute's values: "probabilities" [n, classes] and
// "label" [n] (BYTES) for classifiers, "value" [n] for regressors, the model's own tensor
// [n, output_dims...] for imported models without classes; only those `request` asks
// for. An output requested with parameters.classification = k is instead BYTES [n, k] of
// "score:index:label" for the k most probable classes. INVALID_ARGUMENT for an unknown
// requested output.
Result<std::vector<Tensor>> MakeOutputs(const ModelMetadata& metadata, const InferRequest& request,
                                        std::span<const float> values, size_t count);

// Loads a model version's files into a backend.
using BackendFactory = std::function<Result<std::unique_ptr<Backend>>(
    const models::ModelVersion& version, const train::ModelFiles& files,
    const train::Resources& resources)>;

class BackendRegistry {
 public:
  // ALREADY_EXISTS for a format registered before.
  Status Register(const std::string& format, BackendFactory factory);
  // FAILED_PRECONDITION naming the format and the ones that can be served.
  Result<const BackendFactory*> Find(std::string_view format) const;

 private:
  std::map<std::string, BackendFactory, std::less<>> factories_;
};

}  // namespace easel::serving

namespace easel::train {
class AlgorithmRegistry;
}  // namespace easel::train

namespace easel::serving {
// The one list of built-in backends: every native model format the trainers write (tabular
// models through their stored pipeline, image classifiers through theirs, and ensembles).
// `algorithms` must outlive the registry.
void RegisterBuiltinBackends(BackendRegistry& registry, const train::AlgorithmRegistry& algorithms);
}  // namespace easel::serving
