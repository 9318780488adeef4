// Online serving end to end, spoken as an outside client speaks the KServe Open Inference
// Protocol v2: plain HTTP requests written from the spec (JSON, and the binary tensor data
// extension built byte by byte here), against endpoints over models trained on the sklearn
// iris data. Served predictions are compared with the same version's files loaded in this
// process (the offline predict path), bad inputs each get their 400, and a version swap under
// continuous load loses no request.

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <thread>

#include "serving_fixture.h"

namespace easel::testing {
namespace {

TEST_F(ServingTest, PredictionsEqualTheOfflinePredictionsInEveryInputForm) {
  Train("xgboost", "iris-gbm");
  auto created = Post("/endpoints", Endpoint("iris", {{{"model", "iris-gbm"}, {"version", 1}}}));
  ASSERT_EQ(created.status, 201) << created.raw;
  EXPECT_EQ(created.body["state"], "ready");
  EXPECT_EQ(created.body["routes"][0]["version"], 1);
  const std::vector<float> offline = Offline("iris-gbm", 1);
  const size_t n = iris_.cells.size();
  ASSERT_EQ(offline.size(), n * 3);

  // Server and model metadata, readiness.
  EXPECT_EQ(Send(*client_, "GET", "/v2/health/live", "").status, 200);
  EXPECT_EQ(Send(*client_, "GET", "/v2/health/ready", "").status, 200);
  auto server = Send(*client_, "GET", "/v2", token_);
  EXPECT_EQ(server.body["name"], "easel");
  auto meta = Send(*client_, "GET", "/v2/models/iris", token_);
  ASSERT_EQ(meta.status, 200) << meta.raw;
  EXPECT_EQ(meta.body["versions"], Json::array({"1"}));
  ASSERT_EQ(meta.body["inputs"].size(), 4u);
  EXPECT_EQ(meta.body["inputs"][0]["name"], "f0");
  EXPECT_EQ(meta.body["inputs"][0]["datatype"], "FP32");
  EXPECT_EQ(Send(*client_, "GET", "/v2/models/iris/ready", token_).status, 200);

  // Column tensors, JSON.
  auto r = Infer("iris", Columns(n).dump());
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["model_name"], "iris");
  EXPECT_EQ(r.body["model_version"], "1");
  ASSERT_EQ(r.body["outputs"][0]["name"], "probabilities");
  EXPECT_EQ(r.body["outputs"][0]["shape"], Json::array({n, 3}));
  EXPECT_EQ(Floats(r.body["outputs"][0]["data"]), offline);
  ASSERT_EQ(r.body["outputs"][1]["name"], "label");
  EXPECT_EQ(r.body["outputs"][1]["data"][0], "setosa");
  EXPECT_EQ(r.body["outputs"][1]["data"][n - 1], "virginica");

  // The same columns in another order, one as FP64 (the CSV's decimals) and one as BYTES text.
  Json shuffled = Columns(n);
  std::reverse(shuffled["inputs"].begin(), shuffled["inputs"].end());
  Json& f0 = shuffled["inputs"][3];
  Json& f1 = shuffled["inputs"][2];
  ASSERT_EQ(f0["name"], Column(0));
  f0["datatype"] = "FP64";
  f1["datatype"] = "BYTES";
  for (size_t row = 0; row < n; ++row) {
    f0["data"][row] = std::stod(iris_.cells[row][0]);
    f1["data"][row] = iris_.cells[row][1];
  }
  r = Infer("iris", shuffled.dump());
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(Floats(r.body["outputs"][0]["data"]), offline);

  // Rows: one JSON object per row, numbers as the CSV wrote them.
  Json rows = Json::array();
  for (const auto& cells : iris_.cells) {
    Json row = Json::object();
    for (int c = 0; c < 4; ++c) row[Column(c)] = std::stod(cells[c]);
    rows.push_back(row.dump());
  }
  r = Infer(
      "iris",
      Json{{"id", "rows-1"},
           {"inputs", {{{"name", "rows"}, {"datatype", "BYTES"}, {"shape", {n}}, {"data", rows}}}},
           {"outputs", {{{"name", "probabilities"}}}}}
          .dump());
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["id"], "rows-1");
  ASSERT_EQ(r.body["outputs"].size(), 1u);
  EXPECT_EQ(Floats(r.body["outputs"][0]["data"]), offline);

