// An image classifier served: encoded PNGs sent as BYTES (JSON and the binary extension), the
// same images decoded by the client (UINT8 pixels, grey or RGB), and prepared by the client as
// the network's FP32 input, with probabilities equal to the version's offline predictions;
// dynamic batching across concurrent clients; images that are not images, or are damaged past
// their header, failing alone; a full queue answering 429; and a batch prediction over the
// image dataset equal to the offline predictions of each file.

#include <archive.h>
#include <archive_entry.h>

#include <cstring>
#include <map>
#include <opencv2/imgcodecs.hpp>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "serving_fixture.h"
#include "testing/digits.h"
#include "testing/random_edits.h"

namespace easel::testing {
namespace {

// The files of an image_folder zip, {path, bytes}, in archive order.
std::vector<std::pair<std::string, std::string>> ZipFiles(const std::string& zip) {
  std::vector<std::pair<std::string, std::string>> out;
  struct archive* a = archive_read_new();
  archive_read_support_format_zip(a);
  archive_read_open_memory(a, zip.data(), zip.size());
  struct archive_entry* e;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    std::string bytes(static_cast<size_t>(archive_entry_size(e)), '\0');
    archive_read_data(a, bytes.data(), bytes.size());
    out.emplace_back(archive_entry_pathname(e), std::move(bytes));
  }
  archive_read_free(a);
  return out;
}

// The PNGs of an image_folder zip, in archive order.
std::vector<std::string> ZipEntries(const std::string& zip) {
  std::vector<std::string> out;
  for (auto& [path, bytes] : ZipFiles(zip)) out.push_back(std::move(bytes));
  return out;
}

// A BYTES input of encoded images through the binary extension: 4-byte lengths and bytes.
std::pair<std::string, size_t> ImagesRequest(const std::vector<std::string>& images) {
  std::string raw;
  for (const std::string& image : images) {
    const auto n = static_cast<uint32_t>(image.size());
    raw.append(reinterpret_cast<const char*>(&n), 4);
    raw += image;
  }
  const std::string header = Json{{"inputs",
                                   {{{"name", "image"},
                                     {"datatype", "BYTES"},
                                     {"shape", {images.size()}},
                                     {"parameters", {{"binary_data_size", raw.size()}}}}}}}
                                 .dump();
  return {header + raw, header.size()};
}

// One binary infer request of encoded images to `endpoint` on `client`.
httplib::Result PostImagesTo(httplib::Client& client, const std::string& token,
                             const std::string& endpoint, const std::vector<std::string>& images) {
  auto [body, header_length] = ImagesRequest(images);
  return client.Post("/v2/models/" + endpoint + "/infer",
                     {{"Authorization", "Bearer " + token},
                      {"Inference-Header-Content-Length", std::to_string(header_length)}},
                     body, "application/octet-stream");
}

int StatusOf(const httplib::Result& res) { return res ? res->status : 0; }

// The HTTP status of one such request to the 'digits' endpoint (0: no answer).
int PostImages(httplib::Client& client, const std::string& token,
               const std::vector<std::string>& images) {
  return StatusOf(PostImagesTo(client, token, "digits", images));
}

TEST_F(ServingTest, AnImageClassifierServesEncodedImages) {
  const std::string zip = DigitsZip(200);
  ASSERT_EQ(Post("/datasets", {{"name", "digits"}, {"type", "image_classification"}}).status, 201);
  httplib::MultipartFormDataItems items = {{"file", zip, "digits.zip", "application/zip"},
                                           {"format", "image_folder", "", ""}};
  auto up = client_->Post("/api/v1/projects/demo/datasets/digits/imports",
                          httplib::Headers{{"Authorization", "Bearer " + token_}}, items);
  ASSERT_TRUE(up && up->status == 202) << (up ? up->body : "no answer");
  ASSERT_EQ(Wait(Json::parse(up->body)["job_id"]).value("state", ""), "succeeded");
  auto r = Post("/jobs", {{"kind", "train"},
                          {"spec",
                           {{"algorithm", "image_classifier"},
                            {"dataset", {{"name", "digits"}}},
                            {"model_name", "digits-net"},
                            {"params",
                             {{"arch", "resnet18"},
                              {"width", 0.25},
                              {"input_size", 32},
                              {"grayscale", true},
                              {"epochs", 1},
                              {"batch_size", 32},
                              {"augment", false}}}}}});
  ASSERT_EQ(r.status, 202) << r.raw;
  Json job = WaitForJob(*client_, token_, "demo", r.body["id"], 600s);
  ASSERT_EQ(job.value("state", ""), "succeeded") << job.dump();
  ASSERT_EQ(Post("/endpoints", Endpoint("digits", {{{"model", "digits-net"}}},
                                        {{"max_batch_size", 8}, {"max_queue_delay_us", 2000}}))
                .status,
            201);

  // Offline: the version's files loaded here, the same four images in one call.
  const std::vector<std::string> images = ZipEntries(zip);
  const std::vector<std::string> four(images.begin(), images.begin() + 4);
  auto v = Send(*client_, "GET", "/api/v1/projects/demo/models/digits-net/versions/1", token_);
  train::ModelFiles files;
  for (const Json& f : v.body["files"]) {
    files[f["name"]] = Send(*client_, "GET",
                            "/api/v1/projects/demo/models/digits-net/versions/1/files/" +
                                f["name"].get<std::string>(),
                            token_)
                           .raw;
  }
  train::AlgorithmRegistry registry;
  train::RegisterBuiltinAlgorithms(registry);
  auto model = (*registry.FindLoader("torch_image"))->image(files, train::Resources{});
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  std::vector<std::string_view> views(four.begin(), four.end());
  const std::vector<float> offline = *(*model)->Predict(views);
  ASSERT_EQ(offline.size(), 40u);

  auto [body, header_length] = ImagesRequest(four);
  auto served = Infer("digits", body, header_length);
  ASSERT_EQ(served.status, 200) << served.raw;
  EXPECT_EQ(served.body["outputs"][0]["shape"], Json::array({4, 10}));
  const std::vector<float> p = Floats(served.body["outputs"][0]["data"]);
  ASSERT_EQ(p.size(), 40u);
  for (size_t i = 0; i < p.size(); ++i) EXPECT_NEAR(p[i], offline[i], 1e-5) << i;

  // The same images decoded by the client: UINT8 [4, h, w, 1], and as RGB [4, h, w, 3] (grey
  // in every channel), which the grey model's pipeline turns back into the same grey.
  std::string grey, rgb;
  int height = 0, width = 0;
  for (const std::string& image : four) {
    const cv::Mat m = cv::imdecode(cv::Mat(1, static_cast<int>(image.size()), CV_8UC1,
                                           const_cast<char*>(image.data())),
                                   cv::IMREAD_GRAYSCALE);
    ASSERT_FALSE(m.empty());
    ASSERT_TRUE(m.isContinuous());
    height = m.rows;
    width = m.cols;
    grey.append(reinterpret_cast<const char*>(m.data), m.total());
    for (size_t i = 0; i < m.total(); ++i) rgb.append(3, static_cast<char>(m.data[i]));
  }
  ASSERT_EQ(grey.size(), 4u * height * width) << "the four images differ in size";
  auto pixels_request = [&](const Json& shape, const std::string& raw, const char* datatype) {
    const std::string header = Json{{"inputs",
                                     {{{"name", "pixels"},
                                       {"datatype", datatype},
                                       {"shape", shape},
                                       {"parameters", {{"binary_data_size", raw.size()}}}}}}}
                                   .dump();
    return Infer("digits", header + raw, header.size());
  };
  for (const auto& [raw, channels] : {std::pair{grey, 1}, std::pair{rgb, 3}}) {
    auto decoded = pixels_request({4, height, width, channels}, raw, "UINT8");
    ASSERT_EQ(decoded.status, 200) << decoded.raw;
    const std::vector<float> d = Floats(decoded.body["outputs"][0]["data"]);
    ASSERT_EQ(d.size(), 40u);
    for (size_t i = 0; i < d.size(); ++i) EXPECT_NEAR(d[i], offline[i], 1e-5) << channels << i;
  }
  auto two_channels = pixels_request({2, height, width, 2}, grey, "UINT8");
  EXPECT_EQ(two_channels.status, 400);
  EXPECT_NE(two_channels.raw.find("1 (grey) or 3 (RGB) channels"), std::string::npos)
      << two_channels.raw;
  auto not_bytes = pixels_request({1, height, width / 4, 1}, grey.substr(0, height * width),
                                  "FP32");
  EXPECT_EQ(not_bytes.status, 400);
  EXPECT_NE(not_bytes.raw.find("must be UINT8"), std::string::npos) << not_bytes.raw;

  // The same images prepared by the client as the stored pipeline prepares them, sent as the
  // network's own input: FP32 [4, 1, 32, 32], the pipeline skipped.
  auto pipeline =
      data::transforms::Pipeline::FromJson(Json::parse(files.at("model.json")).at("pipeline"));
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  std::string prepared;
  for (const std::string& image : four) {
    auto t = pipeline->TransformImage(image);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    ASSERT_EQ(t->data.size(), 32u * 32u);
    prepared.append(reinterpret_cast<const char*>(t->data.data()), t->data.size() * 4);
  }
  auto prepared_request = [&](const Json& shape, const std::string& raw) {
    const std::string header = Json{{"inputs",
                                     {{{"name", "input"},
                                       {"datatype", "FP32"},
                                       {"shape", shape},
                                       {"parameters", {{"binary_data_size", raw.size()}}}}}}}
                                   .dump();
    return Infer("digits", header + raw, header.size());
  };
  auto from_prepared = prepared_request({4, 1, 32, 32}, prepared);
  ASSERT_EQ(from_prepared.status, 200) << from_prepared.raw;
  const std::vector<float> q = Floats(from_prepared.body["outputs"][0]["data"]);
  ASSERT_EQ(q.size(), 40u);
  for (size_t i = 0; i < q.size(); ++i) EXPECT_NEAR(q[i], offline[i], 1e-5) << i;
  // Encoded and prepared images queued together (the batch may mix them) both succeed.
  std::atomic<int> encoded_status{0};
  std::thread encoded_client(
      [&] { encoded_status = PostImages(*server_->Client(), token_, {four[3]}); });
  auto prepared_alongside = prepared_request({4, 1, 32, 32}, prepared);
  encoded_client.join();
  EXPECT_EQ(encoded_status.load(), 200);
  ASSERT_EQ(prepared_alongside.status, 200) << prepared_alongside.raw;
  const std::vector<float> again = Floats(prepared_alongside.body["outputs"][0]["data"]);
  ASSERT_EQ(again.size(), 40u);
  for (size_t i = 0; i < again.size(); ++i) EXPECT_NEAR(again[i], offline[i], 1e-5) << i;

  // The network's input size is the only one it takes; NaN is not a pixel.
  auto wrong_size = prepared_request({1, 1, 28, 28}, std::string(28 * 28 * 4, '\0'));
  EXPECT_EQ(wrong_size.status, 400);
  EXPECT_NE(wrong_size.raw.find("[n, 1, 32, 32]"), std::string::npos) << wrong_size.raw;
  std::string with_nan = prepared.substr(0, 32 * 32 * 4);
  const float nan = NAN;
  std::memcpy(with_nan.data() + 4 * 100, &nan, 4);
  auto not_finite = prepared_request({1, 1, 32, 32}, with_nan);
  EXPECT_EQ(not_finite.status, 400);
  EXPECT_NE(not_finite.raw.find("value 100 of image 0 is not a finite number"), std::string::npos)
      << not_finite.raw;

  // Concurrent single-image requests share model calls.
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&, t] {
      auto client = server_->Client();
      for (int i = 0; i < 5; ++i) {
        if (PostImages(*client, token_, {images[(t * 5 + i) % images.size()]}) == 200) ++ok;
      }
    });
  }
  for (auto& c : clients) c.join();
  EXPECT_EQ(ok.load(), 40);
  auto stats = Send(*client_, "GET", "/v2/models/digits/stats", token_);
  const Json& s = stats.body["model_stats"][0];
  EXPECT_LT(s["execution_count"].get<int>(), 41) << "no request shared a model call: " << s.dump();

  // Not an image: refused before it is queued, naming the element.
  auto [bad, bad_length] = ImagesRequest({four[0], "this is not a picture"});
  auto refused = Infer("digits", bad, bad_length);
  EXPECT_EQ(refused.status, 400) << refused.raw;
  EXPECT_NE(refused.raw.find("element 1"), std::string::npos) << refused.raw;
  // A PNG header over a damaged body fails in the model call; a good request batched with
  // it still succeeds.
  std::string damaged = four[1];
  std::memset(damaged.data() + 40, 0x5a, damaged.size() - 40);
  std::atomic<int> good_status{0}, damaged_status{0};
  std::thread good([&] { good_status = PostImages(*server_->Client(), token_, {four[2]}); });
  auto [d, dh] = ImagesRequest({damaged});
  damaged_status = Infer("digits", d, dh).status;
  good.join();
  EXPECT_EQ(damaged_status.load(), 400);
  EXPECT_EQ(good_status.load(), 200);
  EXPECT_EQ(Infer("digits", body, header_length).status, 200);

  // A full queue: one instance and room for one waiting request. In a burst of slow
  // requests (64 images each), those that find no room get 429 with Retry-After and the
  // JSON error; the rest are answered, and so is the next request.
  ASSERT_EQ(Post("/endpoints", Endpoint("digits-narrow", {{{"model", "digits-net"}}},
                                        {{"max_batch_size", 1}, {"max_queue_size", 1}}))
                .status,
            201);
  std::vector<std::string> many;
  for (size_t i = 0; i < 64; ++i) many.push_back(images[i % images.size()]);
  std::atomic<int> full{0}, answered{0}, other{0};
  std::atomic<bool> well_refused{true};
  // Bursts until one overflows the queue: on a busy machine the threads may straggle.
  for (int burst = 0; burst < 5 && full == 0; ++burst) {
    std::vector<std::thread> burst_clients;
    for (int t = 0; t < 8; ++t) {
      burst_clients.emplace_back([&] {
        auto res = PostImagesTo(*server_->Client(), token_, "digits-narrow", many);
        if (res && res->status == 200) {
          ++answered;
        } else if (res && res->status == 429) {
          ++full;
          if (res->get_header_value("Retry-After") != "1" ||
              res->body.find("queue is full") == std::string::npos) {
            well_refused = false;
          }
        } else {
          ++other;
        }
      });
    }
    for (auto& c : burst_clients) c.join();
  }
  EXPECT_GT(full.load(), 0) << "no burst overflowed a queue of one";
  // Not necessarily two: the second may arrive before the instance has taken the first.
  EXPECT_GE(answered.load(), 1) << "no request of the bursts was answered";
  EXPECT_EQ(other.load(), 0);
  EXPECT_TRUE(well_refused.load()) << "a 429 without Retry-After: 1 or its reason";
  EXPECT_EQ(StatusOf(PostImagesTo(*client_, token_, "digits-narrow", {four[0]})), 200);

  // Randomly damaged PNG and JPEG files (testing/random_edits.h): each is predicted or refused
  // with 400, never anything else, and the endpoint goes on serving.
  const std::vector<unsigned char> png(four[0].begin(), four[0].end());
  std::vector<unsigned char> jpeg;
  ASSERT_TRUE(cv::imencode(".jpg", cv::imdecode(png, cv::IMREAD_GRAYSCALE), jpeg));
  const std::vector<std::string> originals = {four[0], four[3],
                                              std::string(jpeg.begin(), jpeg.end())};
  std::mt19937 rng(20261124);
  for (int i = 0; i < 150 && !HasFailure(); ++i) {
    const std::string image = RandomEdits(originals[i % originals.size()], rng);
    const int status = PostImages(*client_, token_, {image});
    EXPECT_TRUE(status == 200 || status == 400) << "status " << status << " for edit " << i;
  }
  EXPECT_EQ(PostImages(*client_, token_, {four[0]}), 200);

  // A batch prediction over the dataset, in JSON lines: every sample once, naming its file,
  // with the probabilities the version gives that file's image offline.
  std::map<std::string, std::string> by_path;
  for (auto& [path, bytes] : ZipFiles(zip)) by_path[path] = std::move(bytes);
  auto batch = Post("/jobs", {{"kind", "batch_predict"},
                              {"spec",
                               {{"model", "digits-net"},
                                {"dataset", {{"name", "digits"}}},
                                {"output_format", "jsonl"},
                                {"batch_size", 64}}}});
  ASSERT_EQ(batch.status, 202) << batch.raw;
  const Json done = Wait(batch.body["id"]);
  ASSERT_EQ(done.value("state", ""), "succeeded") << done.dump();
  EXPECT_EQ(done["result"]["rows"], images.size());
  const Json classes = v.body["signature"]["classes"];
  ASSERT_EQ(classes.size(), 10u) << v.raw;
  std::istringstream output(Send(*client_, "GET",
                                 "/api/v1/projects/demo/artifacts/" +
                                     done["result"]["artifact_id"].get<std::string>() + "/content",
                                 token_)
                                .raw);
  std::set<std::string> predicted;
  for (std::string line; std::getline(output, line) && !HasFailure();) {
    const Json j = Json::parse(line);
    const std::string path = j.value("file", "");
    ASSERT_TRUE(by_path.contains(path)) << line;
    EXPECT_TRUE(predicted.insert(path).second) << "predicted twice: " << line;
    const std::string_view image = by_path[path];
    auto expected = (*model)->Predict(std::span(&image, 1));
    ASSERT_TRUE(expected.ok()) << expected.status().ToString();
    for (size_t c = 0; c < classes.size(); ++c) {
      EXPECT_NEAR(j["probabilities"][classes[c].get<std::string>()].get<double>(), (*expected)[c],
                  1e-5)
          << line;
    }
  }
  EXPECT_EQ(predicted.size(), images.size());
}

}  // namespace
}  // namespace easel::testing
