// Artifacts end to end: streaming upload and download, HTTP Range, deduplication, garbage
// collection, hash verification, and crash safety of uploads.

#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "common/sha256.h"
#include "testing/server.h"

namespace easel::testing {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

class ArtifactsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Start();
    client_ = server_.Client();
    token_ = server_.admin_token();
    ASSERT_EQ(Send(*client_, "POST", "/api/v1/projects", token_, R"({"name":"demo"})").status, 201);
  }
  Response Upload(const std::string& name, const std::string& data) {
    return Send(*client_, "POST", "/api/v1/projects/demo/artifacts?name=" + name, token_, data,
                "application/octet-stream");
  }
  size_t BlobFiles() {
    size_t n = 0;
    for (auto& e : fs::recursive_directory_iterator(server_.data_dir() / "blobs")) {
      n += e.is_regular_file();
    }
    return n;
  }
  ServerProcess server_;
  std::unique_ptr<httplib::Client> client_;
  std::string token_;
};

std::string RandomBytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

TEST_F(ArtifactsTest, RoundTripsBytesExactly) {
  std::string data = RandomBytes(3 << 20, 1);
  auto up = Upload("weights.bin", data);
  ASSERT_EQ(up.status, 201) << up.raw;
  EXPECT_EQ(up.body["digest"], "sha256:" + Sha256Hex(data));
  EXPECT_EQ(up.body["size"], data.size());
  std::string id = up.body["id"];
  auto meta = Send(*client_, "GET", "/api/v1/projects/demo/artifacts/" + id, token_);
  EXPECT_EQ(meta.body["name"], "weights.bin");
  auto down = Send(*client_, "GET", "/api/v1/projects/demo/artifacts/" + id + "/content", token_);
  EXPECT_EQ(down.status, 200);
  EXPECT_TRUE(down.raw == data) << "downloaded bytes differ";
  EXPECT_EQ(down.headers.find("ETag")->second, "\"sha256:" + Sha256Hex(data) + "\"");
}

TEST_F(ArtifactsTest, ServesRanges) {
  std::string data = RandomBytes(100000, 2);
  std::string id = Upload("r.bin", data).body["id"];
  std::string path = "/api/v1/projects/demo/artifacts/" + id + "/content";
  auto r = client_->Get(path.c_str(),
                        {{"Authorization", "Bearer " + token_}, {"Range", "bytes=1000-1999"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 206);
  EXPECT_EQ(r->body, data.substr(1000, 1000));
  EXPECT_EQ(r->get_header_value("Content-Range"), "bytes 1000-1999/100000");
  auto tail =
      client_->Get(path.c_str(), {{"Authorization", "Bearer " + token_}, {"Range", "bytes=-10"}});
  EXPECT_EQ(tail->body, data.substr(99990));
  auto bad = client_->Get(path.c_str(),
                          {{"Authorization", "Bearer " + token_}, {"Range", "bytes=200000-"}});
  EXPECT_EQ(bad->status, 416);
}

TEST_F(ArtifactsTest, ListsWithPagination) {
  for (int i = 0; i < 5; ++i)
    ASSERT_EQ(Upload("f" + std::to_string(i), "x" + std::to_string(i)).status, 201);
  std::vector<std::string> names;
  std::string token;
  for (int pages = 0; pages < 10; ++pages) {
    auto r = Send(*client_, "GET", "/api/v1/projects/demo/artifacts?limit=2&page_token=" + token,
                  token_);
    ASSERT_EQ(r.status, 200);
    for (auto& item : r.body["items"]) names.push_back(item["name"]);
    token = r.body["next_page_token"];
    if (token.empty()) break;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"f0", "f1", "f2", "f3", "f4"}));
}

TEST_F(ArtifactsTest, DeduplicatesAndCollectsGarbage) {
  std::string data = RandomBytes(50000, 3);
  std::string a = Upload("a", data).body["id"];
  std::string b = Upload("b", data).body["id"];
  EXPECT_EQ(BlobFiles(), 1u) << "identical content is stored once";
  ASSERT_EQ(Send(*client_, "DELETE", "/api/v1/projects/demo/artifacts/" + a, token_).status, 204);
  auto gc = Send(*client_, "POST", "/api/v1/admin/gc", token_, R"({"orphan_grace_s":0})");
  EXPECT_EQ(gc.body["blobs_deleted"], 0) << "still referenced by b";
  EXPECT_EQ(BlobFiles(), 1u);
  ASSERT_EQ(Send(*client_, "DELETE", "/api/v1/projects/demo/artifacts/" + b, token_).status, 204);
  gc = Send(*client_, "POST", "/api/v1/admin/gc", token_, R"({"orphan_grace_s":0})");
  EXPECT_EQ(gc.body["blobs_deleted"], 1);
  EXPECT_EQ(gc.body["bytes_deleted"], 50000);
  EXPECT_EQ(BlobFiles(), 0u);
}