  // The binary extension both ways: FP32 columns in, probabilities out as raw bytes.
  Json header = {
      {"inputs", Json::array()},
      {"outputs", {{{"name", "probabilities"}, {"parameters", {{"binary_data", true}}}}}}};
  std::string bytes;
  for (int c = 0; c < 4; ++c) {
    header["inputs"].push_back({{"name", Column(c)},
                                {"datatype", "FP32"},
                                {"shape", {n}},
                                {"parameters", {{"binary_data_size", n * 4}}}});
    for (size_t row = 0; row < n; ++row) {
      bytes.append(reinterpret_cast<const char*>(&iris_.features[row * 4 + c]), 4);
    }
  }
  const std::string json = header.dump();
  r = Infer("iris", json + bytes, json.size());
  ASSERT_EQ(r.status, 200) << r.raw;
  const size_t json_length = std::stoul(r.headers.find("Inference-Header-Content-Length")->second);
  Json out = Json::parse(r.raw.substr(0, json_length));
  EXPECT_EQ(out["outputs"][0]["parameters"]["binary_data_size"], n * 3 * 4);
  std::vector<float> probabilities(n * 3);
  ASSERT_EQ(r.raw.size() - json_length, n * 3 * 4);
  std::memcpy(probabilities.data(), r.raw.data() + json_length, n * 3 * 4);
  EXPECT_EQ(probabilities, offline);

