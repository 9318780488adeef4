#include "data/images/test_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <set>

#include "data/images/formats.h"

namespace easel::data::testing {
namespace {

std::string Encode(const char* ext, int width, int height, int seed) {
  cv::Mat img(height, width, CV_8UC3);
  cv::randu(img, cv::Scalar::all(0), cv::Scalar::all(255));
  cv::rectangle(img, cv::Point(0, 0), cv::Point(width / 2, height / 2),
                cv::Scalar(seed % 256, (seed * 7) % 256, 90), cv::FILLED);
  std::vector<unsigned char> out;
  EXPECT_TRUE(cv::imencode(ext, img, out));
  return std::string(out.begin(), out.end());
}

}  // namespace

std::string Png(int width, int height, int seed) { return Encode(".png", width, height, seed); }
std::string Jpeg(int width, int height, int seed) { return Encode(".jpg", width, height, seed); }
std::string Webp(int width, int height, int seed) { return Encode(".webp", width, height, seed); }
std::string Bmp(int width, int height, int seed) { return Encode(".bmp", width, height, seed); }

std::string PngHeaderOnly(uint32_t width, uint32_t height) {
  std::string b = "\x89PNG\r\n\x1a\n";
  b += std::string("\0\0\0\x0dIHDR", 8);
  for (uint32_t v : {width, height}) {
    for (int shift = 24; shift >= 0; shift -= 8) b += static_cast<char>((v >> shift) & 0xff);
  }
  b += std::string("\x08\x02\0\0\0", 5);  // 8-bit RGB
  b += std::string(4, '\0');              // CRC (not checked by the probe)
  return b;
}

Status RecordingSink::SetColumns(std::vector<std::string>) {
  return FailedPrecondition("image importers have no columns");
}
void RecordingSink::DeclareClasses(const std::vector<std::string>& classes) {
  declared.insert(declared.end(), classes.begin(), classes.end());
}
Status RecordingSink::Add(Sample sample) {
  EXPECT_TRUE(sample.id.empty());
  samples.push_back(std::move(sample));
  return OkStatus();
}
void RecordingSink::Reject(std::string what, std::string reason) {
  rejected.emplace_back(std::move(what), std::move(reason));
}
void RecordingSink::Progress(double fraction, std::string) {
  EXPECT_GE(fraction, last_progress);
  EXPECT_LE(fraction, 1.0);
  last_progress = fraction;
}
std::vector<Sample> RecordingSink::Sorted() const {
  std::vector<Sample> out = samples;
  std::sort(out.begin(), out.end(),
            [](const Sample& a, const Sample& b) { return a.file < b.file; });
  return out;
}
std::string RecordingSink::ReasonFor(const std::string& what) const {
  for (const auto& [w, reason] : rejected) {
    if (w == what) return reason;
  }
  return "";
}

namespace {
class MemoryFile : public ExportFile {
 public:
  MemoryFile(MemoryWriter& writer, std::string path) : writer_(writer), path_(std::move(path)) {}
  Status Write(std::string_view bytes) override {
    data_.append(bytes);
    return OkStatus();
  }
  Status Close() override {
    writer_.open_ = false;
    if (!writer_.files.emplace(path_, std::move(data_)).second) {
      return AlreadyExists("duplicate export path " + path_);
    }
    return OkStatus();
  }

