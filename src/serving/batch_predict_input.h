#pragma once
// The rows a batch prediction reads: the samples of a dataset version (one split or all of
// them), or an uploaded CSV or JSON-lines file. Each row comes out in a form a serving backend
// takes (a record row as the text cells of Backend::PrepareRecords, an image as its blob), so
// batch predictions go through the same checks and transforms as online requests.
//
// Sources are immutable inputs read again from the start by every ForEach: rows come in the
// same order each time, which is what lets a resumed job skip the rows it has already written.
// Not thread-safe; the blob store must outlive the source.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "data/datasets.h"
#include "data/split.h"
#include "serving/backend.h"
#include "store/artifacts.h"
#include "store/blob_store.h"

namespace easel::serving {

struct InputRow {
  std::string id;     // the sample id; for files the 0-based row number
  std::string file;   // image samples: the path inside the dataset
  std::string blob;   // image samples: the digest of the encoded image
  RecordCells cells;  // record rows: the model's inputs
  RecordCells kept;   // record rows: the columns the output keeps (InputColumns::keep)
};

// The columns a tabular model reads, and the one it predicts: a file or dataset may carry the
// target (a labelled hold-out set), which is left out of the rows.
struct InputColumns {
  std::vector<std::string> inputs;
  std::string target;
  std::vector<std::string> keep;  // columns copied to the output (any of the above, or others)
};

class InputSource {
 public:
  virtual ~InputSource() = default;
  // Rows ForEach yields (from skip 0).
  int64_t total() const { return total_; }
  bool images() const { return images_; }
  // Row ids are row numbers (a file), not sample ids (a dataset).
  bool numbered_rows() const { return numbered_rows_; }
  // Where rows come from, for messages ("iris version 2", "holdout.csv").
  const std::string& name() const { return name_; }
  // Calls `fn` for every row from number `skip` on, in order; earlier rows are read past without
  // being built. Stops at the first error (the source's or fn's) and returns it.
  virtual Status ForEach(int64_t skip, const std::function<Status(InputRow&)>& fn) const = 0;

 protected:
  int64_t total_ = 0;
  bool images_ = false;
  bool numbered_rows_ = false;
  std::string name_;
};

// The samples of `version` in manifest order, only those of `split` when given. Image datasets
// give image rows; record datasets give the cells of `columns.inputs` (and `columns.keep`), and
// INVALID_ARGUMENT names a column the model reads (or the output keeps) that the version lacks.
Result<std::unique_ptr<InputSource>> OpenDatasetInput(store::BlobStore& blobs,
                                                      const data::Dataset& dataset,
                                                      const data::DatasetVersion& version,
                                                      std::optional<data::Split> split,
                                                      const InputColumns& columns);

// An uploaded file of table rows: CSV (any delimiter the CSV importer detects; unquoted NA,
// null, empty... are missing values) or JSON lines (one object {column: value} per line; a
// column left out is a missing value). The format comes from the artifact's name, else its
// content type, else its first byte. Reads the whole file once to count and check its rows:
// INVALID_ARGUMENT naming the line, or the missing or unknown columns (a CSV header must hold
// every input column and kept column; only the target may come besides).
Result<std::unique_ptr<InputSource>> OpenFileInput(store::BlobStore& blobs,
                                                   const store::Artifact& artifact,
                                                   const InputColumns& columns);

}  // namespace easel::serving
