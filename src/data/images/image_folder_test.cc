#include <gtest/gtest.h>

#include "data/images/formats.h"
#include "data/images/test_support.h"

namespace easel::data {
namespace {
using testing::Jpeg;
using testing::Png;
using testing::RecordingSink;
using testing::Upload;

constexpr DatasetType kCls = DatasetType::kImageClassification;

TEST(ImageFolderTest, ImportsClassFoldersInsideAWrapper) {
  Upload upload;
  upload.Add("pets/cats/1.png", Png(20, 10, 1));
  upload.Add("pets/cats/kittens/2.jpg", Jpeg(16, 16, 2));
  upload.Add("pets/dogs/3.png", Png(8, 12, 3));
  upload.Add("pets/loose.png", Png(8, 8, 4));
  upload.Add("pets/README.md", "# pets");
  upload.Add("pets/dogs/fake.jpg", "not really a jpeg");
  upload.Add("pets/.DS_Store", "junk");
  upload.Add("__MACOSX/pets/cats/._1.png", "resource fork");
  RecordingSink sink;
  ASSERT_TRUE(upload.Import("image_folder", kCls, sink).ok());
  std::vector<Sample> s = sink.Sorted();
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].file, "cats/1.png");
  EXPECT_EQ(s[0].labels, std::vector<std::string>{"cats"});
  EXPECT_EQ(s[0].meta, (Json{{"width", 20}, {"height", 10}, {"format", "png"}}));
  EXPECT_EQ(s[1].file, "cats/kittens/2.jpg");
  EXPECT_EQ(s[1].labels, std::vector<std::string>{"cats"});
  EXPECT_EQ(s[2].file, "dogs/3.png");
  EXPECT_EQ(s[2].labels, std::vector<std::string>{"dogs"});
  EXPECT_EQ(sink.ReasonFor("pets/loose.png"), "image outside a class folder");
  EXPECT_EQ(sink.ReasonFor("pets/README.md"), "not an image file");
  EXPECT_EQ(sink.ReasonFor("pets/dogs/fake.jpg"), "not an image");
  EXPECT_EQ(sink.rejected.size(), 3u);  // hidden files are skipped silently
}

TEST(ImageFolderTest, WithoutWrapper) {
  Upload upload;
  upload.Add("cats/1.png", Png(4, 4, 1));
  upload.Add("dogs/2.png", Png(4, 4, 2));
  upload.Add("top.png", Png(4, 4, 3));
  RecordingSink sink;
  ASSERT_TRUE(upload.Import("image_folder", kCls, sink).ok());
  std::vector<Sample> s = sink.Sorted();
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].file, "cats/1.png");
  EXPECT_EQ(s[1].labels, std::vector<std::string>{"dogs"});
  EXPECT_EQ(sink.ReasonFor("top.png"), "image outside a class folder");

  // A single class folder is a class, not a wrapper.
  Upload one;
  one.Add("cats/1.png", Png(4, 4, 1));
  RecordingSink sink1;
  ASSERT_TRUE(one.Import("image_folder", kCls, sink1).ok());
  ASSERT_EQ(sink1.samples.size(), 1u);
  EXPECT_EQ(sink1.samples[0].labels, std::vector<std::string>{"cats"});
}

TEST(ImageFolderTest, NoClassFoldersIsAnError) {
  Upload upload;
  upload.Add("1.png", Png(4, 4));
  RecordingSink sink;
  Status s = upload.Import("image_folder", kCls, sink);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
}

TEST(ImageFolderTest, RoundTrip) {
  Upload upload;
  upload.Add("cats/1.png", Png(20, 10, 1));
  upload.Add("cats/kittens/2.jpg", Jpeg(16, 16, 2));
  upload.Add("dogs/3.webp", testing::Webp(8, 12, 3));
  upload.Add("dogs/4.bmp", testing::Bmp(5, 5, 4));
  RecordingSink first;
  ASSERT_TRUE(upload.Import("image_folder", kCls, first).ok());
  ASSERT_EQ(first.samples.size(), 4u);
  auto files = testing::ExpectRoundTrip("image_folder", kCls, upload.blobs(), first);
  EXPECT_EQ(files.count("pets/cats/kittens/2.jpg"), 1u);
  EXPECT_EQ(files.size(), 4u);
}

TEST(ImageFolderTest, ExportPutsRelabeledFilesUnderTheirClassAndSkipsUnlabeled) {
  Upload upload;
  upload.Add("x.png", Png(4, 4));
  SourceFiles files = upload.Files();
  Sample relabeled{"", "cats/1.png", files.files()[0].digest, 10, {"dogs"}};
  Sample unlabeled{"", "2.png", files.files()[0].digest, 10, {}};
  auto out = testing::Export("image_folder", kCls, upload.blobs(), {relabeled, unlabeled});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->size(), 1u);
  EXPECT_EQ(out->count("pets/dogs/cats/1.png"), 1u);

  Sample bad{"", "1.png", files.files()[0].digest, 10, {"a/b"}};
  auto refused = testing::Export("image_folder", kCls, upload.blobs(), {bad});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("cannot be a folder name"), std::string::npos);
}

TEST(ImageFolderTest, Detect) {
  ImporterRegistry registry;
  RegisterImageImporters(registry);
  Upload upload;
  upload.Add("cats/1.png", "x");
  upload.Add("dogs/2.png", "x");
  SourceFiles files = upload.Files();
  auto found = registry.Detect(files, kCls);
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ((*found)->name, "image_folder");
  EXPECT_EQ((*registry.Find("image_folder"))->detect(files, DatasetType::kObjectDetection), 0);
}

}  // namespace
}  // namespace easel::data
