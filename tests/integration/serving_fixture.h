#pragma once
// The fixture of the serving tests: a server with the sklearn iris data imported, models
// trained on it, and the offline predictions (the version's files loaded in this process) that
// served ones must equal.

#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "data/transforms/pipeline.h"
#include "testing/real_data.h"
#include "testing/server.h"
#include "train/algorithms.h"

namespace easel::testing {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

// The name of iris column `c` as the dataset has it: f0 .. f3. (Built by appending: GCC 12
// warns falsely about Column(c), its bug 105651.)
inline std::string Column(int c) {
  std::string name = "f";
  name += std::to_string(c);
  return name;
}

struct IrisRows {
  std::vector<std::vector<std::string>> cells;  // f0..f3 as the CSV writes them
  std::vector<float> features;                  // row-major, the same numbers as floats
};

inline IrisRows ReadIris() {
  IrisRows out;
  std::stringstream in(SklearnCsv("iris.csv"));
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    for (std::string c; std::getline(ss, c, ',');) cells.push_back(c);
    cells.pop_back();  // label
    for (const std::string& c : cells) out.features.push_back(std::stof(c));
    out.cells.push_back(std::move(cells));
  }
  return out;
}

class ServingTest : public ::testing::Test {
 protected:
  // What a suite adds to the server's command line.
  virtual std::vector<std::string> ExtraServerArgs() const { return {}; }
  void SetUp() override {
    // The server may close a connection while an oversized body is still being sent.
    ::signal(SIGPIPE, SIG_IGN);
    if (!fs::exists(kSklearnData / "iris.csv")) GTEST_SKIP() << "python3-sklearn is not installed";
    std::vector<std::string> args = ExtraServerArgs();
    args.insert(args.begin(), {"--max-body-bytes", std::to_string(kMaxBody)});
    server_ = std::make_unique<ServerProcess>(ServerOptions{.extra_args = std::move(args)});
    server_->Start();
    client_ = server_->Client();
    token_ = server_->admin_token();
    ASSERT_EQ(Send(*client_, "POST", "/api/v1/projects", token_, R"({"name":"demo"})").status, 201);
    ASSERT_EQ(ImportTable(*client_, token_, "demo", "iris", "iris.csv", SklearnCsv("iris.csv"))
                  .value("state", ""),
              "succeeded");
    iris_ = ReadIris();
  }
  Response Post(const std::string& path, const Json& body) {
    return Send(*client_, "POST", "/api/v1/projects/demo" + path, token_, body.dump());
  }
  Response Infer(const std::string& model, const std::string& body,
                 std::optional<size_t> header_length = std::nullopt) {
    httplib::Headers headers = {{"Authorization", "Bearer " + token_}};
    if (header_length)
      headers.emplace("Inference-Header-Content-Length", std::to_string(*header_length));
    auto res = client_->Post("/v2/models/" + model + "/infer", headers, body,
                             header_length ? "application/octet-stream" : "application/json");
    Response out;
    if (!res) return out;
    out.status = res->status;
    out.raw = res->body;
    out.headers = res->headers;
    auto parsed = Json::parse(res->body, nullptr, false);
    if (!parsed.is_discarded()) out.body = parsed;
    return out;
  }
  Json Wait(const std::string& id) { return WaitForJob(*client_, token_, "demo", id, 240s); }
  void Train(const std::string& algorithm, const std::string& model,
             const Json& params = Json::object()) {
    auto r = Post("/jobs", {{"kind", "train"},
                            {"spec",
                             {{"algorithm", algorithm},
                              {"dataset", {{"name", "iris"}}},
                              {"target", "label"},
                              {"params", params},
                              {"model_name", model}}}});
    ASSERT_EQ(r.status, 202) << r.raw;
    Json job = Wait(r.body["id"]);
    ASSERT_EQ(job.value("state", ""), "succeeded") << job.dump();
  }
  // The version's probabilities for every iris row, predicted in this process from its files.
  std::vector<float> Offline(const std::string& model, int version) {
    auto v = Send(*client_, "GET",
                  "/api/v1/projects/demo/models/" + model + "/versions/" + std::to_string(version),
                  token_);
    EXPECT_EQ(v.status, 200);
    train::ModelFiles files;
    for (const Json& f : v.body["files"]) {
      auto r = Send(*client_, "GET",
                    "/api/v1/projects/demo/models/" + model + "/versions/" +
                        std::to_string(version) + "/files/" + f["name"].get<std::string>(),
                    token_);
      files[f["name"]] = r.raw;
    }
    train::AlgorithmRegistry registry;
    train::RegisterBuiltinAlgorithms(registry);
    auto loader = registry.FindLoader(v.body["format"].get<std::string>());
    auto pipeline = data::transforms::Pipeline::FromJson(Json::parse(files["pipeline.json"]));
    EXPECT_TRUE(loader.ok() && pipeline.ok());
    std::vector<data::Sample> samples;
    for (const auto& cells : iris_.cells) {
      data::Sample s;
      for (const std::string& c : cells) s.values.push_back(c);
      s.values.push_back(std::nullopt);  // the label
      samples.push_back(std::move(s));
    }
    auto x = pipeline->TransformBatch(samples);
    auto m = (*loader)->tabular(files);
    EXPECT_TRUE(x.ok() && m.ok());
    return *(*m)->Predict(*x);
  }
  // The four iris columns as FP32 column tensors, JSON data.
  Json Columns(size_t rows) const {
    Json inputs = Json::array();
    for (int c = 0; c < 4; ++c) {
      Json data = Json::array();
      for (size_t r = 0; r < rows; ++r) data.push_back(iris_.features[r * 4 + c]);
      inputs.push_back({{"name", Column(c)},
                        {"datatype", "FP32"},
                        {"shape", {static_cast<int64_t>(rows)}},
                        {"data", data}});
    }
    return {{"inputs", inputs}};
  }
  Json Endpoint(const std::string& name, const Json& routes, const Json& extra = Json::object()) {
    Json body = {{"name", name}, {"routes", routes}};
    body.update(extra);
    return body;
  }

  static constexpr size_t kMaxBody = 1 << 20;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<httplib::Client> client_;
  std::string token_;
  IrisRows iris_;
};

inline std::vector<float> Floats(const Json& data) {
  std::vector<float> out;
  for (const Json& v : data) out.push_back(v.get<float>());
  return out;
}

}  // namespace easel::testing