  // Top-2 classification.
  r = Infer("iris", [&] {
    Json b = Columns(1);
    b["outputs"] = {{{"name", "label"}, {"parameters", {{"classification", 2}}}}};
    return b.dump();
  }());
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["outputs"][0]["shape"], Json::array({1, 2}));
  EXPECT_NE(r.body["outputs"][0]["data"][0].get<std::string>().find(":0:setosa"),
            std::string::npos);

  // Statistics and Prometheus metrics count the requests.
  auto stats = Send(*client_, "GET", "/v2/models/iris/stats", token_);
  ASSERT_EQ(stats.status, 200);
  EXPECT_EQ(stats.body["model_stats"][0]["inference_stats"]["success"]["count"], 5);
  EXPECT_EQ(stats.body["model_stats"][0]["inference_count"], 4 * n + 1);
  // Without a model: every endpoint the token may read (here the one), as Triton's route has it.
  auto all = Send(*client_, "GET", "/v2/models/stats", token_);
  ASSERT_EQ(all.status, 200) << all.raw;
  ASSERT_EQ(all.body["model_stats"].size(), 1u) << all.raw;
  EXPECT_EQ(all.body["model_stats"][0]["name"], "iris");
  EXPECT_EQ(all.body["model_stats"][0]["inference_count"], 4 * n + 1);
  EXPECT_EQ(Send(*client_, "GET", "/v2/models/stats", "").status, 401);
  auto metrics = Send(*client_, "GET", "/metrics", token_);
  EXPECT_NE(metrics.raw.find("nv_inference_request_success{model=\"iris\",version=\"1\"} 5"),
            std::string::npos);
  EXPECT_NE(metrics.raw.find("easel_endpoint_batch_size_bucket"), std::string::npos);

  // Compressed bodies, as Triton's clients send them on request: a gzip request, and a gzip
  // answer to a client that accepts one (this client decompresses it).
  auto zipping = server_->Client();
  zipping->set_compress(true);
  auto zipped = zipping->Post("/v2/models/iris/infer",
                              {{"Authorization", "Bearer " + token_}, {"Accept-Encoding", "gzip"}},
                              Columns(n).dump(), "application/json");
  ASSERT_TRUE(zipped);
  ASSERT_EQ(zipped->status, 200) << zipped->body;
  EXPECT_EQ(zipped->get_header_value("Content-Encoding"), "gzip");
  EXPECT_EQ(Floats(Json::parse(zipped->body)["outputs"][0]["data"]), offline);
  // Bytes that are not what the header says, and a coding easel does not read.
  for (auto [coding, message] :
       {std::pair{"gzip", "the request body ended early or is not valid gzip"},
        std::pair{"compress", "Content-Encoding 'compress' is not supported"}}) {
    auto bad = client_->Post("/v2/models/iris/infer",
                             {{"Authorization", "Bearer " + token_}, {"Content-Encoding", coding}},
                             Columns(1).dump(), "application/json");
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->status, 400) << coding;
    EXPECT_NE(bad->body.find(message), std::string::npos) << bad->body;
  }
  EXPECT_EQ(Send(*client_, "GET", "/v2/health/live", "").status, 200);

  // Rows with one column's values as strings: in every row (a text column), and in every other
  // row (both kinds in one column, each value read as its text).
  for (size_t every : {1, 2}) {
    Json text_rows = Json::array();
    for (size_t row = 0; row < n; ++row) {
      Json object = Json::object();
      for (int c = 0; c < 4; ++c) object[Column(c)] = std::stod(iris_.cells[row][c]);
      if (row % every == 0) object[Column(2)] = iris_.cells[row][2];
      text_rows.push_back(object.dump());
    }
    r = Infer(
        "iris",
        Json{{"inputs",
              {{{"name", "rows"}, {"datatype", "BYTES"}, {"shape", {n}}, {"data", text_rows}}}}}
            .dump());
    ASSERT_EQ(r.status, 200) << r.raw;
    EXPECT_EQ(Floats(r.body["outputs"][0]["data"]), offline) << "strings in every " << every;
  }

  // Rows the column reader leaves to the text path answer as the same rows written plainly: a
  // repeated key (the last value counts) and an integer beyond 2^53 (read as its digits, which
  // round to the double written below).
  auto one_row = [&](const std::string& object) {
    auto answer = Infer(
        "iris",
        Json{{"inputs",
              {{{"name", "rows"}, {"datatype", "BYTES"}, {"shape", {1}}, {"data", {object}}}}}}
            .dump());
    EXPECT_EQ(answer.status, 200) << object << " -> " << answer.raw;
    return answer.status == 200 ? Floats(answer.body["outputs"][0]["data"]) : std::vector<float>{};
  };
  auto row = [](const std::string& petal_length) {
    return "{\"" + Column(0) + "\": 5.1, \"" + Column(1) + "\": 3.5, \"" + Column(2) +
           "\": " + petal_length + ", \"" + Column(3) + "\": 0.2}";
  };
  const std::vector<float> plain = one_row(row("1.4"));
  ASSERT_NE(one_row(row("5.0")), plain);  // the column decides
  EXPECT_EQ(one_row(row("5.0, \"" + Column(2) + "\": 1.4")), plain);
  EXPECT_EQ(one_row(row("9007199254740993")), one_row(row("9007199254740992.0")));
  // Rows need not share an order of keys.
  const std::string reversed = "{\"" + Column(3) + "\": 0.2, \"" + Column(2) + "\": 1.4, \"" +
                               Column(1) + "\": 3.5, \"" + Column(0) + "\": 5.1}";
  auto both = Infer("iris", Json{{"inputs",
                                  {{{"name", "rows"},
                                    {"datatype", "BYTES"},
                                    {"shape", {3}},
                                    {"data", {row("1.4"), reversed, row("5.0")}}}}}}
                                .dump());
  ASSERT_EQ(both.status, 200) << both.raw;
  std::vector<float> expected = plain;
  expected.insert(expected.end(), plain.begin(), plain.end());
  const std::vector<float> last = one_row(row("5.0"));
  expected.insert(expected.end(), last.begin(), last.end());
  EXPECT_EQ(Floats(both.body["outputs"][0]["data"]), expected);
}

