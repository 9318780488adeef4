#include <gtest/gtest.h>

#include "data/stats.h"

namespace easel::data {
namespace {

Sample Image(std::string file, int w, int h, std::string format, std::vector<std::string> labels,
             std::vector<Box> boxes = {}) {
  Sample s;
  s.file = std::move(file);
  s.labels = std::move(labels);
  s.boxes = std::move(boxes);
  s.meta = Json{{"width", w}, {"height", h}, {"format", std::move(format)}};
  return s;
}

TEST(ImageStatsTest, Classification) {
  auto stats = MakeImageStats(DatasetType::kImageClassification);
  stats->Add(Image("a", 10, 20, "png", {"cat"}));
  stats->Add(Image("b", 30, 40, "jpeg", {"dog"}));
  stats->Add(Image("c", 20, 60, "png", {"cat"}));
  stats->Add(Image("d", 20, 60, "png", {}));
  Json s = stats->Finish();
  EXPECT_EQ(s["num_samples"], 4);
  EXPECT_EQ(s["class_counts"], (Json{{"cat", 2}, {"dog", 1}}));
  EXPECT_EQ(s["images"]["width"], (Json{{"min", 10}, {"max", 30}, {"mean", 20.0}}));
  EXPECT_EQ(s["images"]["height"], (Json{{"min", 20}, {"max", 60}, {"mean", 45.0}}));
  EXPECT_EQ(s["images"]["formats"], (Json{{"png", 3}, {"jpeg", 1}}));
  EXPECT_FALSE(s.contains("boxes"));
}

TEST(ImageStatsTest, Detection) {
  auto stats = MakeImageStats(DatasetType::kObjectDetection);
  stats->Add(Image("a", 10, 10, "png", {},
                   {{"cat", 0, 0, 1, 1}, {"cat", 1, 1, 1, 1}, {"dog", 0, 0, 2, 2}}));
  stats->Add(Image("b", 10, 10, "png", {}, {}));
  stats->Add(Image("c", 10, 10, "png", {}, {{"dog", 0, 0, 1, 1}}));
  Json s = stats->Finish();
  EXPECT_EQ(s["num_samples"], 3);
  // Detection class counts are images containing the class; boxes.per_class counts boxes.
  EXPECT_EQ(s["class_counts"], (Json{{"cat", 1}, {"dog", 2}}));
  EXPECT_EQ(s["boxes"]["count"], 4);
  EXPECT_EQ(s["boxes"]["per_class"], (Json{{"cat", 2}, {"dog", 2}}));
  EXPECT_EQ(s["boxes"]["per_image"]["min"], 0);
  EXPECT_EQ(s["boxes"]["per_image"]["max"], 3);
  EXPECT_DOUBLE_EQ(s["boxes"]["per_image"]["mean"].get<double>(), 4.0 / 3);
}

TEST(ImageStatsTest, Empty) {
  Json s = MakeImageStats(DatasetType::kObjectDetection)->Finish();
  EXPECT_EQ(s["num_samples"], 0);
  EXPECT_FALSE(s.contains("class_counts"));
  EXPECT_TRUE(s["images"]["width"]["min"].is_null());
  EXPECT_EQ(s["images"]["formats"], Json::object());
  EXPECT_EQ(s["boxes"]["count"], 0);
  EXPECT_EQ(s["boxes"]["per_class"], Json::object());
}

}  // namespace
}  // namespace easel::data
