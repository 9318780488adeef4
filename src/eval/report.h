#pragma once
// The model evaluation report: one self-contained HTML file (inline CSS, charts as inline SVG
// drawn here, images as data: URIs) that opens offline and contains no URL, no script and no
// external reference. Every string taken from the input is HTML-escaped.
//
// Input (a JSON object; every part optional except "model"):
// {
//   "model":    {"name", "version", "algorithm", "task", "created_at"}      strings or numbers
//   "lineage":  {any field: string | number | bool | other JSON}  e.g. dataset, dataset_version,
//               content_hash, split_seed, job_id, easel_version, seed, parent
//   "params":   {resolved training parameters; nested values are shown as compact JSON}
//   "evaluation": the output of EvaluateClassification or EvaluateRegression (its "task" field
//               picks the sections; without one, "per_class" means classification and "rmse"
//               regression)
//   "training": {"series": {"train_loss": [{"step": 1, "value": 0.5}, …], "val_loss": […], …}}
//               series sharing a metric after a train_/val_/validation_/test_ prefix share a chart
//   "feature_importance": [{"feature", "importance"}]   bar chart of the 30 largest |importance|
//   "shap":     [{"feature", "mean_abs"}]                bar chart of the 30 largest
//   "heatmaps": [{"title", "true_label", "predicted", "confidence", "png_base64"}]  Grad-CAM
//               images; a png_base64 that is not base64 PNG data is replaced by a notice
// }
//
// Sections, in this order, each a <section id="…"> with an <h2>; a section whose data is
// absent is left out: summary (always), lineage, params, metrics, confusion, roc, pr,
// calibration, residuals, training, importance, shap, heatmaps. The ids are stable: tests and
// links rely on them.
//
// Pure function; thread-safe. INVALID_ARGUMENT when the input is not an object, "model" is
// missing or not an object, or a part has the wrong JSON type (the message names the part).
// Never throws.

#include <string>

#include "common/json.h"
#include "common/status.h"

namespace easel::eval {

Result<std::string> RenderReport(const Json& input);

}  // namespace easel::eval
