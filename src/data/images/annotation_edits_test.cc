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

// `text` with 1 to 3 random edits: a byte flipped, a piece spliced in, a range dropped or
// repeated.
std::string Edit(std::string text, std::mt19937& rng) {
  static const std::vector<std::string> pieces = {
      "-", "0", "1e308", "-1", "nan", "9999999", "\"", "<", ">", "</", "{", "}", "[", "]",
      ",", ":", "\n", " ", "../", "/", "\\", "\xff", "0.5"};
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  for (size_t edits = 1 + pick(3); edits > 0 && !text.empty(); --edits) {
    const size_t at = pick(text.size());
    switch (pick(4)) {
      case 0:
        text[at] = static_cast<char>(text[at] ^ (1 << pick(8)));
        break;
      case 1:
        text.insert(at, pieces[pick(pieces.size())]);
        break;
      case 2:
        text.erase(at, 1 + pick(8));
        break;
      default:
        text.insert(at, text.substr(at, 1 + pick(24)));
        break;
    }
  }
  return text;
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

TEST(AnnotationEditsTest, Coco) {
  const std::map<std::string, Image> images = {{"images/a.png", {Png(100, 80, 1), 100, 80}},
                                               {"images/b.jpg", {Jpeg(64, 48, 2), 64, 48}}};
  const std::string coco = R"({"categories":[{"id":1,"name":"cat"},{"id":2,"name":"dog"}],
    "images":[{"id":1,"file_name":"a.png","width":100,"height":80},
              {"id":2,"file_name":"b.jpg","width":64,"height":48}],
    "annotations":[{"id":10,"image_id":1,"category_id":1,"bbox":[10.5,20,30,40]},
                   {"id":11,"image_id":1,"category_id":2,"bbox":[-0.5,0,100.9,80.5]},
                   {"id":12,"image_id":2,"category_id":2,"bbox":[0,0,64,48]}]})";
  ASSERT_TRUE(ImportAndCheck("coco", images, {{"annotations/instances.json", coco}}));
  std::mt19937 rng(20261124);
  int with_boxes = 0;
  for (int i = 0; i < kEdits && !HasFailure(); ++i) {
    const std::string edited = Edit(coco, rng);
    with_boxes += ImportAndCheck("coco", images, {{"annotations/instances.json", edited}});
    if (HasFailure()) ADD_FAILURE() << "the edited file:\n" << edited;
  }
  EXPECT_GT(with_boxes, 0);
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
  ASSERT_TRUE(ImportAndCheck("voc", images, {{"VOC/Annotations/a.xml", xml}}));
  std::mt19937 rng(20261125);
  int with_boxes = 0;
  for (int i = 0; i < kEdits && !HasFailure(); ++i) {
    const std::string edited = Edit(xml, rng);
    with_boxes += ImportAndCheck("voc", images, {{"VOC/Annotations/a.xml", edited}});
    if (HasFailure()) ADD_FAILURE() << "the edited file:\n" << edited;
  }
  EXPECT_GT(with_boxes, 0);
}

TEST(AnnotationEditsTest, Yolo) {
  const std::map<std::string, Image> images = {
      {"ds/images/train/a.png", {Png(200, 100, 1), 200, 100}}};
  const std::string yaml = "path: .\ntrain: images/train\nnames:\n  0: cat\n  1: dog\n";
  const std::string labels = "0 0.5 0.5 0.25 0.5\n1 0.1 0.1 0.2 0.2\n1 0.5 0.5 1 1\n";
  ASSERT_TRUE(ImportAndCheck("yolo", images,
                             {{"ds/data.yaml", yaml}, {"ds/labels/train/a.txt", labels}}));
  std::mt19937 rng(20261126);
  int with_boxes = 0;
  for (int i = 0; i < kEdits && !HasFailure(); ++i) {
    // Either file edited, or both.
    const int which = static_cast<int>(rng() % 3);
    const std::string y = which != 1 ? Edit(yaml, rng) : yaml;
    const std::string l = which != 0 ? Edit(labels, rng) : labels;
    with_boxes +=
        ImportAndCheck("yolo", images, {{"ds/data.yaml", y}, {"ds/labels/train/a.txt", l}});
    if (HasFailure()) ADD_FAILURE() << "the edited files:\n" << y << "\n---\n" << l;
  }
  EXPECT_GT(with_boxes, 0);
}

}  // namespace
}  // namespace easel::data
