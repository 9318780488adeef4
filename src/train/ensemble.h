#pragma once
// Ensembles: several trained models that answer as one, each member's probabilities (or
// values, for regression) weighted and summed, or, for a stacked tabular classifier, read by a
// model of their own (the stacker) that answers instead. AutoML registers its best models this
// way; the version then loads, evaluates and serves like any other.
//
// Files of an ensemble version (format "ensemble" for tabular members, "image_ensemble" for
// image classifiers: a loader reads one kind of input):
//   ensemble.json   {"members": [{"format", "weight", "prefix"}], "stacker"?: {"format",
//                   "prefix"}}, weights summing to 1 (a stacked ensemble does not use them)
//   <prefix><name>  member i's files under the prefix "m<i>." ("m0.model.json", ...), the
//                   stacker's under "stack."
//   pipeline.json   tabular ensembles: the one transform pipeline every member reads
// Tabular members must share their pipeline (pipeline.json byte for byte), so the ensemble is an
// ordinary tabular model: one pipeline, then the members. Image members each carry their own
// pipeline and read the encoded images.

#include <string>
#include <vector>

#include "common/status.h"
#include "train/algorithms.h"
#include "train/trainer_api.h"

namespace easel::train {

inline constexpr const char* kEnsembleFormat = "ensemble";
inline constexpr const char* kImageEnsembleFormat = "image_ensemble";

struct EnsembleMember {
  std::string format;  // the member's own format: "xgboost", "torch_tabular", "torch_image"
  double weight = 0;
  ModelFiles files;  // as its trainer wrote them (with pipeline.json for tabular members)
};

// A tabular model that reads the members' class probabilities (StackingFeatures) and answers
// for the ensemble: a logistic regression fitted on the members' out-of-fold predictions.
struct EnsembleStacker {
  std::string format;  // a tabular format whose loader the registry has ("torch_tabular")
  ModelFiles files;
};

// The stacker's features: member m's log probability of class k in column m * classes + k,
// each probability first clipped to [1e-6, 1]. `predictions[m]` holds rows x classes
// probabilities; all the same size.
data::transforms::FeatureMatrix StackingFeatures(const std::vector<std::vector<float>>& predictions,
                                                 size_t rows);

// The files of an ensemble of `members` (weights > 0; they are scaled to sum to 1), stacked by
// `stacker` when given. INVALID_ARGUMENT for no members, a non-positive weight, a nested
// ensemble, tabular members whose pipelines differ, or a stacker over image members.
Result<ModelFiles> PackEnsemble(const std::vector<EnsembleMember>& members,
                                const EnsembleStacker* stacker = nullptr);

// The format of an ensemble of `members`: kImageEnsembleFormat when they read images.
std::string EnsembleFormat(const std::vector<EnsembleMember>& members);

// Loads ensemble versions (tabular ones, or with `images` image ones) through `registry`'s
// loaders of the member formats. The registry must outlive the loader.
ModelLoader EnsembleLoader(const AlgorithmRegistry& registry, bool images);

// Greedy ensemble selection with replacement (Caruana et al., 2004): starting from nothing, each
// of `rounds` steps adds the member whose addition gives the lowest loss of the averaged
// prediction; a member's weight is how often it was added, at the round with the lowest loss.
// Loss: log loss for classification
// (`predictions[m]` is rows x classes probabilities, `y` the class indices), mean squared error
// for regression (rows x 1). The first step picks the best single member, so the result is
// never worse than it on this data.
struct EnsembleSelection {
  std::vector<double> weights;  // one per member, summing to 1
  double loss = 0;              // of the weighted ensemble on the given rows
  std::vector<double> member_losses;
};
// INVALID_ARGUMENT when there are no members, no rows, or a prediction of another size.
Result<EnsembleSelection> SelectEnsemble(const std::vector<std::vector<float>>& predictions,
                                         const std::vector<float>& y, Task task, int rounds = 25);

// The loss SelectEnsemble minimizes (log loss, or mean squared error for regression) of
// predictions `p` (rows x outputs) against targets `y`.
double EnsembleLoss(const std::vector<float>& p, const std::vector<float>& y, Task task);

}  // namespace easel::train
