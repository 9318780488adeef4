#include "data/images/image_import.h"

#include <gtest/gtest.h>

#include "data/images/image_decode.h"
#include "data/images/image_paths.h"
#include "data/images/test_support.h"

namespace easel::data {
namespace {
using testing::Jpeg;
using testing::Png;
using testing::RecordingSink;
using testing::Upload;

PendingBox Pixels(double x, double y, double w, double h) {
  return PendingBox{Box{"cat", x, y, w, h}, false, "here"};
}

TEST(PlaceBoxTest, InsideIsRoundedToTheBoxPrecision) {
  Result<Box> b = PlaceBox(Pixels(10.00049, 20.3333333, 5.5, 7.25), 100, 80);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->x, 10.0);
  EXPECT_EQ(b->y, 20.333);
  EXPECT_EQ(b->w, RoundBoxCoordinate(RoundBoxCoordinate(10.00049 + 5.5) - 10.0));
  EXPECT_EQ(b->h, RoundBoxCoordinate(RoundBoxCoordinate(20.3333333 + 7.25) - 20.333));
  EXPECT_EQ(b->label, "cat");
}

TEST(PlaceBoxTest, WithinOnePixelIsClippedBeyondIsRefused) {
  Result<Box> clipped = PlaceBox(Pixels(-0.8, -1, 101, 81), 100, 80);
  ASSERT_TRUE(clipped.ok()) << clipped.status().ToString();
  EXPECT_EQ(*clipped, (Box{"cat", 0, 0, 100, 80}));
  Result<Box> outside = PlaceBox(Pixels(50, 10, 52, 10), 100, 80);
  ASSERT_FALSE(outside.ok());
  EXPECT_EQ(outside.status().message(), "box [50, 10, 52, 10] outside the 100x80 image");
  EXPECT_FALSE(PlaceBox(Pixels(-1.5, 0, 10, 10), 100, 80).ok());
  // Entirely in the margin: nothing left after clipping.
  EXPECT_FALSE(PlaceBox(Pixels(100.2, 0, 0.5, 10), 100, 80).ok());
}

TEST(PlaceBoxTest, NormalizedCentresAndBadNumbers) {
  PendingBox yolo{Box{"dog", 0.5, 0.5, 0.25, 0.5}, true, "a.txt:1"};
  Result<Box> b = PlaceBox(yolo, 200, 100);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b, (Box{"dog", 75, 25, 50, 50}));
  EXPECT_EQ(CheckBoxNumbers(1, 2, -3, 4).message(), "box with negative size (w=-3, h=4)");
  EXPECT_EQ(CheckBoxNumbers(1, 2, 0, 4).message(), "empty box (w=0, h=4)");
  EXPECT_FALSE(CheckBoxNumbers(std::nan(""), 2, 3, 4).ok());
  EXPECT_FALSE(PlaceBox(Pixels(1, 1, -2, 3), 10, 10).ok());
}

TEST(ImageImportOptionsTest, ParsesAndRefusesUnknownNames) {
  Json schema = ImageParamsSchema({{"manifest", {{"type", "string"}}}});
  auto o = ParseImageImportOptions(Json{{"max_pixels", 1000}, {"decode_threads", 3}}, schema);
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->max_pixels, 1000u);
  EXPECT_EQ(o->decode_threads, 3);
  EXPECT_TRUE(ParseImageImportOptions(Json(), schema).ok());
  auto bad = ParseImageImportOptions(Json{{"max_pixel", 1}}, schema);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("unknown parameter 'max_pixel'"), std::string::npos);
  EXPECT_NE(bad.status().message().find("manifest"), std::string::npos);
  EXPECT_FALSE(ParseImageImportOptions(Json{{"max_pixels", "big"}}, schema).ok());
  EXPECT_FALSE(ParseImageImportOptions(Json{{"decode_threads", 99}}, schema).ok());
}