// easel's own forest serves what it predicts offline, and routes a missing value down its
// trees instead of refusing the row.
TEST_F(ServingTest, AnExtraTreesForestServesItsOfflinePredictions) {
  Train("extra_trees", "iris-forest", {{"n_estimators", 40}});
  auto created = Post("/endpoints", Endpoint("forest", {{{"model", "iris-forest"}}}));
  ASSERT_EQ(created.status, 201) << created.raw;
  const std::vector<float> offline = Offline("iris-forest", 1);
  const size_t n = iris_.cells.size();
  ASSERT_EQ(offline.size(), n * 3);
  auto r = Infer("forest", Columns(n).dump());
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(Floats(r.body["outputs"][0]["data"]), offline);

  Json row = {{Column(0), 5.1}, {Column(1), 3.5}, {Column(3), 0.2}};  // no third column
  r = Infer(
      "forest",
      Json{{"inputs",
            {{{"name", "rows"}, {"datatype", "BYTES"}, {"shape", {1}}, {"data", {row.dump()}}}}}}
          .dump());
  ASSERT_EQ(r.status, 200) << r.raw;
  std::vector<float> p = Floats(r.body["outputs"][0]["data"]);
  ASSERT_EQ(p.size(), 3u);
  EXPECT_NEAR(p[0] + p[1] + p[2], 1.0, 1e-5);
  EXPECT_EQ(r.body["outputs"][1]["data"][0], "setosa");
}

