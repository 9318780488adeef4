#include "train/evaluate.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>
#include <random>
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

constexpr size_t kImportanceRows = 2000;
constexpr int kImportanceRepeats = 3;
// Each column costs kImportanceRepeats predictions: wide matrices (hashed or one-hot text) are
// left without permutation importance rather than slowing every evaluation down.
constexpr size_t kImportanceMaxColumns = 512;
// Rows of shuffled copies per Predict call.
constexpr size_t kImportanceBatchRows = 32768;

// The loss permutation importance measures: log loss (classification) or RMSE (regression).
double Loss(Task task, const std::vector<float>& out, const std::vector<float>& y, size_t k) {
  double sum = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    if (task == Task::kRegression) {
      const double d = out[i] - y[i];
      sum += d * d;
    } else {
      const double p = std::clamp<double>(out[i * k + static_cast<size_t>(y[i])], 1e-15, 1.0);
      sum -= std::log(p);
    }
  }
  const double mean = sum / static_cast<double>(y.size());
  return task == Task::kRegression ? std::sqrt(mean) : mean;
}

Result<Json> PermutationImportance(const TabularPredictor& model, Task task,
                                   const TabularSplit& split,
                                   const std::vector<std::string>& feature_names) {
  const size_t rows = std::min(split.rows(), kImportanceRows), cols = split.x.cols;
  const size_t k = model.num_outputs();
  data::transforms::FeatureMatrix x{
      rows, cols, {split.x.data.begin(), split.x.data.begin() + rows * cols}};
  const std::vector<float> y(split.y.begin(), split.y.begin() + rows);
  EASEL_ASSIGN_OR_RETURN(std::vector<float> base_out, model.Predict(x));
  const double base = Loss(task, base_out, y, k);
  // The shuffled copies of several columns go to the model in one call: models predict large
  // batches much faster than many small ones.
  const size_t block = kImportanceRepeats * rows;
  const size_t columns_per_call = std::max<size_t>(1, kImportanceBatchRows / block);
  std::vector<std::pair<double, size_t>> scores;
  for (size_t first = 0; first < cols; first += columns_per_call) {
    const size_t last = std::min(cols, first + columns_per_call);
    data::transforms::FeatureMatrix batch{(last - first) * block, cols, {}};
    batch.data.reserve(batch.rows * cols);
    for (size_t j = first; j < last; ++j) {
      for (int r = 0; r < kImportanceRepeats; ++r) {
        std::vector<size_t> order(rows);
        std::iota(order.begin(), order.end(), size_t{0});
        std::mt19937_64 rng(j * kImportanceRepeats + static_cast<size_t>(r) + 1);
        std::shuffle(order.begin(), order.end(), rng);
        const size_t start = batch.data.size();
        batch.data.insert(batch.data.end(), x.data.begin(), x.data.end());
        for (size_t i = 0; i < rows; ++i) {
          batch.data[start + i * cols + j] = x.data[order[i] * cols + j];
        }
      }
    }
    EASEL_ASSIGN_OR_RETURN(std::vector<float> out, model.Predict(batch));
    for (size_t j = first; j < last; ++j) {
      double grown = 0;
      for (int r = 0; r < kImportanceRepeats; ++r) {
        const size_t copy = (j - first) * kImportanceRepeats + static_cast<size_t>(r);
        const std::vector<float> part(out.begin() + copy * rows * k,
                                      out.begin() + (copy + 1) * rows * k);
        grown += Loss(task, part, y, k) - base;
      }
      scores.emplace_back(grown / kImportanceRepeats, j);
    }
  }
  std::stable_sort(scores.begin(), scores.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  Json out = Json::array();
  for (const auto& [importance, j] : scores) {
    out.push_back({{"feature", feature_names[j]}, {"importance", importance}});
  }
  return out;
}

}  // namespace

Result<Json> EvaluateTabular(const TabularPredictor& model, Task task,
                             const std::vector<std::string>& classes, const TabularSplit& split,
                             const std::vector<std::string>& feature_names) {
  if (split.rows() == 0) return InvalidArgument("there are no rows to evaluate on");
  EASEL_ASSIGN_OR_RETURN(std::vector<float> out, model.Predict(split.x));
  Json evaluation;
  if (task == Task::kRegression) {
    EASEL_ASSIGN_OR_RETURN(evaluation, eval::EvaluateRegression(out, split.y));
  } else {
    std::vector<int> labels(split.y.begin(), split.y.end());
    EASEL_ASSIGN_OR_RETURN(evaluation,
                           eval::EvaluateClassification(out, classes.size(), labels, classes));
  }
  if (!feature_names.empty() && feature_names.size() == split.x.cols &&
      split.x.cols <= kImportanceMaxColumns) {
    EASEL_ASSIGN_OR_RETURN(evaluation["permutation_importance"],
                           PermutationImportance(model, task, split, feature_names));
  }
  return evaluation;
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