TEST(ImagePathsTest, HiddenImageAndSafeNames) {
  EXPECT_TRUE(IsHiddenPath(".DS_Store"));
  EXPECT_TRUE(IsHiddenPath("cats/._1.jpg"));
  EXPECT_TRUE(IsHiddenPath("__MACOSX/cats/1.jpg"));
  EXPECT_TRUE(IsHiddenPath("cats/Thumbs.db"));
  EXPECT_FALSE(IsHiddenPath("cats/1.jpg"));
  EXPECT_TRUE(HasImageExtension("a/B.JPEG"));
  EXPECT_TRUE(HasImageExtension("a.tiff"));
  EXPECT_FALSE(HasImageExtension("a.txt"));
  EXPECT_EQ(WithoutExtension("a.b/c"), "a.b/c");
  EXPECT_EQ(WithoutExtension("a/c.tar.gz"), "a/c.tar");
  EXPECT_EQ(WithoutExtension("a/.hidden"), "a/.hidden");
  EXPECT_EQ(Dirname("a/b/c.jpg"), "a/b");
  EXPECT_EQ(Basename("a/b/c.jpg"), "c.jpg");
  EXPECT_EQ(*SafeRelativePath("./a//b.jpg"), "a/b.jpg");
  for (const char* bad : {"../etc/passwd", "/etc/passwd", "a\\b.jpg", "a/../../b.jpg"}) {
    EXPECT_FALSE(SafeRelativePath(bad).ok()) << bad;
  }
  EXPECT_NE(SafeRelativePath("../x").status().message().find("unsafe file name '../x'"),
            std::string::npos);
}

TEST(ImportImagesTest, ChecksEveryFileAndRejectsPerFile) {
  Upload upload;
  std::string jpeg = Jpeg(40, 30, 1);
  upload.Add("good.png", Png(20, 10));
  upload.Add("good.jpg", jpeg);
  upload.Add("truncated.jpg", jpeg.substr(0, jpeg.size() * 2 / 3));
  upload.Add("truncated.png", Png(30, 30).substr(0, 120));
  upload.Add("text.jpg", "this is not an image at all");
  upload.Add("bomb.png", testing::PngHeaderOnly(100000, 100000));
  upload.Add("big.png", Png(40, 40));
  SourceFiles files = upload.Files();
  std::vector<PendingImage> images;
  for (const SourceFile& f : files.files()) {
    images.push_back(PendingImage{&f, "x/" + f.path, {"a"}, {}, 0, 0, ""});
  }
  ImageImportOptions options;
  options.max_pixels = 1500;  // big.png (1600 px) is over
  options.decode_threads = 3;
  RecordingSink sink;
  ASSERT_TRUE(ImportImages(files, images, options, sink).ok());
  ASSERT_EQ(sink.samples.size(), 2u);
  EXPECT_EQ(sink.samples[0].file, "x/good.jpg");  // in order of file
  EXPECT_EQ(sink.samples[0].meta, (Json{{"width", 40}, {"height", 30}, {"format", "jpeg"}}));
  EXPECT_EQ(sink.samples[0].blob, files.Find("good.jpg")->digest);
  EXPECT_EQ(sink.samples[0].size, jpeg.size());
  EXPECT_EQ(sink.samples[1].file, "x/good.png");
  EXPECT_EQ(sink.ReasonFor("truncated.jpg"),
            "corrupt image: JPEG without an end marker (truncated file?)");
  EXPECT_EQ(sink.ReasonFor("truncated.png").rfind("corrupt image", 0), 0u)
      << sink.ReasonFor("truncated.png");
  EXPECT_EQ(sink.ReasonFor("text.jpg"), "not an image");
  EXPECT_EQ(sink.ReasonFor("bomb.png"),
            "image too large: 100000x100000 pixels exceeds the 0.0015 MP limit");
  EXPECT_EQ(sink.ReasonFor("big.png"), "image too large: 40x40 pixels exceeds the 0.0015 MP limit");
  EXPECT_EQ(sink.last_progress, 1.0);
}

TEST(ImportImagesTest, DefaultLimitStopsTheBombBeforeDecoding) {
  Upload upload;
  upload.Add("bomb.png", testing::PngHeaderOnly(100000, 100000));
  SourceFiles files = upload.Files();
  RecordingSink sink;
  ASSERT_TRUE(ImportImages(files, {PendingImage{&files.files()[0], "bomb.png"}}, {}, sink).ok());
  EXPECT_TRUE(sink.samples.empty());
  EXPECT_EQ(sink.ReasonFor("bomb.png"),
            "image too large: 100000x100000 pixels exceeds the 90 MP limit");
}

TEST(ImportImagesTest, OversizedFileStillNamesTheBomb) {
  Upload upload;
  upload.Add("bomb.png", testing::PngHeaderOnly(100000, 100000) + std::string(5000, '\0'));
  upload.Add("big.png", Png(50, 50));
  SourceFiles files = upload.Files();
  ImageImportOptions options;
  options.max_image_bytes = 1000;
  RecordingSink sink;
  std::vector<PendingImage> images = {PendingImage{files.Find("bomb.png"), "bomb.png"},
                                      PendingImage{files.Find("big.png"), "big.png"}};
  ASSERT_TRUE(ImportImages(files, images, options, sink).ok());
  EXPECT_EQ(sink.ReasonFor("bomb.png"),
            "image too large: 100000x100000 pixels exceeds the 90 MP limit");
  EXPECT_NE(sink.ReasonFor("big.png").find("file too large"), std::string::npos);
}