TEST_F(ServingTest, EveryBadInputIsAClearErrorAndTheServerStaysUp) {
  Train("linear", "iris-linear");
  ASSERT_EQ(Post("/endpoints", Endpoint("iris", {{{"model", "iris-linear"}}})).status, 201);
  auto column = [](const Json& input) { return Json{{"inputs", {input}}}.dump(); };
  struct Case {
    std::string body;
    std::optional<size_t> header_length;
    int status;
    std::string words;
  };
  const float nan = std::nanf("");
  std::string nan_bytes(16, '\0');
  std::memcpy(nan_bytes.data(), &nan, 4);
  Json binary_header = {{"inputs", Json::array()}};
  for (int c = 0; c < 4; ++c) {
    binary_header["inputs"].push_back({{"name", Column(c)},
                                       {"datatype", "FP32"},
                                       {"shape", {1}},
                                       {"parameters", {{"binary_data_size", 4}}}});
  }
  const std::string header = binary_header.dump();
  const std::string features_header = Json{{"inputs",
                                            {{{"name", "features"},
                                              {"datatype", "FP32"},
                                              {"shape", {1, 4}},
                                              {"parameters", {{"binary_data_size", 16}}}}}}}
                                          .dump();
  const std::vector<Case> cases = {
      {"{not json", std::nullopt, 400, "JSON"},
      {R"({"inputs": []})", std::nullopt, 400, "inputs"},
      {column({{"name", "petal"}, {"datatype", "FP32"}, {"shape", {1}}, {"data", {1}}}),
       std::nullopt, 400, "unknown input 'petal'"},
      {column({{"name", "f0"}, {"datatype", "FP32"}, {"shape", {1}}, {"data", {1}}}), std::nullopt,
       400, "missing input 'f1'"},
      {column({{"name", "f0"}, {"datatype", "FP99"}, {"shape", {1}}, {"data", {1}}}), std::nullopt,
       400, "FP99"},
      {column({{"name", "f0"}, {"datatype", "INT8"}, {"shape", {1}}, {"data", {300}}}),
       std::nullopt, 400, "300"},
      {column({{"name", "f0"}, {"datatype", "FP32"}, {"shape", {3}}, {"data", {1, 2}}}),
       std::nullopt, 400, "f0"},
      {column({{"name", "f0"}, {"datatype", "FP32"}, {"shape", {-1}}, {"data", {1}}}), std::nullopt,
       400, "negative"},
      {column({{"name", "f0"},
               {"datatype", "FP32"},
               {"shape", {int64_t{1} << 40, int64_t{1} << 40}},
               {"data", {1}}}),
       std::nullopt, 400, "f0"},
      {column({{"name", "f0"}, {"datatype", "FP32"}, {"shape", {2, 2}}, {"data", {1, 2, 3, 4}}}),
       std::nullopt, 400, "shape [n]"},
      // Missing columns are imputed by the linear model's pipeline; prepared features are not.
      {features_header + nan_bytes, features_header.size(), 400, "cannot read missing values"},
      {header + std::string(8, '\0'), header.size(), 400, "binary"},
      {header, header.size() + 10, 400, "Inference-Header-Content-Length"},
      {Json{{"inputs",
             {{{"name", "rows"}, {"datatype", "BYTES"}, {"shape", {1}}, {"data", {"[1,2]"}}}}}}
           .dump(),
       std::nullopt, 400, "rows[0]"},
      {Json{{"inputs",
             {{{"name", "rows"},
               {"datatype", "BYTES"},
               {"shape", {1}},
               {"data", {R"({"f0": 1, "sepal": 2})"}}}}}}
           .dump(),
       std::nullopt, 400, "sepal"},
      {Json{{"inputs",
             {{{"name", "rows"},
               {"datatype", "BYTES"},
               {"shape", {2}},
               {"data", {R"({"f0": 1, "f1": 2})", R"({"f0": 1, "sepal": 2})"}}}}}}
           .dump(),
       std::nullopt, 400, "rows[1] has column 'sepal'"},
  };
  for (const Case& c : cases) {
    auto r = Infer("iris", c.body, c.header_length);
    EXPECT_EQ(r.status, c.status) << c.body.substr(0, 200) << " -> " << r.raw;
    EXPECT_TRUE(r.body.contains("error")) << r.raw;
    EXPECT_NE(r.raw.find(c.words), std::string::npos) << c.body.substr(0, 200) << " -> " << r.raw;
  }
  // A binary request found bad before its binary section is read gets its answer, and the rest
  // of its body (600 KB here) is read and dropped: the next request on the connection is served.
  {
    auto request = [&](const std::string& head, const std::string& binary, bool close) {
      return "POST /v2/models/iris/infer HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
             token_ + "\r\nInference-Header-Content-Length: " + std::to_string(head.size()) +
             "\r\nContent-Length: " + std::to_string(head.size() + binary.size()) + "\r\n" +
             (close ? "Connection: close\r\n" : "") + "\r\n" + head + binary;
    };
    const std::string wrong_size = Json{{"inputs",
                                         {{{"name", Column(0)},
                                           {"datatype", "FP32"},
                                           {"shape", {1}},
                                           {"parameters", {{"binary_data_size", 600000}}}}}}}
                                       .dump();
    const std::string both = request(wrong_size, std::string(600000, '\0'), false) +
                             request(header, std::string(16, '\0'), true);
    const int fd = Connect(server_->port());
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::send(fd, both.data(), both.size(), 0), static_cast<ssize_t>(both.size()));
    const std::string answers = ReadUntilClosed(fd, 10s);
    ::close(fd);
    EXPECT_EQ(answers.rfind("HTTP/1.1 400", 0), 0u) << answers.substr(0, 300);
    EXPECT_NE(answers.find("binary_data_size is 600000 but shape [1]"), std::string::npos);
    const size_t second = answers.find("HTTP/1.1 200");
    ASSERT_NE(second, std::string::npos) << answers;
    EXPECT_NE(answers.find("probabilities", second), std::string::npos) << answers;

    // A client that goes away half-way through the binary section costs nothing lasting.
    const std::string cut = request(header, std::string(16, '\0'), false);
    const int gone = Connect(server_->port());
    ASSERT_GE(gone, 0);
    ASSERT_EQ(::send(gone, cut.data(), cut.size() - 8, 0), static_cast<ssize_t>(cut.size() - 8));
    ::close(gone);
  }

  // Unknown model, bad version, oversized body.
  EXPECT_EQ(Infer("nope", Columns(1).dump()).status, 404);
  auto r =
      client_->Post("/v2/models/iris/versions/x/infer", {{"Authorization", "Bearer " + token_}},
                    Columns(1).dump(), "application/json");
  EXPECT_EQ(r->status, 400);
  r = client_->Post("/v2/models/iris/versions/7/infer", {{"Authorization", "Bearer " + token_}},
                    Columns(1).dump(), "application/json");
  EXPECT_EQ(r->status, 404);
  auto big = Infer("iris", std::string(kMaxBody + 1000, ' '));
  EXPECT_EQ(big.status, 413) << big.raw;
  // No token, and a token of someone outside the project.
  r = client_->Post("/v2/models/iris/infer", Columns(1).dump(), "application/json");
  EXPECT_EQ(r->status, 401);

  // Still serving, and the failures are counted.
  auto ok = Infer("iris", Columns(5).dump());
  EXPECT_EQ(ok.status, 200) << ok.raw;
  auto stats = Send(*client_, "GET", "/v2/models/iris/stats", token_);
  EXPECT_GE(stats.body["model_stats"][0]["inference_stats"]["fail"]["count"].get<int>(), 5);
}

