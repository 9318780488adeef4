#include "train/evaluate.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "common/base64.h"
#include "eval/classification.h"
#include "eval/heatmap.h"
#include "eval/regression.h"

namespace easel::train {

namespace {

constexpr size_t kImageBatch = 64;
// Mistakes explained with a Grad-CAM picture per evaluation.
constexpr size_t kHeatmaps = 8;

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return DataLoss("an image of the dataset is missing from the blob store");
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The kHeatmaps most confident mistakes, each with the Grad-CAM of the class the model wrongly
// chose: what in the image misled it. Null when the model cannot explain itself.
Result<Json> ExplainMistakes(const ImagePredictor& model, const std::vector<std::string>& classes,
                             const std::vector<ImageItem>& items, const std::vector<float>& probs) {
  const size_t k = classes.size();
  struct Mistake {
    float confidence;
    size_t index;
    int predicted;
  };
  std::vector<Mistake> mistakes;
  for (size_t i = 0; i < items.size(); ++i) {
    const float* row = probs.data() + i * k;
    const int predicted = static_cast<int>(std::max_element(row, row + k) - row);
    if (predicted != items[i].label) mistakes.push_back({row[predicted], i, predicted});
  }
  const size_t n = std::min(kHeatmaps, mistakes.size());
  std::partial_sort(mistakes.begin(), mistakes.begin() + n, mistakes.end(),
                    [](const Mistake& a, const Mistake& b) {
                      return a.confidence != b.confidence ? a.confidence > b.confidence
                                                          : a.index < b.index;
                    });
  Json out = Json::array();
  for (size_t m = 0; m < n; ++m) {
    const Mistake& mistake = mistakes[m];
    const ImageItem& item = items[mistake.index];
    EASEL_ASSIGN_OR_RETURN(std::string bytes, ReadFile(item.path));
    Result<ImagePredictor::ActivationMap> map = model.GradCam(bytes, mistake.predicted);
    if (map.status().code() == StatusCode::kUnimplemented) return Json();
    EASEL_RETURN_IF_ERROR(map);
    EASEL_ASSIGN_OR_RETURN(std::string png,
                           eval::HeatmapPng(bytes, map->height, map->width, map->values));
    out.push_back({{"sample_id", item.sample_id},
                   {"title", item.sample_id},
                   {"true_label", classes[item.label]},
                   {"predicted", classes[mistake.predicted]},
                   {"confidence", mistake.confidence},
                   {"png_base64", Base64Encode(png)}});
  }
  return out;
}

}  // namespace

Result<Json> EvaluateTabular(const TabularPredictor& model, Task task,
                             const std::vector<std::string>& classes, const TabularSplit& split) {
  if (split.rows() == 0) return InvalidArgument("there are no rows to evaluate on");
  EASEL_ASSIGN_OR_RETURN(std::vector<float> out, model.Predict(split.x));
  if (task == Task::kRegression) return eval::EvaluateRegression(out, split.y);
  std::vector<int> labels(split.y.begin(), split.y.end());
  return eval::EvaluateClassification(out, classes.size(), labels, classes);
}

Result<Json> EvaluateImages(const ImagePredictor& model, const std::vector<std::string>& classes,
                            const std::vector<ImageItem>& items,
                            const std::function<bool()>& cancelled) {
  if (items.empty()) return InvalidArgument("there are no images to evaluate on");
  std::vector<float> probs;
  std::vector<int> labels;
  probs.reserve(items.size() * classes.size());
  for (size_t start = 0; start < items.size(); start += kImageBatch) {
    if (cancelled()) return Cancelled("evaluation cancelled");
    size_t end = std::min(items.size(), start + kImageBatch);
    std::vector<std::string> bytes;
    for (size_t i = start; i < end; ++i) {
      EASEL_ASSIGN_OR_RETURN(std::string b, ReadFile(items[i].path));
      bytes.push_back(std::move(b));
      labels.push_back(items[i].label);
    }
    std::vector<std::string_view> views(bytes.begin(), bytes.end());
    EASEL_ASSIGN_OR_RETURN(std::vector<float> out, model.Predict(views));
    probs.insert(probs.end(), out.begin(), out.end());
  }
  EASEL_ASSIGN_OR_RETURN(Json evaluation,
                         eval::EvaluateClassification(probs, classes.size(), labels, classes));
  if (cancelled()) return Cancelled("evaluation cancelled");
  // A picture that cannot be drawn costs the report its heat maps, not the evaluation.
  Result<Json> heatmaps = ExplainMistakes(model, classes, items, probs);
  if (!heatmaps.ok()) {
    evaluation["heatmaps_error"] = heatmaps.status().message();
  } else if (!heatmaps->is_null()) {
    evaluation["heatmaps"] = std::move(heatmaps).value();
  }
  return evaluation;
}

Json HeadlineMetrics(const Json& e) {
  Json m = Json::object();
  auto copy = [&](const char* from, const char* to) {
    if (auto it = e.find(from); it != e.end() && it->is_number()) m[to] = *it;
  };
  if (e.value("task", "") == "regression") {
    for (const char* k : {"rmse", "mae", "r2", "mape"}) copy(k, k);
    return m;
  }
  copy("accuracy", "accuracy");
  copy("log_loss", "log_loss");
  copy("roc_auc", "roc_auc");
  copy("roc_auc_macro", "roc_auc");
  if (auto it = e.find("macro_avg"); it != e.end() && it->contains("f1"))
    m["macro_f1"] = (*it)["f1"];
  if (auto it = e.find("calibration"); it != e.end() && it->contains("ece"))
    m["ece"] = (*it)["ece"];
  return m;
}

}  // namespace easel::train
