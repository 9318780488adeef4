// ONNX models for serving through OpenCV's DNN module.

#include <mutex>
#include <opencv2/dnn.hpp>

#include "serving/backends/tensor_runner.h"

namespace easel::serving {
namespace {

std::string FirstLine(const std::string& message) { return message.substr(0, message.find('\n')); }

class OnnxRunner final : public TensorRunner {
 public:
  explicit OnnxRunner(cv::dnn::Net net) : net_(std::move(net)) {}

  Result<RunnerOutput> Run(std::span<const float> input,
                           std::span<const int64_t> shape) const override {
    std::vector<int> dims(shape.begin(), shape.end());
    // The Mat wraps the caller's floats; setInput copies them into the network.
    cv::Mat blob(static_cast<int>(dims.size()), dims.data(), CV_32F,
                 const_cast<float*>(input.data()));
    std::lock_guard lock(mu_);
    try {
      net_.setInput(blob);
      cv::Mat out = net_.forward();
      if (out.type() != CV_32F) out.convertTo(out, CV_32F);
      if (!out.isContinuous()) out = out.clone();
      RunnerOutput result;
      for (int i = 0; i < out.dims; ++i) result.shape.push_back(out.size[i]);
      const float* p = out.ptr<float>();
      result.values.assign(p, p + out.total());
      return result;
    } catch (const cv::Exception& e) {
      return InvalidArgument("the ONNX model rejected the input: " + FirstLine(e.msg));
    }
  }

 private:
  mutable std::mutex mu_;
  mutable cv::dnn::Net net_;
};

}  // namespace

Result<std::unique_ptr<TensorRunner>> LoadOnnxRunner(std::string_view bytes) {
  try {
    cv::dnn::Net net = cv::dnn::readNetFromONNX(bytes.data(), bytes.size());
    if (net.empty()) return FailedPrecondition("the ONNX file holds no network");
    net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    return std::unique_ptr<TensorRunner>(std::make_unique<OnnxRunner>(std::move(net)));
  } catch (const cv::Exception& e) {
    return FailedPrecondition("the ONNX file cannot be loaded: " + FirstLine(e.msg));
  }
}

}  // namespace easel::serving
