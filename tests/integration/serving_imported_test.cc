// Imported models served: the same tiny network (Linear(4, 3) + softmax, tests/testdata/models)
// as ONNX through OpenCV's DNN module and as TorchScript through LibTorch, two independent
// runtimes that must agree, with its own input and output tensors, its classes when the
// signature names them, and a clear error for each bad input; and XGBoost JSON boosters.

#include <fstream>

#include "serving_fixture.h"

namespace easel::testing {
namespace {

std::string Fixture(const std::string& name) {
  std::ifstream f(fs::path(EASEL_MODEL_FIXTURES) / name, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

class ServingImportedTest : public ServingTest {
 protected:
  void Import(const std::string& model, const std::string& fixture, const std::string& format,
              const std::string& signature = "") {
    httplib::MultipartFormDataItems items = {
        {"file", Fixture(fixture), fixture, "application/octet-stream"},
        {"format", format, "", ""}};
    if (!signature.empty()) items.push_back({"signature", signature, "", ""});
    auto res = client_->Post("/api/v1/projects/demo/models/" + model + "/versions",
                             httplib::Headers{{"Authorization", "Bearer " + token_}}, items);
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 201) << res->body;
  }
  static Json Features(const std::vector<float>& values, int64_t rows, int64_t cols = 4) {
    return {{"inputs",
             {{{"name", "features"},
               {"datatype", "FP32"},
               {"shape", {rows, cols}},
               {"data", values}}}}};
  }
};

TEST_F(ServingImportedTest, OnnxAndTorchScriptServeTheSameNetworkAlike) {
  Import("tiny-onnx", "tiny_linear.onnx", "onnx");
  const std::string declared =
      R"({"inputs":[{"name":"features","datatype":"FP32","shape":[-1,4]}],)"
      R"("outputs":[{"name":"probabilities","datatype":"FP32","shape":[-1,3]}]})";
  Import("tiny-ts", "tiny_linear.pt", "torchscript", declared);
  // The check cannot see a TorchScript input's dimensions; without a declared signature the
  // endpoint says what to do.
  Import("tiny-ts-bare", "tiny_linear.pt", "torchscript");
  auto bare = Post("/endpoints", Endpoint("bare", {{{"model", "tiny-ts-bare"}}}));
  EXPECT_EQ(bare.status, 412) << bare.raw;
  EXPECT_NE(bare.raw.find("dimensions beyond the batch"), std::string::npos) << bare.raw;

  ASSERT_EQ(Post("/endpoints", Endpoint("onnx", {{{"model", "tiny-onnx"}}})).status, 201);
  ASSERT_EQ(Post("/endpoints", Endpoint("ts", {{{"model", "tiny-ts"}}})).status, 201);
  auto meta = Send(*client_, "GET", "/v2/models/onnx", token_);
  EXPECT_EQ(meta.body["platform"], "easel_onnx");
  EXPECT_EQ(meta.body["outputs"][0]["name"], "probabilities");
  EXPECT_EQ(meta.body["outputs"][0]["shape"], Json::array({-1, 3}));

  const std::vector<float> x = {0.1f, 0.2f, 0.3f, 0.4f, 5, -1, 2, 0, -3, 0.5f, 1, 7};
  auto a = Infer("onnx", Features(x, 3).dump());
  auto b = Infer("ts", Features(x, 3).dump());
  ASSERT_EQ(a.status, 200) << a.raw;
  ASSERT_EQ(b.status, 200) << b.raw;
  ASSERT_EQ(a.body["outputs"].size(), 1u);
  EXPECT_EQ(a.body["outputs"][0]["shape"], Json::array({3, 3}));
  const std::vector<float> pa = Floats(a.body["outputs"][0]["data"]);
  const std::vector<float> pb = Floats(b.body["outputs"][0]["data"]);
  ASSERT_EQ(pa.size(), 9u);
  ASSERT_EQ(pb.size(), 9u);
  for (size_t i = 0; i < 9; ++i) EXPECT_NEAR(pa[i], pb[i], 1e-5) << i;
  for (int r = 0; r < 3; ++r) EXPECT_NEAR(pa[r * 3] + pa[r * 3 + 1] + pa[r * 3 + 2], 1.0, 1e-5);
  // A batch of one row answers as that row of the batch.
  auto one = Infer("ts", Features({5, -1, 2, 0}, 1).dump());
  ASSERT_EQ(one.status, 200) << one.raw;
  const std::vector<float> p1 = Floats(one.body["outputs"][0]["data"]);
  for (size_t i = 0; i < 3; ++i) EXPECT_NEAR(p1[i], pb[3 + i], 1e-6);

  struct Case {
    Json body;
    std::string words;
  };
  const std::vector<Case> cases = {
      {Features({1, 2, 3, 4, 5}, 1, 5), "shape [n, 4]"},
      {Json{{"inputs",
             {{{"name", "x"}, {"datatype", "FP32"}, {"shape", {1, 4}}, {"data", {1, 2, 3, 4}}}}}},
       "one input, 'features'"},
      {Json{{"inputs",
             {{{"name", "features"},
               {"datatype", "INT32"},
               {"shape", {1, 4}},
               {"data", {1, 2, 3, 4}}}}}},
       "FP32"},
  };
  for (const char* endpoint : {"onnx", "ts"}) {
    for (const Case& c : cases) {
      auto r = Infer(endpoint, c.body.dump());
      EXPECT_EQ(r.status, 400) << endpoint << " " << r.raw;
      EXPECT_NE(r.raw.find(c.words), std::string::npos) << endpoint << " " << r.raw;
    }
  }
}

TEST_F(ServingImportedTest, ClassesInTheSignatureGiveLabels) {
  Import("tiny-ts", "tiny_linear.pt", "torchscript",
         R"({"inputs":[{"name":"features","datatype":"FP32","shape":[-1,4]}],)"
         R"("outputs":[{"name":"probabilities","datatype":"FP32","shape":[-1,3]}],)"
         R"("classes":["setosa","versicolor","virginica"]})");
  ASSERT_EQ(Post("/endpoints", Endpoint("ts", {{{"model", "tiny-ts"}}})).status, 201);
  auto r = Infer("ts", Features({0.1f, 0.2f, 0.3f, 0.4f, 5, -1, 2, 0}, 2).dump());
  ASSERT_EQ(r.status, 200) << r.raw;
  ASSERT_EQ(r.body["outputs"].size(), 2u);
  EXPECT_EQ(r.body["outputs"][1]["name"], "label");
  const std::vector<float> p = Floats(r.body["outputs"][0]["data"]);
  const std::vector<std::string> classes = {"setosa", "versicolor", "virginica"};
  for (int row = 0; row < 2; ++row) {
    const size_t best =
        std::max_element(p.begin() + row * 3, p.begin() + row * 3 + 3) - (p.begin() + row * 3);
    EXPECT_EQ(r.body["outputs"][1]["data"][row], classes[best]);
  }
}

// An XGBoost booster trained by easel, downloaded and imported as any other XGBoost JSON file,
// serves as the version it came from predicts: the same columns in, the same probabilities
// out, its class ids as labels. Binary and regression boosters answer as XGBoost predicts
// them, and one whose objective easel does not serve is refused with the objectives it does.
TEST_F(ServingImportedTest, AnImportedXGBoostBoosterServesAsItPredicts) {
  Train("xgboost", "native", {{"n_estimators", 8}});
  auto booster = Send(*client_, "GET",
                      "/api/v1/projects/demo/models/native/versions/1/files/booster.json", token_);
  ASSERT_EQ(booster.status, 200);
  httplib::MultipartFormDataItems items = {
      {"file", booster.raw, "booster.json", "application/octet-stream"},
      {"format", "xgboost_json", "", ""}};
  auto imported = client_->Post("/api/v1/projects/demo/models/imported/versions",
                                httplib::Headers{{"Authorization", "Bearer " + token_}}, items);
  ASSERT_TRUE(imported);
  ASSERT_EQ(imported->status, 201) << imported->body;
  ASSERT_EQ(Post("/endpoints", Endpoint("booster", {{{"model", "imported"}}})).status, 201);

  auto meta = Send(*client_, "GET", "/v2/models/booster", token_);
  EXPECT_EQ(meta.body["platform"], "easel_xgboost_json");
  ASSERT_EQ(meta.body["inputs"].size(), 4u);
  EXPECT_EQ(meta.body["inputs"][0]["name"], Column(0));
  EXPECT_EQ(meta.body["outputs"][0]["shape"], Json::array({-1, 3}));

  const size_t rows = iris_.cells.size();
  auto r = Infer("booster", Columns(rows).dump());
  ASSERT_EQ(r.status, 200) << r.raw;
  const std::vector<float> served = Floats(r.body["outputs"][0]["data"]);
  const std::vector<float> offline = Offline("native", 1);
  ASSERT_EQ(served.size(), offline.size());
  for (size_t i = 0; i < served.size(); ++i) EXPECT_NEAR(served[i], offline[i], 1e-6) << i;
  for (size_t row = 0; row < rows; ++row) {
    const size_t best = std::max_element(served.begin() + row * 3, served.begin() + row * 3 + 3) -
                        (served.begin() + row * 3);
    EXPECT_EQ(r.body["outputs"][1]["data"][row], std::to_string(best)) << row;
  }

  Import("binary", "tiny_booster.json", "xgboost_json");
  ASSERT_EQ(Post("/endpoints", Endpoint("binary", {{{"model", "binary"}}})).status, 201);
  Json x = Json::array();
  for (const char* name : {"sepal", "petal", "width", "height"}) {
    x.push_back({{"name", name}, {"datatype", "FP32"}, {"shape", {2}}, {"data", {0.5, -1.0}}});
  }
  auto b = Infer("binary", Json{{"inputs", x}}.dump());
  ASSERT_EQ(b.status, 200) << b.raw;
  // XGBoost 1.7.4's own Booster.predict on these rows: 0.6345376 and 0.1812085.
  const std::vector<float> p = Floats(b.body["outputs"][0]["data"]);
  ASSERT_EQ(p.size(), 4u);
  EXPECT_NEAR(p[1], 0.6345376, 1e-6);
  EXPECT_NEAR(p[3], 0.1812085, 1e-6);
  EXPECT_NEAR(p[0] + p[1], 1.0, 1e-6);
  EXPECT_EQ(b.body["outputs"][1]["data"], Json::array({"1", "0"}));

  // The same trees under other objectives, imported from the edited file.
  auto import_as = [&](const std::string& model, const std::string& objective) {
    Json edited = Json::parse(Fixture("tiny_booster.json"));
    edited["learner"]["objective"]["name"] = objective;
    httplib::MultipartFormDataItems fields = {
        {"file", edited.dump(), "edited.json", "application/octet-stream"},
        {"format", "xgboost_json", "", ""}};
    auto res = client_->Post("/api/v1/projects/demo/models/" + model + "/versions",
                             httplib::Headers{{"Authorization", "Bearer " + token_}}, fields);
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 201) << res->body;
  };
  import_as("regressor", "reg:squarederror");
  ASSERT_EQ(Post("/endpoints", Endpoint("regressor", {{{"model", "regressor"}}})).status, 201);
  auto v = Infer("regressor", Json{{"inputs", x}}.dump());
  ASSERT_EQ(v.status, 200) << v.raw;
  ASSERT_EQ(v.body["outputs"].size(), 1u);
  EXPECT_EQ(v.body["outputs"][0]["name"], "value");
  // XGBoost 1.7.4 on the edited file: 1.0517328 and -1.0081813.
  const std::vector<float> values = Floats(v.body["outputs"][0]["data"]);
  ASSERT_EQ(values.size(), 2u);
  EXPECT_NEAR(values[0], 1.0517328, 1e-6);
  EXPECT_NEAR(values[1], -1.0081813, 1e-6);

  import_as("margins", "binary:logitraw");
  auto refused = Post("/endpoints", Endpoint("margins", {{{"model", "margins"}}}));
  EXPECT_EQ(refused.status, 412) << refused.raw;
  EXPECT_NE(refused.raw.find("objective 'binary:logitraw' cannot be served; served objectives: "
                             "binary:logistic, multi:softprob, reg:squarederror"),
            std::string::npos)
      << refused.raw;
}

// A booster of more features than the import names inputs for (10,000) has one `features`
// input [-1, F] in its signature, and serves that tensor. The binary fixture, edited to read
// 10,001 features of which its trees split on the first four, predicts what XGBoost predicts.
TEST_F(ServingImportedTest, AWideImportedBoosterReadsOneFeaturesTensor) {
  constexpr int64_t kFeatures = 10'001;
  Json wide = Json::parse(Fixture("tiny_booster.json"));
  Json& learner = wide["learner"];
  learner["learner_model_param"]["num_feature"] = std::to_string(kFeatures);
  learner["feature_names"] = Json::array();
  learner["feature_types"] = Json::array();
  for (Json& tree : learner["gradient_booster"]["model"]["trees"]) {
    tree["tree_param"]["num_feature"] = std::to_string(kFeatures);
  }
  httplib::MultipartFormDataItems items = {
      {"file", wide.dump(), "wide.json", "application/octet-stream"},
      {"format", "xgboost_json", "", ""}};
  auto imported = client_->Post("/api/v1/projects/demo/models/wide/versions",
                                httplib::Headers{{"Authorization", "Bearer " + token_}}, items);
  ASSERT_TRUE(imported);
  ASSERT_EQ(imported->status, 201) << imported->body.substr(0, 300);
  EXPECT_EQ(Json::parse(imported->body)["signature"]["inputs"],
            Json::parse(R"([{"name":"features","datatype":"FP32","shape":[-1,10001]}])"));
  ASSERT_EQ(Post("/endpoints", Endpoint("wide", {{{"model", "wide"}}})).status, 201);

  std::vector<float> x(2 * kFeatures, 0.0f);
  std::fill_n(x.begin(), 4, 0.5f);
  std::fill_n(x.begin() + kFeatures, 4, -1.0f);
  auto r = Infer(
      "wide",
      Json{{"inputs",
            {{{"name", "features"}, {"datatype", "FP32"}, {"shape", {2, kFeatures}}, {"data", x}}}}}
          .dump());
  ASSERT_EQ(r.status, 200) << r.raw.substr(0, 300);
  // XGBoost 1.7.4's Booster.predict on the edited file, as on the fixture's four features.
  const std::vector<float> p = Floats(r.body["outputs"][0]["data"]);
  ASSERT_EQ(p.size(), 4u);
  EXPECT_NEAR(p[1], 0.6345376, 1e-6);
  EXPECT_NEAR(p[3], 0.1812085, 1e-6);
}

}  // namespace
}  // namespace easel::testing
