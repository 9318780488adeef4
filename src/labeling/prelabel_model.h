#pragma once
// The seam between labeling and the model registry: labeling runs models over a task's samples
// without knowing how they are stored, trained or executed. The composition root supplies a
// PrelabelModelLoader built on the trainers; tests supply fakes. Nothing here includes train/
// or models/.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "data/sample.h"

namespace easel::store {
class Database;
class BlobStore;
}  // namespace easel::store

namespace easel::data {
struct DatasetVersion;
}  // namespace easel::data

namespace easel::labeling {

// One classifier version, ready to predict.
struct PrelabelModel {
  std::string model;       // model name in the project
  int64_t version = 0;     // version number (>= 1)
  std::string version_id;  // registry id; stored with each pre-label
  // The classes the model predicts, in the order of predict's columns. Non-empty. Classes
  // that are not labels of the task are never written as pre-labels (see prelabel_kind.h).
  std::vector<std::string> classes;
  // Class probabilities for `samples`, row-major samples.size() x classes.size(). The samples
  // are samples of the dataset version the loader was given, as its manifest holds them: an
  // image sample carries its blob digest (bytes in the BlobStore), a record sample its cells in
  // the version's column order. Each row must be finite and non-negative with a positive sum;
  // rows are divided by their sum, so scores that do not add up exactly to 1 are accepted.
  // An error fails the job with that error. Called from one thread at a time
  // (thread-compatible); batches hold at most kPrelabelBatch samples.
  std::function<Result<std::vector<float>>(const std::vector<data::Sample>& samples)> predict;
};

// Resolves {model, version} in the project (version: a number "3", "latest", or an alias) and
// loads that version to predict samples of `dataset_version`, which the caller guarantees to
// belong to the same project. Errors, each with a sentence a user can act on:
//  - NOT_FOUND: no such model, version or alias in the project;
//  - INVALID_ARGUMENT: a malformed model name or version;
//  - FAILED_PRECONDITION: the version cannot pre-label this dataset (not a classifier, trained
//    on another kind of data, columns that do not match, files missing...).
// Called once per prelabel job, and once by the API at submit time (so a missing model is a 404
// before any job exists): a loader may defer heavy work (reading weights) to the first predict.
// `db` and `blobs` outlive the returned model; the loader must be callable from any thread.
using PrelabelModelLoader = std::function<Result<PrelabelModel>(
    store::Database& db, store::BlobStore& blobs, const std::string& project_id,
    const std::string& model, const std::string& version,
    const data::DatasetVersion& dataset_version)>;

// Samples handed to one predict call.
inline constexpr size_t kPrelabelBatch = 64;

}  // namespace easel::labeling
