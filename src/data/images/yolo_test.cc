#include <gtest/gtest.h>

#include "data/images/test_support.h"

namespace easel::data {
namespace {
using testing::Jpeg;
using testing::Png;
using testing::RecordingSink;
using testing::Upload;

constexpr DatasetType kDet = DatasetType::kObjectDetection;

TEST(YoloTest, ImportsTheUltralyticsLayout) {
  Upload upload;
  upload.Add("ds/data.yaml", "path: .\ntrain: images/train\nnames:\n  0: cat\n  1: dog\n");
  upload.Add("ds/images/train/a.png", Png(200, 100, 1));
  upload.Add("ds/labels/train/a.txt",
             "0 0.5 0.5 0.25 0.5\n"
             "\n"
             "1 0.1 0.1 0.2\n"                         // 4 values
             "7 0.5 0.5 0.1 0.1\n"                     // class out of range
             "x 0.5 0.5 0.1 0.1\n"                     // not an id
             "1 0.5 0.5 -0.1 0.1\n"                    // negative width
             "1 0.95 0.5 0.3 0.1\n"                    // sticks out by 20 px
             "1 0.5 0.5 abc 0.1\n"                     // not a number
             "1 0.5 0.5 1 1\r\n");                     // the whole image, CRLF
  upload.Add("ds/images/val/b.jpg", Jpeg(64, 48, 2));  // no label file: no boxes
  upload.Add("ds/labels/val/orphan.txt", "0 0.5 0.5 0.1 0.1\n");
  upload.Add("ds/README.roboflow.txt", "exported by someone");
  RecordingSink sink;
  Status s = upload.Import("yolo", kDet, sink);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(sink.declared, (std::vector<std::string>{"cat", "dog"}));
  std::vector<Sample> got = sink.Sorted();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].file, "a.png");  // split folder dropped
  EXPECT_EQ(got[0].boxes, (std::vector<Box>{{"cat", 75, 25, 50, 50}, {"dog", 0, 0, 200, 100}}));
  EXPECT_EQ(got[1].file, "b.jpg");
  EXPECT_TRUE(got[1].boxes.empty());
  const std::string l = "ds/labels/train/a.txt:";
  EXPECT_EQ(sink.ReasonFor(l + "3"), "expected 5 values (class cx cy w h), found 4");
  EXPECT_EQ(sink.ReasonFor(l + "4"), "class id 7 out of range (2 classes in ds/data.yaml)");
  EXPECT_EQ(sink.ReasonFor(l + "5"), "class id 'x' is not a non-negative integer");
  EXPECT_EQ(sink.ReasonFor(l + "6"), "box with negative size (w=-0.1, h=0.1)");
  EXPECT_EQ(sink.ReasonFor(l + "7"), "box [160, 45, 60, 10] outside the 200x100 image");
  EXPECT_EQ(sink.ReasonFor(l + "8"), "cx, cy, w and h must be numbers");
  EXPECT_EQ(sink.ReasonFor("ds/labels/val/orphan.txt"), "no image for this label file");
  EXPECT_EQ(sink.ReasonFor("ds/README.roboflow.txt"), "not an image or label file");
}

TEST(YoloTest, DarknetLayoutWithObjNames) {
  Upload upload;
  upload.Add("obj.names", "person\ncar\n\n");
  upload.Add("obj/1.png", Png(10, 10, 1));
  upload.Add("obj/1.txt", "1 0.5 0.5 0.2 0.2\n");
  RecordingSink sink;
  ASSERT_TRUE(upload.Import("yolo", kDet, sink).ok());
  ASSERT_EQ(sink.samples.size(), 1u);
  EXPECT_EQ(sink.samples[0].file, "obj/1.png");
  EXPECT_EQ(sink.samples[0].boxes, (std::vector<Box>{{"car", 4, 4, 2, 2}}));
  EXPECT_EQ(sink.declared, (std::vector<std::string>{"person", "car"}));
}

TEST(YoloTest, NamesFilesThatAreWrong) {
  for (const char* yaml : {"names: [a, [b, c]]\n", "names: 3\n", "names: [a, b\n",
                           "a: &a [x]\nnames: *a\nb: [[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]\n"}) {
    Upload upload;
    upload.Add("data.yaml", yaml);
    upload.Add("images/a.png", Png(4, 4));
    RecordingSink sink;
    Status s = upload.Import("yolo", kDet, sink);
    if (s.ok()) {
      EXPECT_EQ(sink.samples.size(), 1u) << yaml;  // the alias case is a valid list
    } else {
      EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << yaml;
      EXPECT_EQ(s.message().rfind("data.yaml: ", 0), 0u) << s.message();
    }
  }
  // Deep nesting is refused by yaml-cpp's depth guard, not by a stack overflow.
  Upload deep;
  deep.Add("data.yaml", "names: " + std::string(100000, '[') + std::string(100000, ']') + "\n");
  deep.Add("images/a.png", Png(4, 4));
  RecordingSink sink;
  EXPECT_EQ(deep.Import("yolo", kDet, sink).code(), StatusCode::kInvalidArgument);
}

TEST(YoloTest, RoundTripDropsTheSplitFolders) {
  Upload upload;
  upload.Add("classes.txt", "cat\ndog\nbird\n");
  upload.Add("images/a.png", Png(100, 80, 1));
  upload.Add("labels/a.txt", "0 0.5 0.5 0.3 0.2\n1 0.123456 0.654321 0.0777 0.1111\n");
  upload.Add("images/sub/b.jpg", Jpeg(333, 77, 2));
  upload.Add("labels/sub/b.txt", "1 0.3 0.3 0.3 0.3\n");
  upload.Add("images/c.png", Png(7, 3, 3));
  RecordingSink first;
  ASSERT_TRUE(upload.Import("yolo", kDet, first).ok());
  ASSERT_EQ(first.samples.size(), 3u);
  auto files = testing::ExpectRoundTrip("yolo", kDet, upload.blobs(), first);
  EXPECT_EQ(files.count("data.yaml"), 1u);
  EXPECT_EQ(files.count("classes.txt"), 1u);
  // Splits are round-robin in the test export: a.png train, c.png val, sub/b.jpg test.
  EXPECT_EQ(files.count("images/train/a.png"), 1u);
  EXPECT_EQ(files.count("labels/test/sub/b.txt"), 1u);
  EXPECT_EQ(files["labels/val/c.txt"], "");
  EXPECT_NE(files["data.yaml"].find("names"), std::string::npos);
}

}  // namespace
}  // namespace easel::data
