#pragma once
// Classification metrics from predicted class probabilities, numerically matching
// scikit-learn 1.2 where sklearn defines the metric (see each field below).
//
// EvaluateClassification is a pure function: it reads caller-owned spans, keeps no state and is
// safe to call from any thread. Bad input answers INVALID_ARGUMENT with a sentence naming the
// problem; it never throws or aborts. Cost: O(k · n log n) time, O(n · k) memory.

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/status.h"

namespace easel::eval {

struct ClassificationOptions {
  // Uniform bins of the reliability diagram and of the ECE; 1..1000.
  int bins = 10;
  // Points kept per ROC / PR curve in the output (the metrics use every threshold); >= 2.
  size_t max_curve_points = 200;
};

// probs: n × num_classes probabilities, row-major (binary problems give both columns). Rows
// need not sum exactly to 1. labels: the true class index of each row, in [0, num_classes).
// class_names: num_classes display names, or empty for "0", "1", ….
//
// Output (every number a JSON number unless marked "or null"):
// {
//   "task": "classification", "num_samples": n, "num_classes": k,
//   "accuracy":  share of rows whose argmax (first on ties) is the label,
//   "log_loss":  sklearn log_loss(labels, probs, eps=1e-15, labels=range(k)) on float64: clip
//                to [1e-15, 1 − 1e-15], renormalize each row, mean −log p(true class),
//   "per_class": [{"class": name, "precision", "recall", "f1", "support"}]  (k entries; a 0/0
//                ratio is 0, sklearn's zero_division=0),
//   "macro_avg":    {"precision", "recall", "f1"}   unweighted mean over all k classes,
//   "weighted_avg": {"precision", "recall", "f1"}   mean weighted by support,
//   "confusion_matrix": {"labels": [names], "matrix": [[count]]}  rows true, columns predicted,
//   "roc": [{"class": name, "auc": number or null, "points": [[fpr, tpr], …]}]
//          one-vs-rest per class; binary: only the positive class (index 1). auc is sklearn's
//          roc_auc_score of that class (ties count half); null, with empty points, when the
//          class has no positive or no negative sample,
//   "roc_auc_macro": mean of the non-null per-class aucs, or null   (multiclass only)
//   "roc_auc":       auc of class 1, or null                         (binary only)
//   "pr":  [{"class": name, "average_precision": number or null, "points": [[recall, precision],
//          …]}] same classes as "roc"; points by increasing recall from (0, 1); AP is sklearn's
//          average_precision_score; null when the class has no positive sample,
//   "calibration": {"target": "top_label" | "positive_class",
//                   "bins": [{"lower", "upper", "count", "mean_predicted" or null,
//                             "fraction_positive" or null}],
//                   "ece": number}
//          the reliability bins use the top-label confidence (max probability; "positive" means
//          the argmax was right) for multiclass, and P(class 1) against "label is 1" for binary
//          (sklearn's calibration_curve with the empty bins kept). The ECE is always top-label:
//          Σ (count/n) · |accuracy − mean confidence| over the same uniform bins.
// }
// Curve points are thinned for display: collinear points dropped, then at most
// max_curve_points kept evenly, first and last always kept.
//
// INVALID_ARGUMENT when: labels is empty; num_classes < 2; probs.size() != n · num_classes;
// class_names is neither empty nor num_classes long; a label is outside [0, num_classes); a
// probability is NaN, infinite, negative or above 1 (beyond a 1e-5 rounding allowance);
// options are out of range.
Result<Json> EvaluateClassification(std::span<const float> probs, size_t num_classes,
                                    std::span<const int> labels,
                                    const std::vector<std::string>& class_names,
                                    const ClassificationOptions& opts = {});

}  // namespace easel::eval
