#pragma once
// Test-only helpers of the labeling tests: a store (SQLite and PostgreSQL) with a user, two
// projects and a blob store, small image and text datasets built directly with
// VersionBuilder, and real PNG images for the importers.

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "data/datasets.h"
#include "data/sample.h"
#include "data/split.h"
#include "labeling/prelabel_store.h"
#include "labeling/task.h"
#include "labeling/task_store.h"
#include "store/blob_store.h"
#include "store/store_test_support.h"

namespace easel::labeling::testing {

// A PNG of the given size whose pixels depend on `seed` (distinct seeds, distinct files).
std::string PngBytes(int width, int height, int seed);

// One image of a test dataset.
struct TestImage {
  std::string file;
  std::string label;             // classification; "" for none
  std::vector<data::Box> boxes;  // detection
  std::optional<data::Split> split;
  int width = 32, height = 24;
};

class LabelingTest : public store::EngineTest {
 protected:
  void SetUp() override;

  // A dataset of `type` in project "p" with one version made of `images` (real PNGs).
  data::Dataset MakeImageDataset(const std::string& name, data::DatasetType type,
                                 const std::vector<TestImage>& images);
  // A text_classification dataset with columns {text} and one version of `rows` (text, label).
  data::Dataset MakeTextDataset(const std::string& name,
                                const std::vector<std::pair<std::string, std::string>>& rows);
  // Commits a version made of `samples` (ids left empty) with the given splits.
  data::DatasetVersion CommitSamples(
      const data::Dataset& dataset,
      std::vector<std::pair<data::Sample, std::optional<data::Split>>> samples,
      const std::vector<std::string>& columns = {});

  // Ten cats and dogs, a fixed split each.
  data::Dataset PetsDataset();
  // Four street images with boxes of car / person.
  data::Dataset StreetDataset();

  Task CreateTask(const std::string& name, const std::string& dataset, TaskKind kind,
                  std::vector<std::string> labels, uint64_t seed = 7);

  // Stores a pre-label for `sample_id` scored from the class probabilities `probs` (one per
  // task label, in the task's label order), as model `model` version `version` would.
  Prelabel PutPrelabel(const Task& task, const std::string& sample_id,
                       const std::vector<float>& probs, const std::string& model = "m",
                       int64_t version = 1);

  // Every sample of the dataset's latest version, in manifest order.
  std::vector<std::pair<data::Sample, data::Split>> Samples(const std::string& dataset_id,
                                                            int64_t version = 0);

  easel::testing::TempDir data_dir_;
  std::unique_ptr<store::BlobStore> blobs_;
};

}  // namespace easel::labeling::testing