TEST_F(ServingTest, EndpointsAreManagedThroughTheApiAndSurviveARestart) {
  Train("xgboost", "iris-gbm");
  struct Case {
    Json body;
    int status;
    std::string words;
  };
  const std::vector<Case> cases = {
      {{{"name", "e"}}, 400, "routes"},
      {{{"name", "Bad Name"}, {"routes", {{{"model", "iris-gbm"}}}}}, 400, "name"},
      {{{"name", "e"}, {"routes", {{{"model", "nope"}}}}}, 404, "nope"},
      {{{"name", "e"}, {"routes", {{{"model", "iris-gbm"}, {"version", 9}}}}}, 404, "9"},
      {{{"name", "e"}, {"routes", {{{"model", "iris-gbm"}, {"weight", -1}}}}}, 400, "weight"},
      {{{"name", "e"}, {"routes", {{{"model", "iris-gbm"}}, {{"model", "iris-gbm"}}}}},
       400,
       "second time"},
      {{{"name", "e"}, {"routes", {{{"model", "iris-gbm"}}}}, {"replicas", 2}}, 400, "replicas"},
      {{{"name", "e"}, {"routes", {{{"model", "iris-gbm"}}}}, {"device", "tpu"}}, 400, "device"},
      {{{"name", "e"}, {"routes", {{{"model", "iris-gbm"}}}}, {"max_batch_size", 0}},
       400,
       "max_batch_size"},
  };
  for (const Case& c : cases) {
    auto r = Post("/endpoints", c.body);
    EXPECT_EQ(r.status, c.status) << c.body.dump() << " -> " << r.raw;
    EXPECT_NE(r.raw.find(c.words), std::string::npos) << c.body.dump() << " -> " << r.raw;
  }
  auto created = Post("/endpoints", Endpoint("iris", {{{"model", "iris-gbm@latest"}}},
                                             {{"max_batch_size", 16}, {"instances", 2}}));
  ASSERT_EQ(created.status, 201) << created.raw;
  EXPECT_EQ(Post("/endpoints", Endpoint("iris", {{{"model", "iris-gbm"}}})).status, 409);
  auto list = Send(*client_, "GET", "/api/v1/projects/demo/endpoints", token_);
  ASSERT_EQ(list.body["items"].size(), 1u);
  EXPECT_EQ(list.body["items"][0]["max_batch_size"], 16);
  // A served version cannot be deleted.
  auto del = Send(*client_, "DELETE", "/api/v1/projects/demo/models/iris-gbm/versions/1", token_);
  EXPECT_EQ(del.status, 412) << del.raw;
  EXPECT_NE(del.raw.find("endpoint 'iris'"), std::string::npos) << del.raw;

  // A restart brings the endpoint back.
  server_->Terminate();
  server_->Start();
  client_ = server_->Client();
  Response r;
  for (int i = 0; i < 100; ++i) {
    r = Infer("iris", Columns(3).dump());
    if (r.status != 503) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(r.status, 200) << r.raw;
  auto shown = Send(*client_, "GET", "/api/v1/projects/demo/endpoints/iris", token_);
  EXPECT_EQ(shown.body["state"], "ready");
  EXPECT_EQ(shown.body["instances"], 2);

  EXPECT_EQ(Send(*client_, "DELETE", "/api/v1/projects/demo/endpoints/iris", token_).status, 204);
  EXPECT_EQ(Infer("iris", Columns(1).dump()).status, 404);
  EXPECT_EQ(Send(*client_, "GET", "/api/v1/projects/demo/endpoints/iris", token_).status, 404);
  del = Send(*client_, "DELETE", "/api/v1/projects/demo/models/iris-gbm/versions/1", token_);
  EXPECT_EQ(del.status, 204) << del.raw;
}

TEST_F(ServingTest, DeletingAProjectTakesItsEndpointsDown) {
  Train("xgboost", "iris-gbm");
  ASSERT_EQ(Post("/endpoints", Endpoint("iris", {{{"model", "iris-gbm"}}})).status, 201);
  ASSERT_EQ(Infer("iris", Columns(1).dump()).status, 200);
  ASSERT_EQ(Send(*client_, "DELETE", "/api/v1/projects/demo", token_).status, 204);
  auto r = Infer("iris", Columns(1).dump());
  EXPECT_EQ(r.status, 404) << r.raw;
  EXPECT_NE(r.raw.find("model 'iris' not found"), std::string::npos) << r.raw;
  EXPECT_EQ(Send(*client_, "GET", "/v2/models/iris/ready", token_).status, 404);
  EXPECT_EQ(Send(*client_, "GET", "/v2/health/live", "").status, 200);
}

TEST_F(ServingTest, AVersionSwapUnderLoadLosesNoRequest) {
  Train("xgboost", "iris-gbm", {{"max_depth", 2}});
  Train("xgboost", "iris-gbm", {{"max_depth", 4}});
  ASSERT_EQ(Post("/endpoints", Endpoint("iris", {{{"model", "iris-gbm"}, {"version", 1}}},
                                        {{"max_batch_size", 8}, {"max_queue_delay_us", 500}}))
                .status,
            201);
  const std::vector<float> v1 = Offline("iris-gbm", 1);
  const std::vector<float> v2 = Offline("iris-gbm", 2);
  ASSERT_NE(v1, v2);
  const std::string body = Columns(iris_.cells.size()).dump();

  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, failed{0}, mismatched{0}, saw_v2{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&] {
      auto client = server_->Client();
      while (!stop) {
        auto res = client->Post("/v2/models/iris/infer", {{"Authorization", "Bearer " + token_}},
                                body, "application/json");
        if (!res || res->status != 200) {
          ++failed;
          continue;
        }
        Json j = Json::parse(res->body);
        const std::string version = j["model_version"];
        const std::vector<float> p = Floats(j["outputs"][0]["data"]);
        if (p != (version == "1" ? v1 : v2)) ++mismatched;
        if (version == "2") ++saw_v2;
        ++ok;
      }
    });
  }
  std::this_thread::sleep_for(300ms);
  auto patched = Send(*client_, "PATCH", "/api/v1/projects/demo/endpoints/iris", token_,
                      Json{{"routes", {{{"model", "iris-gbm"}, {"version", 2}}}}}.dump());
  EXPECT_EQ(patched.status, 200) << patched.raw;
  std::this_thread::sleep_for(300ms);
  // A canary: both versions share the traffic.
  patched = Send(*client_, "PATCH", "/api/v1/projects/demo/endpoints/iris", token_,
                 Json{{"routes",
                       {{{"model", "iris-gbm"}, {"version", 1}, {"weight", 1}},
                        {{"model", "iris-gbm"}, {"version", 2}, {"weight", 1}}}},
                      {"max_batch_size", 4}}
                     .dump());
  EXPECT_EQ(patched.status, 200) << patched.raw;
  std::this_thread::sleep_for(300ms);
  stop = true;
  for (auto& t : clients) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(mismatched.load(), 0);
  EXPECT_GT(ok.load(), 20);
  EXPECT_GT(saw_v2.load(), 0);

  // A request may name the version.
  for (int v : {1, 2}) {
    auto res = client_->Post("/v2/models/iris/versions/" + std::to_string(v) + "/infer",
                             {{"Authorization", "Bearer " + token_}}, body, "application/json");
    ASSERT_EQ(res->status, 200);
    EXPECT_EQ(Floats(Json::parse(res->body)["outputs"][0]["data"]), v == 1 ? v1 : v2);
  }
}

}  // namespace
}  // namespace easel::testing
