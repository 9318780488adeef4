#include <gtest/gtest.h>

#include "data/images/test_support.h"

namespace easel::data {
namespace {
using testing::Jpeg;
using testing::Png;
using testing::RecordingSink;
using testing::Upload;

constexpr DatasetType kDet = DatasetType::kObjectDetection;

Json Categories() {
  return Json::array(
      {{{"id", 1}, {"name", "cat"}}, {{"id", 2}, {"name", "dog"}}, {{"id", 3}, {"name", "bird"}}});
}

TEST(CocoTest, ImportsBoxesAndRejectsBadAnnotations) {
  Json coco = {
      {"info", {{"description", "test"}}},
      {"categories", Categories()},
      {"images", Json::array({{{"id", 1}, {"file_name", "a.png"}, {"width", 100}, {"height", 80}},
                              {{"id", 2}, {"file_name", "b.jpg"}, {"width", 64}, {"height", 48}},
                              {{"id", 3}, {"file_name", "../../etc/passwd"}},
                              {{"id", 4}, {"file_name", "/etc/passwd"}},
                              {{"id", 5}, {"file_name", "dir\\evil.png"}},
                              {{"id", 6}, {"file_name", "gone.png"}}})},
      {"annotations",
       Json::array({
           {{"id", 10},
            {"image_id", 1},
            {"category_id", 1},
            {"bbox", {10.5, 20, 30, 40}},
            {"segmentation", Json::array({Json::array({1, 2, 3, 4, 5, 6})})}},
           {{"id", 11}, {"image_id", 1}, {"category_id", 2}, {"bbox", {-0.5, 0, 100.9, 80.5}}},
           {{"id", 12}, {"image_id", 1}, {"category_id", 2}, {"bbox", {90, 70, 20, 20}}},
           {{"id", 13}, {"image_id", 1}, {"category_id", 1}, {"bbox", {1, 1, -5, 5}}},
           {{"id", 14}, {"image_id", 99}, {"category_id", 1}, {"bbox", {1, 1, 5, 5}}},
           {{"id", 15}, {"image_id", 2}, {"category_id", 7}, {"bbox", {1, 1, 5, 5}}},
           {{"id", 16},
            {"image_id", 2},
            {"category_id", 1},
            {"bbox", {1, 1, 5, 5}},
            {"iscrowd", 1}},
           {{"id", 17}, {"image_id", 2}, {"category_id", 1}, {"bbox", {1, 1, 5}}},
           {{"id", 18}, {"image_id", 2}, {"category_id", 2}, {"bbox", {0, 0, 64, 48}}},
           {{"id", 19}, {"image_id", 3}, {"category_id", 2}, {"bbox", {0, 0, 1, 1}}},
       })}};
  Upload upload;
  upload.Add("annotations/instances.json", coco.dump());
  upload.Add("images/a.png", Png(100, 80, 1));
  upload.Add("images/b.jpg", Jpeg(64, 48, 2));
  upload.Add("images/c.png", Png(10, 10, 3));
  upload.Add("LICENSE", "MIT");
  RecordingSink sink;
  Status s = upload.Import("coco", kDet, sink);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(sink.declared, (std::vector<std::string>{"cat", "dog", "bird"}));
  std::vector<Sample> got = sink.Sorted();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].file, "a.png");
  EXPECT_TRUE(got[0].labels.empty());
  EXPECT_EQ(got[0].boxes, (std::vector<Box>{{"cat", 10.5, 20, 30, 40}, {"dog", 0, 0, 100, 80}}));
  EXPECT_EQ(got[0].meta, (Json{{"width", 100}, {"height", 80}, {"format", "png"}}));
  EXPECT_EQ(got[1].file, "b.jpg");
  EXPECT_EQ(got[1].boxes, (std::vector<Box>{{"dog", 0, 0, 64, 48}}));

  const std::string j = "annotations/instances.json: ";
  EXPECT_EQ(sink.ReasonFor(j + "annotation 12"), "box [90, 70, 20, 20] outside the 100x80 image");
  EXPECT_EQ(sink.ReasonFor(j + "annotation 13"), "box with negative size (w=-5, h=5)");
  EXPECT_EQ(sink.ReasonFor(j + "annotation 14"), "unknown image_id 99");
  EXPECT_EQ(sink.ReasonFor(j + "annotation 15"), "unknown category_id 7");
  EXPECT_NE(sink.ReasonFor(j + "annotation 16").find("crowd"), std::string::npos);
  EXPECT_EQ(sink.ReasonFor(j + "annotation 17"), "bbox must be [x, y, width, height]");
  EXPECT_EQ(sink.ReasonFor(j + "annotation 19"), "");  // its image is rejected already
  EXPECT_EQ(sink.ReasonFor(j + "image 3"), "unsafe file name '../../etc/passwd': '..' segment");
  EXPECT_EQ(sink.ReasonFor(j + "image 4"), "unsafe file name '/etc/passwd': absolute path");
  EXPECT_EQ(sink.ReasonFor(j + "image 5"), "unsafe file name 'dir\\evil.png': backslash in name");
  EXPECT_EQ(sink.ReasonFor(j + "image 6"), "no file 'gone.png' in the upload");
  EXPECT_EQ(sink.ReasonFor("images/c.png"), "not listed in the COCO annotations");
  EXPECT_EQ(sink.ReasonFor("LICENSE"), "not an image or annotation file");
}

