#pragma once
// Ensembles: several trained models that answer as one, each member's probabilities (or
// values, for regression) weighted and summed. AutoML registers its best models this way; the
// version then loads, evaluates and serves like any other.
//
// Files of an ensemble version (format "ensemble" for tabular members, "image_ensemble" for
// image classifiers: a loader reads one kind of input):
//   ensemble.json   {"members": [{"format", "weight", "prefix"}]}, weights summing to 1
//   <prefix><name>  member i's files under the prefix "m<i>." ("m0.model.json", ...)
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

// The files of an ensemble of `members` (weights > 0; they are scaled to sum to 1).
// INVALID_ARGUMENT for no members, a non-positive weight, a nested ensemble, or tabular members
// whose pipelines differ.
Result<ModelFiles> PackEnsemble(const std::vector<EnsembleMember>& members);

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

}  // namespace easel::train