TEST(ImportImagesTest, BoxesSizesAndDuplicates) {
  Upload upload;
  upload.Add("a.png", Png(100, 50));
  upload.Add("b.png", Png(100, 50, 2));
  upload.Add("c.png", Png(10, 10, 3));
  SourceFiles files = upload.Files();
  PendingImage a{files.Find("a.png"), "a.png"};
  a.boxes = {Pixels(1, 2, 3, 4), Pixels(90, 0, 20, 10)};
  a.boxes[1].origin = "ann 2";
  PendingImage dup{files.Find("b.png"), "a.png"};  // same name as a
  PendingImage c{files.Find("c.png"), "c.png"};
  c.declared_width = 12;
  c.declared_height = 10;
  c.declared_by = "instances.json";
  RecordingSink sink;
  ASSERT_TRUE(ImportImages(files, {a, dup, c}, {}, sink).ok());
  ASSERT_EQ(sink.samples.size(), 1u);
  EXPECT_EQ(sink.samples[0].boxes, (std::vector<Box>{{"cat", 1, 2, 3, 4}}));
  EXPECT_EQ(sink.ReasonFor("ann 2"), "box [90, 0, 20, 10] outside the 100x50 image");
  EXPECT_EQ(sink.ReasonFor("b.png"), "another image already has the name 'a.png' (a.png)");
  EXPECT_EQ(sink.ReasonFor("c.png"), "instances.json gives the size 12x10 but the image is 10x10");
}

TEST(ImportImagesTest, Cancelled) {
  Upload upload;
  upload.Add("a.png", Png(10, 10));
  SourceFiles files = upload.Files();
  RecordingSink sink;
  sink.cancel_ = true;
  Status s = ImportImages(files, {PendingImage{&files.files()[0], "a.png"}}, {}, sink);
  EXPECT_EQ(s.code(), StatusCode::kCancelled);
}

TEST(ImportImagesTest, VerifyDecodeOffOnlyProbes) {
  Upload upload;
  std::string png = Png(30, 30);
  upload.Add("cut.png", png.substr(0, 100));
  SourceFiles files = upload.Files();
  ImageImportOptions options;
  options.verify_decode = false;
  RecordingSink sink;
  ASSERT_TRUE(
      ImportImages(files, {PendingImage{&files.files()[0], "cut.png"}}, options, sink).ok());
  EXPECT_EQ(sink.samples.size(), 1u);
}

TEST(ImageDecodeTest, GifAnswersHonestly) {
  // OpenCV before 4.11 cannot read GIF; either way the answer is a reason, never a crash.
  std::string gif(
      "GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00"
      "\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02"
      "D\x01\x00;",
      43);
  Result<ImageHeader> header = ProbeImageBytes(gif);
  ASSERT_TRUE(header.ok());
  Status decoded = CheckImageDecodes(gif, *header);
  if (CanDecode(ImageFormat::kGif)) {
    EXPECT_TRUE(decoded.ok()) << decoded.ToString();
  } else {
    EXPECT_EQ(decoded.message(),
              "unsupported image format: gif (this server's decoder cannot read it)");
  }
}

TEST(PathSuffixIndexTest, UniqueTailsOnly) {
  Upload upload;
  upload.Add("train2017/1.jpg", "x");
  upload.Add("a/dup.jpg", "y");
  upload.Add("b/dup.jpg", "z");
  SourceFiles files = upload.Files();
  std::vector<const SourceFile*> all;
  for (const SourceFile& f : files.files()) all.push_back(&f);
  PathSuffixIndex index(all);
  bool ambiguous = false;
  ASSERT_NE(index.Find("1.jpg", &ambiguous), nullptr);
  EXPECT_EQ(index.Find("1.jpg", &ambiguous)->path, "train2017/1.jpg");
  EXPECT_EQ(index.Find("dup.jpg", &ambiguous), nullptr);
  EXPECT_TRUE(ambiguous);
  EXPECT_EQ(index.Find("a/dup.jpg", &ambiguous)->path, "a/dup.jpg");
  EXPECT_EQ(index.Find("nope.jpg", &ambiguous), nullptr);
  EXPECT_FALSE(ambiguous);
}

}  // namespace
}  // namespace easel::data
