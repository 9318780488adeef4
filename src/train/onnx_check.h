#pragma once
// Opening an uploaded ONNX model with OpenCV DNN, the engine easel-edge runs ONNX models with.
// It runs inside `easel model-check`, the child process the server starts for each import
// (models/model_check.h), so a file that crashes OpenCV crashes only that child.

#include <filesystem>

#include "common/json.h"
#include "common/status.h"

namespace easel::train {

// Loads the model at `path` with cv::dnn::readNetFromONNX and answers {signature, info}:
// - signature.outputs: OpenCV's unconnected output layers, with the datatype and shape the file
//   declares for an output of that name (else FP32 of shape [-1]);
// - signature.inputs: the graph inputs the file declares (initializers left out) that OpenCV
//   also takes as inputs, with their declared datatype and shape (-1 for a symbolic
//   dimension). OpenCV itself cannot list its inputs: when the declarations cannot be read,
//   the signature has one input "input", FP32 of unknown shape [-1], and
//   info.inputs_declared is false; an import should then declare its signature;
// - info: {ir_version, opset, producer, layers, inputs_declared, opencv_version}.
// INVALID_ARGUMENT with a sentence (no path, no OpenCV source location) when OpenCV cannot
// read it. Never throws.
Result<Json> CheckOnnxFile(const std::filesystem::path& path);

}  // namespace easel::train