TEST_F(ArtifactsTest, CorruptBlobIsNeverServedAsComplete) {
  std::string data = RandomBytes(200000, 4);
  auto up = Upload("c", data);
  std::string digest = up.body["digest"].get<std::string>().substr(7);
  fs::path file = server_.data_dir() / "blobs" / digest.substr(0, 2) / digest.substr(2);
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(1234);
    f.put('\x42' ^ data[1234]);
  }
  auto r = client_->Get(
      ("/api/v1/projects/demo/artifacts/" + up.body["id"].get<std::string>() + "/content").c_str(),
      {{"Authorization", "Bearer " + token_}});
  EXPECT_TRUE(!r || r->body.size() < data.size()) << "a corrupt blob was delivered whole";
  EXPECT_EQ(Send(*client_, "GET", "/healthz", "").status, 200);
}

TEST_F(ArtifactsTest, KillDuringUploadLeavesNoPartialBlob) {
  // Stream ~8 MB slowly and kill the server half-way.
  std::thread uploader([&] {
    httplib::Client c("127.0.0.1", server_.port());
    const size_t chunk = 256 * 1024, chunks = 32;
    c.Post(
        "/api/v1/projects/demo/artifacts?name=big.bin",
        httplib::Headers{{"Authorization", "Bearer " + token_}}, chunk * chunks,
        [&](size_t, size_t, httplib::DataSink& sink) {
          std::string data(chunk, 'q');
          std::this_thread::sleep_for(30ms);
          return sink.write(data.data(), data.size());
        },
        "application/octet-stream");
  });
  // Wait until part of the upload has reached the temporary directory.
  for (int i = 0; i < 200; ++i) {
    bool partial = false;
    for (auto& e : fs::directory_iterator(server_.data_dir() / "tmp")) partial |= e.file_size() > 0;
    if (partial) break;
    std::this_thread::sleep_for(20ms);
  }
  server_.Kill();
  uploader.join();

  ServerProcess restarted({.data_dir = server_.data_dir()});
  restarted.Start();
  auto c = restarted.Client();
  EXPECT_TRUE(fs::is_empty(server_.data_dir() / "tmp")) << "partial upload left behind";
  EXPECT_EQ(BlobFiles(), 0u) << "a partial blob became visible";
  auto list = Send(*c, "GET", "/api/v1/projects/demo/artifacts", token_);
  EXPECT_EQ(list.body["items"].size(), 0u);
  auto gc = Send(*c, "POST", "/api/v1/admin/gc", token_, R"({"orphan_grace_s":0})");
  EXPECT_EQ(gc.status, 200);
  EXPECT_EQ(gc.body["missing_files"], 0);
  EXPECT_EQ(gc.body["refcounts_fixed"], 0);
  // The store keeps working after the crash.
  EXPECT_EQ(Send(*c, "POST", "/api/v1/projects/demo/artifacts?name=after", token_, "fine",
                 "application/octet-stream")
                .status,
            201);
}

TEST_F(ArtifactsTest, UploadOverTheLimitIsRefusedAndLeavesNothing) {
  ServerProcess small({.extra_args = {"--max-upload-bytes", "1000"}});
  small.Start();
  auto c = small.Client();
  std::string t = small.admin_token();
  ASSERT_EQ(Send(*c, "POST", "/api/v1/projects", t, R"({"name":"demo"})").status, 201);
  auto r = Send(*c, "POST", "/api/v1/projects/demo/artifacts?name=big", t, std::string(5000, 'b'),
                "application/octet-stream");
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.body["error"]["code"], "RESOURCE_EXHAUSTED");
  EXPECT_EQ(Send(*c, "GET", "/api/v1/projects/demo/artifacts", t).body["items"].size(), 0u);
  EXPECT_TRUE(fs::is_empty(small.data_dir() / "tmp"));
}

}  // namespace
}  // namespace easel::testing
