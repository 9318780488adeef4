#pragma once
// Turns a dataset version into what a trainer learns from: for tabular algorithms, feature
// matrices per split made by a transform pipeline fitted on the train split (the pipeline is
// returned too: the model version stores it, so serving prepares inputs the same way); for
// image algorithms, the image files and class indices per split.

#include <optional>
#include <string>

#include "common/json.h"
#include "common/status.h"
#include "data/datasets.h"
#include "data/transforms/pipeline.h"
#include "store/blob_store.h"
#include "train/trainer_api.h"

namespace easel::train {

struct TabularOptions {
  // The column to predict (tabular datasets). Empty: the samples' labels (labeled records).
  std::string target;
  // "binary" | "multiclass" | "classification" | "regression"; empty: inferred from the
  // target column (numeric with more than 20 distinct values or fractions → regression).
  std::string task;
  // A transform pipeline spec ({"steps": [...]}); null: the default one (below). The target
  // column is dropped before the steps run.
  Json transforms;
  // Default pipeline: impute (median) and standardize numeric columns when true, else pass
  // them through with NaN for missing values. Categorical columns are one-hot encoded (50
  // categories at most); free text and datetime columns are left out, with a log line.
  bool scale_numeric = false;
};

// The default pipeline spec ({"steps": [...]}) for a tabular version with `scale_numeric` as
// above: what a train spec without transforms gets. Jobs that train several algorithms on one
// version pass it to all of them, so their models read the same features.
Json DefaultTransforms(const data::Dataset& dataset, const data::DatasetVersion& version,
                       const std::string& target, bool scale_numeric);

struct TabularData {
  TabularProblem problem;
  data::transforms::Pipeline pipeline;
  int64_t rows_without_target = 0;  // skipped rows
  std::vector<std::string> notes;   // what the default pipeline left out, for the job log
};

// INVALID_ARGUMENT naming the field ("target") for an unknown target column or a task the
// target cannot have; FAILED_PRECONDITION when the train split has no labeled rows.
Result<TabularData> LoadTabularData(store::BlobStore& blobs, const data::Dataset& dataset,
                                    const data::DatasetVersion& version,
                                    const TabularOptions& options);

// A stored model's view of a dataset version, for evaluating it there: the rows transformed
// by the model's fitted pipeline (nothing is refitted), targets mapped to the model's classes.
// Rows without a target, or of a class the model does not know, are skipped and counted.
// INVALID_ARGUMENT when the version's columns differ from those the pipeline was made for.
struct AppliedData {
  TabularProblem problem;
  int64_t skipped = 0;
};
Result<AppliedData> ApplyTabular(store::BlobStore& blobs, const data::Dataset& dataset,
                                 const data::DatasetVersion& version,
                                 const data::transforms::Pipeline& pipeline,
                                 const std::string& target, Task task,
                                 const std::vector<std::string>& classes);

// Image classification versions: labeled images per split (unlabeled ones are skipped), paths
// of their blobs in the store. FAILED_PRECONDITION for another dataset type or no labeled
// training images.
// With `classes` given (a stored model's), labels map to those and images of other classes are
// skipped; the train split may then be empty.
Result<ImageProblem> LoadImageProblem(store::BlobStore& blobs, const data::Dataset& dataset,
                                      const data::DatasetVersion& version,
                                      const std::vector<std::string>* classes = nullptr);

}  // namespace easel::train
