#pragma once
// Evaluates a trained model on a split: predictions through the model's own loading code,
// metrics through eval/. Used right after training (on the test split) and by on-demand
// evaluations of any version against any dataset version.

#include <functional>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "train/trainer_api.h"

namespace easel::train {

// The eval/ document for a tabular split (classification or regression by `task`).
// INVALID_ARGUMENT for an empty split.
//
// With `feature_names` (one per column of split.x) it adds "permutation_importance":
// [{"feature", "importance"}], largest first: how much the model's loss grows when that
// column's values are shuffled among the rows (log loss for classification, RMSE for
// regression; the mean of 3 seeded shuffles over at most the first 2,000 rows). Any model gets
// it, so every tabular model's report can say which features it leans on; matrices of more than
// 512 columns (each costs 3 predictions) go without.
Result<Json> EvaluateTabular(const TabularPredictor& model, Task task,
                             const std::vector<std::string>& classes, const TabularSplit& split,
                             const std::vector<std::string>& feature_names = {});

// The eval/ document for labeled images, predicted in batches; CANCELLED when `cancelled`
// turns true between batches. For models with Grad-CAM it adds "heatmaps": the 8 most confident
// mistakes, each [{"sample_id", "title", "true_label", "predicted", "confidence", "png_base64"}]
// with the activation map of the predicted class over the image (eval::RenderReport's input);
// when a picture cannot be made, "heatmaps_error" says why and the metrics stand.
Result<Json> EvaluateImages(const ImagePredictor& model, const std::vector<std::string>& classes,
                            const std::vector<ImageItem>& items,
                            const std::function<bool()>& cancelled);

// The few numbers a version lists as its metrics: accuracy, log_loss, macro_f1, roc_auc, ece
// (classification) or rmse, mae, r2, mape (regression), as present in `evaluation`.
Json HeadlineMetrics(const Json& evaluation);

}  // namespace easel::train
