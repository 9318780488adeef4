// Imported models (TorchScript, ONNX) behind the serving Backend interface: a request carries
// the model's one input as a float tensor [n, ...] (FP32, FP16 or FP64) named as in the model's
// signature, and gets its output tensor back, or probabilities and labels when the signature
// names classes. These models carry no transforms: inputs are what the model itself reads.

#include <functional>
#include <numeric>

#include "serving/backends/tensor_runner.h"
#include "serving/tabular_backend.h"

namespace easel::serving {
namespace {

class TensorBackend final : public Backend {
 public:
  TensorBackend(ModelMetadata metadata, std::unique_ptr<TensorRunner> runner,
                std::vector<int64_t> input_dims)
      : metadata_(std::move(metadata)),
        runner_(std::move(runner)),
        input_dims_(std::move(input_dims)),
        row_size_(std::accumulate(input_dims_.begin(), input_dims_.end(), int64_t{1},
                                  std::multiplies<>())) {}

  // Runs one row of zeros to learn the output's dimensions beyond the batch.
  Status Probe() {
    Rows one;
    one.count = 1;
    one.features.assign(static_cast<size_t>(row_size_), 0.0f);
    EASEL_ASSIGN_OR_RETURN(RunnerOutput out, Run(one));
    if (out.shape.empty() || out.shape[0] != 1) {
      return FailedPrecondition("the model's output does not keep the batch dimension first");
    }
    output_dims_.assign(out.shape.begin() + 1, out.shape.end());
    output_width_ = out.values.size();
    metadata_.output_dims = output_dims_;
    TensorSpec spec{metadata_.tensor_output, "FP32", {-1}};
    spec.shape.insert(spec.shape.end(), output_dims_.begin(), output_dims_.end());
    if (metadata_.classes.empty()) metadata_.outputs = {spec};
    if (!metadata_.classes.empty() && output_width_ != metadata_.classes.size()) {
      return FailedPrecondition("the model outputs " + std::to_string(output_width_) +
                                " values per row but its signature names " +
                                std::to_string(metadata_.classes.size()) + " classes");
    }
    return OkStatus();
  }

  const ModelMetadata& metadata() const override { return metadata_; }
  size_t output_width() const override { return output_width_; }

  Result<Rows> Prepare(const InferRequest& request) const override {
    const std::string& name = metadata_.inputs.front().name;
    if (request.inputs.size() != 1 || request.inputs.front().name != name) {
      return InvalidArgument("the model reads one input, '" + name + "', of shape " +
                             BatchShapeText(input_dims_));
    }
    EASEL_ASSIGN_OR_RETURN(Rows rows, FloatRows(request.inputs.front(), input_dims_));
    if (rows.count == 0) return InvalidArgument("the request has no rows");
    return rows;
  }

  Result<std::vector<float>> Execute(const Rows& rows) const override {
    EASEL_ASSIGN_OR_RETURN(RunnerOutput out, Run(rows));
    if (out.shape.empty() || out.shape[0] != static_cast<int64_t>(rows.count) ||
        out.values.size() != rows.count * output_width_) {
      return Internal("the model returned an output of another shape than at load time");
    }
    return std::move(out.values);
  }

  Status Warmup() const override {
    Rows one;
    one.count = 1;
    one.features.assign(static_cast<size_t>(row_size_), 0.0f);
    return Execute(one).status();
  }

 private:
  Result<RunnerOutput> Run(const Rows& rows) const {
    std::vector<int64_t> shape = {static_cast<int64_t>(rows.count)};
    shape.insert(shape.end(), input_dims_.begin(), input_dims_.end());
    return runner_->Run(rows.features, shape);
  }

  ModelMetadata metadata_;
  std::unique_ptr<TensorRunner> runner_;
  std::vector<int64_t> input_dims_;
  int64_t row_size_;
  std::vector<int64_t> output_dims_;
  size_t output_width_ = 0;
};

}  // namespace

Result<std::unique_ptr<Backend>> LoadTensorBackend(const models::ModelVersion& version,
                                                   const train::ModelFiles& files,
                                                   const train::Resources& resources,
                                                   ModelMetadata metadata) {
  const bool torchscript = version.format == "torchscript";
  auto file = files.find(torchscript ? "model.pt" : "model.onnx");
  if (file == files.end()) {
    return FailedPrecondition("the version has no " +
                              std::string(torchscript ? "model.pt" : "model.onnx"));
  }
  if (metadata.inputs.size() != 1) {
    return FailedPrecondition(
        "imported models are served with exactly one input; the signature names " +
        std::to_string(metadata.inputs.size()));
  }
  std::vector<int64_t> dims = metadata.inputs.front().shape;
  if (dims.size() < 2 ||
      std::any_of(dims.begin() + 1, dims.end(), [](int64_t d) { return d < 1; })) {
    return FailedPrecondition(
        "the signature must give the input's dimensions beyond the batch, e.g. [-1, 4]; "
        "re-import the model with such a signature");
  }
  dims.erase(dims.begin());
  metadata.tensor_output = metadata.outputs.empty() ? "output" : metadata.outputs.front().name;
  std::unique_ptr<TensorRunner> runner;
  if (torchscript) {
    EASEL_ASSIGN_OR_RETURN(runner, LoadTorchScriptRunner(file->second, resources.device));
  } else {
    EASEL_ASSIGN_OR_RETURN(runner, LoadOnnxRunner(file->second));
  }
  auto backend =
      std::make_unique<TensorBackend>(std::move(metadata), std::move(runner), std::move(dims));
  EASEL_RETURN_IF_ERROR(backend->Probe());
  return std::unique_ptr<Backend>(std::move(backend));
}

}  // namespace easel::serving
