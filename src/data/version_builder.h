#pragma once
// Builds a new dataset version from a stream of samples: the ImportSink importers fill, and
// what labeling commits feed. It checks every sample, gives it its id, writes the manifest blob
// (record samples stream straight through; image samples are sorted by file first), keeps
// statistics, decides the splits, and produces the VersionDraft that DatasetStore commits.
//
// The image blobs samples name must already be durable (ExtractToBlobs syncs what it wrote);
// the manifest and splits blobs written here are.
//
// Memory: for record datasets a few bytes per row (id prefix, split key) whatever the row
// size; image datasets keep their samples until Finish() to sort them.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "data/archive.h"
#include "data/datasets.h"
#include "data/importer.h"
#include "data/sample.h"
#include "data/split.h"
#include "data/stats.h"
#include "store/blob_store.h"

namespace easel::data {

class VersionBuilder final : public ImportSink {
 public:
  struct Options {
    DatasetType type = DatasetType::kTabular;
    SplitSpec split;
    std::function<void(double, std::string)> progress;  // may be empty
    std::function<bool()> cancelled;                    // may be empty
    size_t max_rejected_listed = 10000;  // rejections beyond this are counted, not listed
  };
  VersionBuilder(store::BlobStore& blobs, Options options);
  ~VersionBuilder() override;

  Status SetColumns(std::vector<std::string> columns) override;
  void DeclareClasses(const std::vector<std::string>& classes) override;
  Status Add(Sample sample) override;
  void Reject(std::string what, std::string reason) override;
  void Progress(double fraction, std::string message) override;
  bool cancelled() const override;

  // Like Add, keeping the sample in a given split (labeling commits keep each sample's split).
  Status AddWithSplit(Sample sample, std::optional<Split> split);

  // Writes the manifest and splits blobs. INVALID_ARGUMENT "nothing to import" when no sample
  // was accepted (details list the rejections).
  Result<VersionDraft> Finish();

  const std::vector<RejectedEntry>& rejected() const { return rejected_; }
  uint64_t rejected_count() const { return rejected_count_; }
  int64_t num_samples() const { return num_samples_; }
  const std::vector<std::string>& columns() const { return columns_; }

 private:
  Status CheckSample(const Sample& s, std::string* reason) const;
  Status WriteLine(const Sample& s);
  void AddSplitKey(const Sample& s, std::optional<Split> split);
  uint32_t Number(std::map<std::string, uint32_t>& names, const std::string& name);

  store::BlobStore& blobs_;
  Options options_;
  std::vector<std::string> columns_;
  int time_column_ = -1;
  int series_column_ = -1;
  std::set<std::string> classes_;
  SampleIds ids_;
  std::unique_ptr<StatsBuilder> stats_;
  int64_t num_samples_ = 0;

  std::optional<store::BlobStore::Writer> manifest_;
  std::string buffer_;  // manifest bytes not yet handed to the writer

  // Image samples wait here to be sorted; their files must be unique.
  std::vector<std::pair<Sample, std::optional<Split>>> images_;
  std::set<std::string> files_;

  std::vector<SplitKey> keys_;
  std::vector<int8_t> fixed_splits_;  // -1: to be assigned; only filled once one is fixed
  std::map<std::string, uint32_t> strata_;
  std::map<std::string, uint32_t> series_;

  std::vector<RejectedEntry> rejected_;
  uint64_t rejected_count_ = 0;
};

}  // namespace easel::data
