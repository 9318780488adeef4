#include "train/evaluate.h"

#include <fstream>
#include <sstream>

#include "eval/classification.h"
#include "eval/regression.h"

namespace easel::train {

namespace {

constexpr size_t kImageBatch = 64;

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return DataLoss("an image of the dataset is missing from the blob store");
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
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
  return eval::EvaluateClassification(probs, classes.size(), labels, classes);
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
  if (auto it = e.find("macro_avg"); it != e.end() && it->contains("f1")) m["macro_f1"] = (*it)["f1"];
  if (auto it = e.find("calibration"); it != e.end() && it->contains("ece")) m["ece"] = (*it)["ece"];
  return m;
}

}  // namespace easel::train
