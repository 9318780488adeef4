#include "train/trainers/torch_image/batch_loader.h"

#include <gtest/gtest.h>

#include <fstream>

#include "testing/temp_dir.h"
#include "train/trainers/torch_image/params.h"
#include "train/trainers/torch_image/test_support.h"

namespace easel::train::torch_image {
namespace {

namespace tf = data::transforms;

TEST(PlanBatchesTest, ConsecutiveRangesAndNoSingleItemTail) {
  using R = std::vector<std::pair<size_t, size_t>>;
  EXPECT_EQ(PlanBatches(10, 4), (R{{0, 4}, {4, 8}, {8, 10}}));
  EXPECT_EQ(PlanBatches(9, 4), (R{{0, 4}, {4, 9}}));
  EXPECT_EQ(PlanBatches(8, 4), (R{{0, 4}, {4, 8}}));
  EXPECT_EQ(PlanBatches(1, 4), (R{{0, 1}}));
  EXPECT_EQ(PlanBatches(0, 4), R{});
}

class BatchLoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    items_ = testing::WriteDigits(dir_.path(), {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13});
    ImageParams p;
    p.input_size = 32;
    p.grayscale = true;
    p.augment = true;  // random crop + flip: the draws must not depend on the worker
    pipeline_.emplace(std::move(
        tf::Pipeline::Create(ImagePipelineSpec(p), data::DatasetType::kImageClassification, {})
            .value()));
  }

  std::vector<Batch> ReadAll(int workers, std::vector<size_t> order) {
    BatchLoader::Options options{
        .workers = workers, .batch_size = 4, .mode = tf::Mode::kTraining, .seed = 7, .epoch = 3};
    BatchLoader loader(*pipeline_, items_, std::move(order), options);
    std::vector<Batch> batches;
    while (true) {
      Result<std::optional<Batch>> b = loader.Next();
      EXPECT_TRUE(b.ok()) << b.status().ToString();
      if (!b.ok() || !*b) break;
      batches.push_back(std::move(**b));
    }
    EXPECT_EQ(batches.size(), loader.num_batches());
    return batches;
  }

  easel::testing::TempDir dir_;
  std::vector<ImageItem> items_;
  std::optional<tf::Pipeline> pipeline_;
};

TEST_F(BatchLoaderTest, BatchesAreTheSameWhateverTheNumberOfWorkers) {
  std::vector<size_t> order = {13, 2, 7, 0, 9, 4, 11, 1, 12, 3, 8, 5, 10, 6};
  std::vector<Batch> one = ReadAll(1, order);
  ASSERT_EQ(one.size(), 4u);  // 4 + 4 + 4 + 2
  EXPECT_EQ(one[0].labels, (std::vector<int64_t>{items_[13].label, items_[2].label, items_[7].label,
                                                 items_[0].label}));
  EXPECT_EQ(one[3].size(), 2u);
  EXPECT_EQ(one[0].channels, 1);
  EXPECT_EQ(one[0].height, 32);
  EXPECT_EQ(one[0].pixels.size(), 4u * 32 * 32);
  for (int workers : {2, 3, 8}) {
    for (int repeat = 0; repeat < 3; ++repeat) {
      std::vector<Batch> many = ReadAll(workers, order);
      ASSERT_EQ(many.size(), one.size());
      for (size_t b = 0; b < one.size(); ++b) {
        EXPECT_EQ(many[b].labels, one[b].labels);
        EXPECT_EQ(many[b].pixels, one[b].pixels) << "batch " << b << ", " << workers << " workers";
      }
    }
  }
}

TEST_F(BatchLoaderTest, ABadFileEndsTheStreamWithAnErrorNamingTheSample) {
  std::filesystem::path junk = dir_.path() / "junk.png";
  std::ofstream(junk) << "this is not a png";
  items_[9] = ImageItem{.sample_id = "junk-sample", .path = junk.string(), .label = 1};
  BatchLoader::Options options{.workers = 3, .batch_size = 4};
  std::vector<size_t> order = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13};
  BatchLoader loader(*pipeline_, items_, order, options);
  for (int b = 0; b < 2; ++b) {
    Result<std::optional<Batch>> batch = loader.Next();
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    ASSERT_TRUE(batch->has_value());
  }
  Result<std::optional<Batch>> bad = loader.Next();
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("sample 'junk-sample'"), std::string::npos);
  EXPECT_NE(bad.status().message().find(junk.string()), std::string::npos);
  Result<std::optional<Batch>> after = loader.Next();  // nothing after a failure
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(after->has_value());

  items_[9].path = (dir_.path() / "missing.png").string();
  BatchLoader missing(*pipeline_, items_, {9}, options);
  EXPECT_EQ(missing.Next().status().code(), StatusCode::kNotFound);
}

TEST_F(BatchLoaderTest, StopsWhenDestroyedEarly) {
  std::vector<size_t> order;
  for (int r = 0; r < 20; ++r) {
    for (size_t i = 0; i < items_.size(); ++i) order.push_back(i);
  }
  BatchLoader::Options options{.workers = 4, .batch_size = 2};
  BatchLoader loader(*pipeline_, items_, order, options);
  ASSERT_TRUE(loader.Next().ok());
  // The destructor joins the workers, which stop at the bounded window: no hang, no leak.
}

}  // namespace
}  // namespace easel::train::torch_image
