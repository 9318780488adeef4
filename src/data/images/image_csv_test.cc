#include <gtest/gtest.h>

#include "data/images/test_support.h"

namespace easel::data {
namespace {
using testing::Png;
using testing::RecordingSink;
using testing::Upload;

constexpr DatasetType kCls = DatasetType::kImageClassification;

TEST(ImageCsvTest, ImportsTheManifestAndRejectsWhatItCannotUse) {
  Upload upload;
  upload.Add("data/labels.csv",
             "Image, Class\n"
             "a.png, cat\n"
             "sub/b.png,\"dog, big\"\n"
             "c.png,\n"
             "missing.png,cat\n"
             "../../etc/passwd,cat\n"
             "a.png,dog\n"
             ",cat\n");
  upload.Add("data/images/a.png", Png(6, 4, 1));
  upload.Add("data/sub/b.png", Png(5, 5, 2));
  upload.Add("data/c.png", Png(3, 3, 3));
  upload.Add("data/images/extra.png", Png(3, 3, 4));
  upload.Add("data/notes.txt", "hello");
  RecordingSink sink;
  Status s = upload.Import("image_csv", kCls, sink);
  ASSERT_TRUE(s.ok()) << s.ToString();
  std::vector<Sample> got = sink.Sorted();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].file, "a.png");
  EXPECT_EQ(got[0].labels, std::vector<std::string>{"cat"});
  EXPECT_EQ(got[1].file, "c.png");
  EXPECT_TRUE(got[1].labels.empty());  // unlabeled
  EXPECT_EQ(got[2].file, "sub/b.png");
  EXPECT_EQ(got[2].labels, std::vector<std::string>{"dog, big"});
  EXPECT_EQ(sink.ReasonFor("data/labels.csv:5"), "no file 'missing.png' in the upload");
  EXPECT_EQ(sink.ReasonFor("data/labels.csv:6"),
            "unsafe file name '../../etc/passwd': '..' segment");
  EXPECT_EQ(sink.ReasonFor("data/labels.csv:7"), "'a.png' is listed twice (first on line 2)");
  EXPECT_EQ(sink.ReasonFor("data/labels.csv:8"), "empty file name");
  EXPECT_EQ(sink.ReasonFor("data/images/extra.png"), "not listed in the manifest data/labels.csv");
  EXPECT_EQ(sink.ReasonFor("data/notes.txt"), "not an image file");
}

TEST(ImageCsvTest, ManifestProblemsStopTheImport) {
  {
    Upload upload;
    upload.Add("labels.csv", "name,label\na.png,cat\n");
    upload.Add("a.png", Png(3, 3));
    RecordingSink sink;
    Status s = upload.Import("image_csv", kCls, sink);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(s.message().find("no file column"), std::string::npos) << s.message();
  }
  {
    Upload upload;
    upload.Add("a.csv", "file,label\n");
    upload.Add("b.csv", "file,label\n");
    RecordingSink sink;
    Status s = upload.Import("image_csv", kCls, sink);
    EXPECT_NE(s.message().find("several CSV files"), std::string::npos) << s.message();
    RecordingSink named;
    EXPECT_TRUE(upload.Import("image_csv", kCls, named, Json{{"manifest", "b.csv"}}).ok());
  }
  {
    Upload upload;
    upload.Add("labels.csv", "file,label\n\"a.png,cat\n");
    RecordingSink sink;
    Status s = upload.Import("image_csv", kCls, sink);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(s.message().find("labels.csv"), std::string::npos) << s.message();
  }
}

TEST(ImageCsvTest, RoundTrip) {
  Upload upload;
  upload.Add(
      "labels.csv",
      "file,label\ncats/1.png,cat\n2.png,\" spaced \"\n3.png,\n\"q\"\"uote.png\",\"a\"\"b\"\n");
  upload.Add("cats/1.png", Png(6, 4, 1));
  upload.Add("2.png", Png(6, 4, 2));
  upload.Add("3.png", Png(6, 4, 3));
  upload.Add("q\"uote.png", Png(6, 4, 4));
  RecordingSink first;
  Status s = upload.Import("image_csv", kCls, first);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(first.samples.size(), 4u) << (first.rejected.empty() ? "" : first.rejected[0].second);
  auto files = testing::ExpectRoundTrip("image_csv", kCls, upload.blobs(), first);
  EXPECT_EQ(files.count("images/cats/1.png"), 1u);
  EXPECT_EQ(files.count("labels.csv"), 1u);
}

}  // namespace
}  // namespace easel::data
