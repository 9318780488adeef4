// Randomly edited annotation files (COCO JSON, Pascal VOC XML, YOLO text) over real images: an
// import either stops with a clear error or adds only what every importer promises, so a file
// from a buggy or hostile tool cannot put a bad sample into a dataset.

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "data/images/test_support.h"
#include "testing/random_edits.h"

namespace easel::data {
namespace {
using testing::Jpeg;
using testing::Png;
using testing::RecordingSink;
using testing::Upload;

constexpr DatasetType kDet = DatasetType::kObjectDetection;

struct Image {
  std::string bytes;
  int64_t width;
  int64_t height;
};

// Edits of an annotation file: JSON, XML and YAML syntax, numbers, paths.
std::string Edit(const std::string& text, std::mt19937& rng) {
  static const ::easel::testing::EditOptions options{
      .pieces = {"-", "0", "1e308", "-1", "nan", "9999999", "\"", "<", ">", "</", "{", "}", "[",
                 "]", ",", ":", "\n", " ", "../", "/", "\\", "\xff", "0.5"}};
  return ::easel::testing::RandomEdits(text, rng, options);
}

// Imports `annotations` (path -> text) with `images` (path -> image) and checks what came of
// it. Returns whether any box was added.
bool ImportAndCheck(const std::string& format, const std::map<std::string, Image>& images,
                    const std::map<std::string, std::string>& annotations) {
  Upload upload;
  for (const auto& [path, image] : images) upload.Add(path, image.bytes);
  upload.AddAll(annotations);
  RecordingSink sink;
  const Status s = upload.Import(format, kDet, sink);
  if (!s.ok()) {
    EXPECT_TRUE(s.code() == StatusCode::kInvalidArgument ||
                s.code() == StatusCode::kResourceExhausted)
        << s.ToString();
    EXPECT_FALSE(s.message().empty());
    return false;
  }
  bool boxes = false;
  for (const Sample& sample : sink.samples) {
    // The sample is one of the uploaded images, with its real size whatever the file claims.
    auto image = std::find_if(images.begin(), images.end(), [&](const auto& entry) {
      const std::string& path = entry.first;
      return path.size() >= sample.file.size() &&
             path.compare(path.size() - sample.file.size(), sample.file.size(), sample.file) == 0;
    });
    EXPECT_NE(image, images.end()) << sample.file;
    if (image == images.end()) continue;
    const Image& img = image->second;
    EXPECT_EQ(sample.meta.value("width", int64_t{0}), img.width) << sample.file;
    EXPECT_EQ(sample.meta.value("height", int64_t{0}), img.height) << sample.file;
    for (const Box& b : sample.boxes) {
      boxes = true;
      EXPECT_FALSE(b.label.empty());
      if (!sink.declared.empty()) {
        EXPECT_NE(std::find(sink.declared.begin(), sink.declared.end(), b.label),
                  sink.declared.end())
            << b.label;
      }
      EXPECT_GT(b.w, 0);
      EXPECT_GT(b.h, 0);
      EXPECT_GE(b.x, 0);
      EXPECT_GE(b.y, 0);
      EXPECT_LE(b.x + b.w, static_cast<double>(img.width) + kBoxPrecision);
      EXPECT_LE(b.y + b.h, static_cast<double>(img.height) + kBoxPrecision);
    }
  }
  return boxes;
}

constexpr int kEdits = 250;

// Imports `files` as they are (which must add boxes), then kEdits times with one or more of
// them edited.
void ImportEdits(const std::string& format, const std::map<std::string, Image>& images,
                 const std::map<std::string, std::string>& files, uint32_t seed) {
  ASSERT_TRUE(ImportAndCheck(format, images, files));
  std::mt19937 rng(seed);
  int with_boxes = 0;
  for (int i = 0; i < kEdits && !::testing::Test::HasFailure(); ++i) {
    std::map<std::string, std::string> edited = files;
    // The one file left as it is; files.size(): none.
    const size_t skip = files.size() > 1 ? rng() % (files.size() + 1) : files.size();
    size_t n = 0;
    for (auto& [path, text] : edited) {
      if (n++ != skip) text = Edit(text, rng);
    }
    with_boxes += ImportAndCheck(format, images, edited);
    if (::testing::Test::HasFailure()) {
      for (const auto& [path, text] : edited) ADD_FAILURE() << path << ":\n" << text;
    }
  }
  EXPECT_GT(with_boxes, 0);
}

TEST(AnnotationEditsTest, Coco) {
  const std::map<std::string, Image> images = {{"images/a.png", {Png(100, 80, 1), 100, 80}},
                                               {"images/b.jpg", {Jpeg(64, 48, 2), 64, 48}}};
  const std::string coco = R"({"categories":[{"id":1,"name":"cat"},{"id":2,"name":"dog"}],
    "images":[{"id":1,"file_name":"a.png","width":100,"height":80},
              {"id":2,"file_name":"b.jpg","width":64,"height":48}],
    "annotations":[{"id":10,"image_id":1,"category_id":1,"bbox":[10.5,20,30,40]},
                   {"id":11,"image_id":1,"category_id":2,"bbox":[-0.5,0,100.9,80.5]},
                   {"id":12,"image_id":2,"category_id":2,"bbox":[0,0,64,48]}]})";
  ImportEdits("coco", images, {{"annotations/instances.json", coco}}, 20261124);
}

TEST(AnnotationEditsTest, Voc) {
  const std::map<std::string, Image> images = {
      {"VOC/JPEGImages/a.jpg", {Jpeg(100, 80, 1), 100, 80}}};
  const std::string xml =
      "<annotation><folder>JPEGImages</folder><filename>a.jpg</filename><size><width>100"
      "</width><height>80</height><depth>3</depth></size><object><name>cat</name><bndbox>"
      "<xmin>10</xmin><ymin>20</ymin><xmax>40</xmax><ymax>60</ymax></bndbox></object>"
      "<object><name>dog</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>101</xmax>"
      "<ymax>81</ymax></bndbox></object></annotation>";
  ImportEdits("voc", images, {{"VOC/Annotations/a.xml", xml}}, 20261125);
}

TEST(AnnotationEditsTest, Yolo) {
  const std::map<std::string, Image> images = {
      {"ds/images/train/a.png", {Png(200, 100, 1), 200, 100}}};
  ImportEdits("yolo", images,
              {{"ds/data.yaml", "path: .\ntrain: images/train\nnames:\n  0: cat\n  1: dog\n"},
               {"ds/labels/train/a.txt", "0 0.5 0.5 0.25 0.5\n1 0.1 0.1 0.2 0.2\n1 0.5 0.5 1 1\n"}},
              20261126);
}

}  // namespace
}  // namespace easel::data