TEST(CocoTest, FindsImagesInTheirOwnFolderAndAcceptsStringIds) {
  Json coco = {
      {"images", Json::array({{{"id", "x1"}, {"file_name", "1.png"}}})},
      {"categories", Json::array({{{"id", "c"}, {"name", "cat"}}})},
      {"annotations",
       Json::array(
           {{{"id", "a"}, {"image_id", "x1"}, {"category_id", "c"}, {"bbox", {1, 2, 3, 4}}}})}};
  Upload upload;
  upload.Add("coco/annotations/instances_train2017.json", coco.dump());
  upload.Add("coco/train2017/1.png", Png(10, 10));
  RecordingSink sink;
  ASSERT_TRUE(upload.Import("coco", kDet, sink).ok());
  ASSERT_EQ(sink.samples.size(), 1u) << sink.rejected.size();
  EXPECT_EQ(sink.samples[0].file, "1.png");
  EXPECT_EQ(sink.samples[0].boxes, (std::vector<Box>{{"cat", 1, 2, 3, 4}}));
}

TEST(CocoTest, BrokenJsonNamesTheFile) {
  Upload upload;
  upload.Add("ann/instances.json", "{\"images\": [ {\"id\": 1,, } ]");
  upload.Add("a.png", Png(4, 4));
  RecordingSink sink;
  Status s = upload.Import("coco", kDet, sink);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message().rfind("ann/instances.json: malformed JSON at byte", 0), 0u) << s.message();

  Upload other;
  other.Add("config.json", "{\"lr\": 0.1}");
  RecordingSink sink2;
  Status s2 = other.Import("coco", kDet, sink2);
  EXPECT_NE(s2.message().find("not a COCO instances file"), std::string::npos) << s2.message();
}

TEST(CocoTest, DeepNestingStopsTheParser) {
  Upload upload;
  upload.Add("instances.json", "{\"images\": " + std::string(1'000'000, '[') + "]");
  RecordingSink sink;
  Status s = upload.Import("coco", kDet, sink);
  EXPECT_EQ(s.message(), "instances.json: JSON nesting is deeper than the limit of 64");
}

TEST(CocoTest, AnnotationSizeLimit) {
  Upload upload;
  upload.Add("instances.json", Json{{"images", Json::array()}}.dump() + std::string(200, ' '));
  RecordingSink sink;
  Status s = upload.Import("coco", kDet, sink, Json{{"max_annotation_bytes", 100}});
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(s.message().find("instances.json"), std::string::npos);
}

TEST(CocoTest, RoundTrip) {
  Json coco = {
      {"categories", Categories()},
      {"images", Json::array({{{"id", 1}, {"file_name", "sub/a.png"}},
                              {{"id", 2}, {"file_name", "b.jpg"}},
                              {{"id", 3}, {"file_name", "empty.png"}}})},
      {"annotations",
       Json::array(
           {{{"id", 1}, {"image_id", 1}, {"category_id", 1}, {"bbox", {0.1, 0.2, 30.3333, 7}}},
            {{"id", 2}, {"image_id", 1}, {"category_id", 2}, {"bbox", {5, 5, 1e-3, 2}}},
            {{"id", 3}, {"image_id", 2}, {"category_id", 2}, {"bbox", {1, 2, 3, 4}}}})}};
  Upload upload;
  upload.Add("instances.json", coco.dump());
  upload.Add("sub/a.png", Png(100, 80, 1));
  upload.Add("b.jpg", Jpeg(64, 48, 2));
  upload.Add("empty.png", Png(9, 9, 3));
  RecordingSink first;
  ASSERT_TRUE(upload.Import("coco", kDet, first).ok());
  ASSERT_EQ(first.samples.size(), 3u);
  auto files = testing::ExpectRoundTrip("coco", kDet, upload.blobs(), first);
  ASSERT_EQ(files.count("annotations/instances.json"), 1u);
  EXPECT_EQ(files.count("images/sub/a.png"), 1u);
  Result<Json> exported = ParseJson(files["annotations/instances.json"]);
  ASSERT_TRUE(exported.ok());
  EXPECT_EQ((*exported)["images"].size(), 3u);
  EXPECT_EQ((*exported)["annotations"].size(), 3u);
  EXPECT_EQ((*exported)["categories"].size(), 3u);  // bird is declared, never used
}

}  // namespace
}  // namespace easel::data
