// TorchScript models for serving: the only serving file that includes LibTorch.

#include <torch/cuda.h>
#include <torch/script.h>

#include <sstream>

#include "serving/backends/tensor_runner.h"

namespace easel::serving {
namespace {

std::string FirstLine(const std::string& message) { return message.substr(0, message.find('\n')); }

class TorchScriptRunner final : public TensorRunner {
 public:
  TorchScriptRunner(torch::jit::Module module, torch::Device device)
      : module_(std::move(module)), device_(device) {}

  Result<RunnerOutput> Run(std::span<const float> input,
                           std::span<const int64_t> shape) const override {
    try {
      c10::InferenceMode guard;
      std::vector<int64_t> dims(shape.begin(), shape.end());
      // from_blob does not copy; the clone onto the device does (and is a no-op copy on CPU).
      torch::Tensor x = torch::from_blob(const_cast<float*>(input.data()), dims, torch::kFloat32)
                            .to(device_, /*non_blocking=*/false, /*copy=*/true);
      // forward is const in spirit; the module's methods are not marked so.
      auto& module = const_cast<torch::jit::Module&>(module_);
      c10::IValue out = module.forward({x});
      if (out.isTuple()) out = out.toTupleRef().elements().at(0);
      if (out.isList()) out = out.toListRef().at(0);
      if (!out.isTensor()) {
        return InvalidArgument("the TorchScript model's forward did not return a tensor");
      }
      torch::Tensor y = out.toTensor().to(torch::kCPU, torch::kFloat32).contiguous();
      RunnerOutput result;
      result.shape.assign(y.sizes().begin(), y.sizes().end());
      result.values.assign(y.data_ptr<float>(), y.data_ptr<float>() + y.numel());
      return result;
    } catch (const c10::Error& e) {
      return InvalidArgument("the TorchScript model rejected the input: " +
                             FirstLine(e.what_without_backtrace()));
    } catch (const std::exception& e) {
      return InvalidArgument("the TorchScript model rejected the input: " + FirstLine(e.what()));
    }
  }

 private:
  torch::jit::Module module_;
  torch::Device device_;
};

}  // namespace

Result<std::unique_ptr<TensorRunner>> LoadTorchScriptRunner(std::string_view bytes,
                                                            const std::string& device) {
  if (device == "cuda" && !torch::cuda::is_available()) {
    return FailedPrecondition("device 'cuda' was asked for, but this server has no CUDA device");
  }
  const torch::Device d = device == "cuda" ? torch::Device(torch::kCUDA) : torch::kCPU;
  try {
    std::istringstream in{std::string(bytes)};
    torch::jit::Module module = torch::jit::load(in, d);
    module.eval();
    return std::unique_ptr<TensorRunner>(std::make_unique<TorchScriptRunner>(std::move(module), d));
  } catch (const c10::Error& e) {
    return FailedPrecondition("the TorchScript file cannot be loaded: " +
                              FirstLine(e.what_without_backtrace()));
  } catch (const std::exception& e) {
    return FailedPrecondition("the TorchScript file cannot be loaded: " + FirstLine(e.what()));
  }
}

}  // namespace easel::serving
