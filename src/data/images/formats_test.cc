#include "data/images/formats.h"

#include <gtest/gtest.h>

#include "data/images/test_support.h"

namespace easel::data {
namespace {

constexpr DatasetType kCls = DatasetType::kImageClassification;
constexpr DatasetType kDet = DatasetType::kObjectDetection;

std::string Detected(const std::map<std::string, std::string>& files, DatasetType type) {
  testing::Upload upload;
  upload.AddAll(files);
  SourceFiles source = upload.Files();
  ImporterRegistry registry;
  RegisterImageImporters(registry);
  Result<const Importer*> found = registry.Detect(source, type);
  return found.ok() ? (*found)->name : "none: " + found.status().message();
}

TEST(ImageFormatsTest, EveryExporterHasItsImporter) {
  ImporterRegistry importers;
  ExporterRegistry exporters;
  RegisterImageImporters(importers);
  RegisterImageExporters(exporters);
  ASSERT_EQ(importers.List().size(), 5u);
  ASSERT_EQ(exporters.List().size(), 5u);
  for (const Exporter* e : exporters.List()) {
    Result<const Importer*> i = importers.Find(e->importer);
    ASSERT_TRUE(i.ok()) << e->name;
    EXPECT_EQ((*i)->types, e->types) << e->name;
  }
  for (const Importer* i : importers.List()) {
    EXPECT_TRUE(i->params_schema.contains("max_pixels")) << i->name;
  }
}

TEST(ImageFormatsTest, DetectsTheUsualLayouts) {
  EXPECT_EQ(Detected({{"cats/1.jpg", ""}, {"dogs/2.jpg", ""}}, kCls), "image_folder");
  EXPECT_EQ(Detected({{"labels.csv", ""}, {"images/1.jpg", ""}}, kCls), "image_csv");
  EXPECT_EQ(Detected({{"annotations/instances_val.json", ""}, {"val/1.jpg", ""}}, kDet), "coco");
  EXPECT_EQ(Detected({{"Annotations/1.xml", ""}, {"JPEGImages/1.jpg", ""}}, kDet), "voc");
  EXPECT_EQ(
      Detected({{"data.yaml", ""}, {"images/train/1.jpg", ""}, {"labels/train/1.txt", ""}}, kDet),
      "yolo");
  EXPECT_EQ(Detected({{"notes.txt", ""}}, kDet).rfind("none", 0), 0u);
}

}  // namespace
}  // namespace easel::data
