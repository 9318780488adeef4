#include "labeling/test_support.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "data/manifest.h"
#include "data/version_builder.h"

namespace easel::labeling::testing {

std::string PngBytes(int width, int height, int seed) {
  cv::Mat image(height, width, CV_8UC3);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      image.at<cv::Vec3b>(y, x) =
          cv::Vec3b(static_cast<uint8_t>(seed * 37 + x), static_cast<uint8_t>(seed * 11 + y),
                    static_cast<uint8_t>(seed));
    }
  }
  std::vector<uint8_t> png;
  cv::imencode(".png", image, png);
  return std::string(png.begin(), png.end());
}

void LabelingTest::SetUp() {
  EngineTest::SetUp();
  if (IsSkipped() || HasFatalFailure()) return;
  auto blobs = store::BlobStore::Open(data_dir_.path());
  ASSERT_TRUE(blobs.ok()) << blobs.status().ToString();
  blobs_ = std::move(*blobs);
  ASSERT_TRUE(db_->Exec("INSERT INTO users (id, name, created_at) VALUES ('u', 'ada', 0)").ok());
  for (const char* p : {"p", "q"}) {
    ASSERT_TRUE(db_->Exec("INSERT INTO projects (id, name, created_by, created_at) "
                          "VALUES (?, ?, 'u', 0)",
                          {std::string(p), std::string("project-") + p})
                    .ok());
  }
}

data::DatasetVersion LabelingTest::CommitSamples(
    const data::Dataset& dataset,
    std::vector<std::pair<data::Sample, std::optional<data::Split>>> samples,
    const std::vector<std::string>& columns) {
  data::VersionBuilder::Options options;
  options.type = dataset.type;
  data::VersionBuilder builder(*blobs_, options);
  if (!columns.empty()) {
    EXPECT_TRUE(builder.SetColumns(columns).ok());
  }
  for (auto& [sample, split] : samples) {
    EXPECT_TRUE(builder.AddWithSplit(std::move(sample), split).ok());
  }
  EXPECT_EQ(builder.rejected_count(), 0u);
  auto draft = builder.Finish();
  EXPECT_TRUE(draft.ok()) << draft.status().ToString();
  data::DatasetStore datasets(*db_);
  auto v = datasets.CommitVersion(dataset, *draft, Json{{"kind", "test"}}, "u");
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return *v;
}

data::Dataset LabelingTest::MakeImageDataset(const std::string& name, data::DatasetType type,
                                             const std::vector<TestImage>& images) {
  data::DatasetStore datasets(*db_);
  auto dataset = datasets.Create("p", name, type, "", "u");
  EXPECT_TRUE(dataset.ok()) << dataset.status().ToString();
  std::vector<std::pair<data::Sample, std::optional<data::Split>>> samples;
  int seed = 0;
  for (const TestImage& image : images) {
    auto blob = blobs_->Put(PngBytes(image.width, image.height, ++seed));
    EXPECT_TRUE(blob.ok());
    data::Sample s;
    s.file = image.file;
    s.blob = blob->digest;
    s.size = blob->size;
    if (!image.label.empty()) s.labels = {image.label};
    s.boxes = image.boxes;
    s.meta = Json{{"width", image.width}, {"height", image.height}, {"format", "png"}};
    samples.emplace_back(std::move(s), image.split);
  }
  CommitSamples(*dataset, std::move(samples));
  return *datasets.GetById(dataset->id);
}

data::Dataset LabelingTest::MakeTextDataset(
    const std::string& name, const std::vector<std::pair<std::string, std::string>>& rows) {
  data::DatasetStore datasets(*db_);
  auto dataset = datasets.Create("p", name, data::DatasetType::kTextClassification, "", "u");
  EXPECT_TRUE(dataset.ok()) << dataset.status().ToString();
  std::vector<std::pair<data::Sample, std::optional<data::Split>>> samples;
  for (const auto& [text, label] : rows) {
    data::Sample s;
    s.values = {text};
    if (!label.empty()) s.labels = {label};
    samples.emplace_back(std::move(s), std::nullopt);
  }
  CommitSamples(*dataset, std::move(samples), {"text"});
  return *datasets.GetById(dataset->id);
}

data::Dataset LabelingTest::PetsDataset() {
  using data::Split;
  std::vector<TestImage> images;
  const Split splits[] = {Split::kTrain, Split::kTrain, Split::kTrain, Split::kVal, Split::kTest};
  for (int i = 0; i < 5; ++i) {
    images.push_back({"cat/" + std::to_string(i) + ".png", "cat", {}, splits[i]});
    images.push_back({"dog/" + std::to_string(i) + ".png", "dog", {}, splits[4 - i]});
  }
  return MakeImageDataset("pets", data::DatasetType::kImageClassification, images);
}

data::Dataset LabelingTest::StreetDataset() {
  using data::Split;
  std::vector<TestImage> images = {
      {"a.png", "", {{"car", 1, 2, 10, 8}}, Split::kTrain, 40, 30},
      {"b.png", "", {{"person", 0, 0, 5, 20}, {"car", 20, 10, 19, 19}}, Split::kTrain, 40, 30},
      {"c.png", "", {}, Split::kVal, 40, 30},
      {"d.png", "", {{"person", 3.5, 4.25, 6, 6}}, Split::kTest, 40, 30},
  };
  return MakeImageDataset("street", data::DatasetType::kObjectDetection, images);
}

Task LabelingTest::CreateTask(const std::string& name, const std::string& dataset, TaskKind kind,
                              std::vector<std::string> labels, uint64_t seed) {
  TaskStore tasks(*db_, *blobs_);
  NewTask req;
  req.name = name;
  req.dataset = dataset;
  req.kind = kind;
  req.labels = std::move(labels);
  req.seed = seed;
  auto task = tasks.Create("p", req, "u");
  EXPECT_TRUE(task.ok()) << task.status().ToString();
  return task.ok() ? *task : Task{};
}

Prelabel LabelingTest::PutPrelabel(const Task& task, const std::string& sample_id,
                                   const std::vector<float>& probs, const std::string& model,
                                   int64_t version) {
  auto scores = ScoreProbabilities(probs.data(), probs.size());
  EXPECT_TRUE(scores.ok()) << scores.status().ToString();
  Prelabel p;
  p.sample_id = sample_id;
  p.label = task.labels.at(scores->top);
  p.confidence = scores->confidence;
  p.margin = scores->margin;
  p.entropy = scores->entropy;
  p.model = model;
  p.model_version = version;
  p.model_version_id = model + "-v" + std::to_string(version);
  p.created_at = 1;
  EXPECT_TRUE(PrelabelStore(*db_).Write(task, {p}, {}).ok());
  return p;
}

std::vector<std::pair<data::Sample, data::Split>> LabelingTest::Samples(
    const std::string& dataset_id, int64_t version) {
  std::vector<std::pair<data::Sample, data::Split>> out;
  data::DatasetStore datasets(*db_);
  auto v = datasets.GetVersion(dataset_id, version);
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  auto reader = data::ManifestReader::Open(*blobs_, *v);
  EXPECT_TRUE(reader.ok());
  EXPECT_TRUE(reader
                  ->ForEachSample([&](const data::Sample& s, data::Split split) {
                    out.emplace_back(s, split);
                    return OkStatus();
                  })
                  .ok());
  return out;
}

}  // namespace easel::labeling::testing