 private:
  MemoryWriter& writer_;
  std::string path_;
  std::string data_;
};
}  // namespace

Result<std::unique_ptr<ExportFile>> MemoryWriter::Open(const std::string& path) {
  if (open_) return FailedPrecondition("an entry is already open");
  open_ = true;
  return std::unique_ptr<ExportFile>(std::make_unique<MemoryFile>(*this, path));
}
Status MemoryWriter::AddBytes(const std::string& path, std::string_view bytes) {
  if (open_) return FailedPrecondition("an entry is open");
  if (!files.emplace(path, std::string(bytes)).second) {
    return AlreadyExists("duplicate export path " + path);
  }
  return OkStatus();
}
Status MemoryWriter::AddBlob(const std::string& path, const std::string& digest) {
  EASEL_ASSIGN_OR_RETURN(std::string bytes, blobs_.ReadAll(digest));
  return AddBytes(path, bytes);
}

Upload::Upload() {
  auto blobs = store::BlobStore::Open(dir_.path());
  EXPECT_TRUE(blobs.ok()) << blobs.status().ToString();
  blobs_ = std::move(*blobs);
}
void Upload::Add(const std::string& path, std::string_view bytes) {
  auto info = blobs_->Put(bytes);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  files_.push_back({path, info->digest, info->size});
}
void Upload::AddAll(const std::map<std::string, std::string>& files) {
  for (const auto& [path, bytes] : files) Add(path, bytes);
}
SourceFiles Upload::Files() const { return SourceFiles(*blobs_, files_); }

Status Upload::Import(const std::string& format, DatasetType type, RecordingSink& sink,
                      const Json& params) {
  ImporterRegistry registry;
  RegisterImageImporters(registry);
  EASEL_ASSIGN_OR_RETURN(const Importer* importer, registry.Find(format));
  SourceFiles files = Files();
  return importer->run(files, type, params, sink);
}

Result<std::map<std::string, std::string>> Export(const std::string& format, DatasetType type,
                                                  store::BlobStore& blobs,
                                                  const std::vector<Sample>& samples,
                                                  const std::vector<std::string>& declared) {
  ExporterRegistry registry;
  RegisterImageExporters(registry);
  EASEL_ASSIGN_OR_RETURN(const Exporter* exporter, registry.Find(format));
  std::set<std::string> classes(declared.begin(), declared.end());
  for (const Sample& s : samples) {
    classes.insert(s.labels.begin(), s.labels.end());
    for (const Box& b : s.boxes) classes.insert(b.label);
  }
  ExportSource source;
  source.type = type;
  source.dataset_name = "pets";
  source.classes.assign(classes.begin(), classes.end());
  source.blobs = &blobs;
  source.num_samples = samples.size();
  source.for_each = [&](const std::function<Status(const Sample&, Split)>& fn) -> Status {
    for (size_t i = 0; i < samples.size(); ++i) {
      EASEL_RETURN_IF_ERROR(fn(samples[i], static_cast<Split>(i % 3)));
    }
    return OkStatus();
  };
  MemoryWriter writer(blobs);
  EASEL_RETURN_IF_ERROR(exporter->run(source, Json::object(), writer));
  if (writer.open_) return Internal("an entry was left open");
  return writer.files;
}

std::map<std::string, std::string> ExpectRoundTrip(const std::string& format, DatasetType type,
                                                   store::BlobStore& blobs,
                                                   const RecordingSink& first) {
  auto exported = Export(format, type, blobs, first.samples, first.declared);
  EXPECT_TRUE(exported.ok()) << exported.status().ToString();
  if (!exported.ok()) return {};
  Upload again;
  again.AddAll(*exported);
  RecordingSink second;
  Status imported = again.Import(format, type, second);
  EXPECT_TRUE(imported.ok()) << imported.ToString();
  EXPECT_TRUE(second.rejected.empty())
      << second.rejected.size() << " rejected, first: " << second.rejected[0].first << ": "
      << second.rejected[0].second;
  std::vector<Sample> a = first.Sorted(), b = second.Sorted();
  EXPECT_EQ(a.size(), b.size());
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    EXPECT_EQ(a[i], b[i]) << "first: " << SampleToLine(a[i]) << "\nagain: " << SampleToLine(b[i]);
  }
  for (const std::string& c : first.declared) {
    EXPECT_NE(std::find(second.declared.begin(), second.declared.end(), c), second.declared.end())
        << "class " << c << " not declared again";
  }
  return *exported;
}

}  // namespace easel::data::testing
