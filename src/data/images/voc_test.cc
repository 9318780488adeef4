#include <gtest/gtest.h>

#include "data/images/test_support.h"

namespace easel::data {
namespace {
using testing::Jpeg;
using testing::Png;
using testing::RecordingSink;
using testing::Upload;

constexpr DatasetType kDet = DatasetType::kObjectDetection;

std::string Xml(const std::string& filename, const std::string& objects, int w = 100, int h = 80) {
  return "<annotation><folder>JPEGImages</folder><filename>" + filename +
         "</filename><size><width>" + std::to_string(w) + "</width><height>" + std::to_string(h) +
         "</height><depth>3</depth></size>" + objects + "</annotation>";
}

std::string Object(const std::string& name, const std::string& x0, const std::string& y0,
                   const std::string& x1, const std::string& y1) {
  return "<object><name>" + name + "</name><difficult>0</difficult><bndbox><xmin>" + x0 +
         "</xmin><ymin>" + y0 + "</ymin><xmax>" + x1 + "</xmax><ymax>" + y1 +
         "</ymax></bndbox></object>";
}

TEST(VocTest, ImportsTheVocLayout) {
  Upload upload;
  upload.Add("VOC2012/Annotations/a.xml",
             Xml("a.jpg", Object("cat", "10", "20", "40", "60") +
                              Object("dog", "1", "1", "101", "81") +   // 1-based corners: clipped
                              Object("dog", "50", "50", "30", "60") +  // xmax < xmin
                              Object("bird", "0", "0", "150", "10") +  // outside
                              "<object><name>cat</name></object>"));
  upload.Add("VOC2012/JPEGImages/a.jpg", Jpeg(100, 80, 1));
  upload.Add("VOC2012/Annotations/b.xml", Xml("b.png", "", 7, 7));
  upload.Add("VOC2012/JPEGImages/b.png", Png(8, 8, 2));  // <size> disagrees
  upload.Add("VOC2012/Annotations/evil.xml", Xml("../../../etc/passwd", ""));
  upload.Add("VOC2012/Annotations/broken.xml", "<annotation><filename>x.jpg</filename>");
  upload.Add("VOC2012/Annotations/other.xml", "<config/>");
  upload.Add("VOC2012/SegmentationClass/a.png", Png(4, 4, 3));
  RecordingSink sink;
  Status s = upload.Import("voc", kDet, sink);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(sink.samples.size(), 1u);
  EXPECT_EQ(sink.samples[0].file, "a.jpg");
  EXPECT_EQ(sink.samples[0].boxes,
            (std::vector<Box>{{"cat", 10, 20, 30, 40}, {"dog", 1, 1, 99, 79}}));
  const std::string a = "VOC2012/Annotations/a.xml: ";
  EXPECT_EQ(sink.ReasonFor(a + "object 3"), "box with negative size (w=-20, h=10)");
  EXPECT_EQ(sink.ReasonFor(a + "object 4"), "box [0, 0, 150, 10] outside the 100x80 image");
  EXPECT_EQ(sink.ReasonFor(a + "object 5"), "<bndbox> needs numeric xmin, ymin, xmax and ymax");
  EXPECT_EQ(sink.ReasonFor("VOC2012/JPEGImages/b.png"),
            "VOC2012/Annotations/b.xml gives the size 7x7 but the image is 8x8");
  EXPECT_EQ(sink.ReasonFor("VOC2012/Annotations/evil.xml"),
            "unsafe file name '../../../etc/passwd': '..' segment");
  EXPECT_EQ(sink.ReasonFor("VOC2012/Annotations/broken.xml").rfind("malformed XML", 0), 0u);
  EXPECT_EQ(sink.ReasonFor("VOC2012/Annotations/other.xml"),
            "not a Pascal VOC annotation (no <annotation> element)");
  EXPECT_EQ(sink.ReasonFor("VOC2012/SegmentationClass/a.png"),
            "no annotation XML names this image");
}

TEST(VocTest, XxeAndBillionLaughsAreInert) {
  Upload upload;
  upload.Add("secret.png", Png(4, 4, 9));
  upload.Add("xxe.xml",
             "<?xml version=\"1.0\"?>\n"
             "<!DOCTYPE annotation [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">"
             "<!ENTITY name SYSTEM \"secret.png\">]>\n"
             "<annotation><filename>&name;</filename>"
             "<object><name>&xxe;</name><bndbox><xmin>0</xmin><ymin>0</ymin><xmax>1</xmax>"
             "<ymax>1</ymax></bndbox></object></annotation>");
  std::string laughs =
      "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n"
      "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n";
  for (int i = 2; i <= 9; ++i) {
    laughs += "<!ENTITY lol" + std::to_string(i) + " \"";
    for (int k = 0; k < 10; ++k) laughs += "&lol" + std::to_string(i - 1) + ";";
    laughs += "\">\n";
  }
  laughs += "]>\n<annotation><filename>&lol9;</filename></annotation>";
  upload.Add("lol.xml", laughs);
  RecordingSink sink;
  ASSERT_TRUE(upload.Import("voc", kDet, sink).ok());
  // Entities stay unexpanded text: nothing is read from disk, nothing blows up.
  EXPECT_TRUE(sink.samples.empty());
  EXPECT_EQ(sink.ReasonFor("xxe.xml"), "no file '&name;' in the upload");
  EXPECT_EQ(sink.ReasonFor("lol.xml"), "no file '&lol9;' in the upload");
}

TEST(VocTest, ImagesNextToTheirXml) {
  Upload upload;
  upload.Add("shots/a.png", Png(20, 20, 1));
  upload.Add("shots/a.xml", Xml("a.png", Object("cat", "1.5", "2.25", "3.5", "4.25"), 20, 20));
  RecordingSink sink;
  ASSERT_TRUE(upload.Import("voc", kDet, sink).ok());
  ASSERT_EQ(sink.samples.size(), 1u);
  EXPECT_EQ(sink.samples[0].file, "shots/a.png");
  EXPECT_EQ(sink.samples[0].boxes, (std::vector<Box>{{"cat", 1.5, 2.25, 2, 2}}));
}

TEST(VocTest, RoundTrip) {
  Upload upload;
  upload.Add("Annotations/a.xml", Xml("a.jpg", Object("cat", "0.1", "0.2", "30.4333", "7.2") +
                                                   Object("dog", "10", "10", "10.001", "12")));
  upload.Add("JPEGImages/a.jpg", Jpeg(100, 80, 1));
  upload.Add("Annotations/sub/b.xml", Xml("sub/b.png", "", 9, 9));
  upload.Add("JPEGImages/sub/b.png", Png(9, 9, 2));
  RecordingSink first;
  ASSERT_TRUE(upload.Import("voc", kDet, first).ok());
  ASSERT_EQ(first.samples.size(), 2u);
  auto files = testing::ExpectRoundTrip("voc", kDet, upload.blobs(), first);
  EXPECT_EQ(files.count("Annotations/sub/b.xml"), 1u);
  EXPECT_EQ(files.count("JPEGImages/sub/b.png"), 1u);
  EXPECT_NE(files["Annotations/a.xml"].find("<xmax>30.433</xmax>"), std::string::npos)
      << files["Annotations/a.xml"];
}

}  // namespace
}  // namespace easel::data
