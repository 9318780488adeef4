#include "train/onnx_check.h"

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

#include "common/files.h"
#include "train/onnx_graph.h"

namespace easel::train {
namespace {

Json ValueJson(const OnnxValue& v) {
  Json shape = Json::array();
  for (int64_t d : v.shape) shape.push_back(d);
  if (!v.has_shape) shape = Json::array({-1});
  return {{"name", v.name}, {"datatype", OnnxDatatype(v.elem_type)}, {"shape", shape}};
}

const OnnxValue* Find(const std::vector<OnnxValue>& values, const std::string& name) {
  for (const OnnxValue& v : values) {
    if (v.name == name) return &v;
  }
  return nullptr;
}

Result<Json> Inspect(const std::string& bytes) {
  cv::dnn::Net net = cv::dnn::readNetFromONNX(bytes.data(), bytes.size());
  if (net.empty()) return InvalidArgument("OpenCV DNN found no layers in it");
  auto graph = ReadOnnxGraph(bytes);

  Json outputs = Json::array();
  for (const std::string& name : net.getUnconnectedOutLayersNames()) {
    const OnnxValue* declared = graph.ok() ? Find(graph->outputs, name) : nullptr;
    outputs.push_back(declared ? ValueJson(*declared)
                               : Json{{"name", name}, {"datatype", "FP32"}, {"shape", {-1}}});
  }
  // Layer 0 is OpenCV's input layer; it knows its inputs' names but cannot list them.
  Json inputs = Json::array();
  if (graph.ok()) {
    cv::Ptr<cv::dnn::Layer> input_layer = net.getLayer(0);
    for (const OnnxValue& v : graph->inputs) {
      if (input_layer && input_layer->outputNameToIndex(v.name) >= 0) {
        inputs.push_back(ValueJson(v));
      }
    }
  }
  const bool declared = !inputs.empty();
  if (!declared) inputs.push_back({{"name", "input"}, {"datatype", "FP32"}, {"shape", {-1}}});
  Json info = {{"layers", net.getLayerNames().size()},
               {"inputs_declared", declared},
               {"opencv_version", CV_VERSION}};
  if (graph.ok()) {
    info["ir_version"] = graph->ir_version;
    info["opset"] = graph->opset;
    info["producer"] = graph->producer;
  }
  return Json{{"signature", {{"inputs", inputs}, {"outputs", outputs}}}, {"info", info}};
}

}  // namespace

Result<Json> CheckOnnxFile(const std::filesystem::path& path) {
  auto bytes = ReadFile(path);
  if (!bytes.ok()) return InvalidArgument("the file cannot be read");
  if (bytes->empty()) return InvalidArgument("the file is empty");
  cv::setNumThreads(1);
  try {
    return Inspect(*bytes);
  } catch (const cv::Exception& e) {
    // e.err is the sentence; what() adds OpenCV's source file and line.
    return InvalidArgument("OpenCV DNN cannot load it: " + e.err);
  } catch (const std::bad_alloc&) {
    return InvalidArgument("loading it needs more memory than a model check may use");
  } catch (const std::exception& e) {
    return InvalidArgument(std::string("OpenCV DNN cannot load it: ") + e.what());
  }
}

}  // namespace easel::train
