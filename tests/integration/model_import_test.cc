// Importing models trained elsewhere on the real server: each format from the fixtures in
// tests/testdata/models, declared signatures, the raw-body form, the CLI, and hostile files
// (random bytes, empty, truncated, the wrong format, a zip bomb, a zip of garbage, a booster
// that crashes XGBoost) that must each get a 400 with a sentence, leave no model behind and
// leave the server up.

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "testing/processes.h"
#include "testing/server.h"
#include "testing/temp_dir.h"

namespace easel::testing {
namespace {

namespace fs = std::filesystem;

std::string Fixture(const std::string& name) {
  std::ifstream f(fs::path(EASEL_MODEL_FIXTURES) / name, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  EXPECT_FALSE(ss.str().empty()) << "missing fixture " << name;
  return ss.str();
}

std::string RandomBytes(size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(gen());
  return s;
}

// A deflated zip of `entries` (name → bytes).
std::string Zip(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string out;
  archive* a = archive_write_new();
  archive_write_set_format_zip(a);
  archive_write_set_options(a, "zip:compression=deflate");
  archive_write_open(
      a, &out, nullptr,
      [](archive*, void* ctx, const void* buf, size_t n) -> la_ssize_t {
        static_cast<std::string*>(ctx)->append(static_cast<const char*>(buf), n);
        return static_cast<la_ssize_t>(n);
      },
      nullptr);
  for (const auto& [name, bytes] : entries) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_size(e, static_cast<la_int64_t>(bytes.size()));
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_write_header(a, e);
    archive_write_data(a, bytes.data(), bytes.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

// The fixture booster with its first tree's root pointing a billion nodes away on the branch a
// missing value takes. XGBoost does not check child indices, so predicting walks off the tree.
std::string CrashingBooster() {
  Json b = Json::parse(Fixture("tiny_booster.json"));
  Json& tree = b["learner"]["gradient_booster"]["model"]["trees"][0];
  tree["left_children"][0] = 1000000000;
  tree["right_children"][0] = 1000000000;
  return b.dump();
}

class ModelImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Start();
    client_ = server_.Client();
    token_ = server_.admin_token();
    ASSERT_EQ(Send(*client_, "POST", "/api/v1/projects", token_, R"({"name":"demo"})").status, 201);
  }

  // A multipart import of `bytes` as `format`, with extra text fields.
  Response Import(const std::string& model, const std::string& bytes, const std::string& format,
                  const std::string& file_name = "model.bin",
                  const std::vector<std::pair<std::string, std::string>>& fields = {},
                  const std::string& token = "") {
    httplib::MultipartFormDataItems items = {
        {"file", bytes, file_name, "application/octet-stream"}};
    if (!format.empty()) items.push_back({"format", format, "", ""});
    for (const auto& [k, v] : fields) items.push_back({k, v, "", ""});
    auto res = client_->Post(
        "/api/v1/projects/demo/models/" + model + "/versions",
        httplib::Headers{{"Authorization", "Bearer " + (token.empty() ? token_ : token)}}, items);
    Response r;
    if (!res) {
      ADD_FAILURE() << "no answer from the server";
      return r;
    }
    r.status = res->status;
    r.raw = res->body;
    r.body = Json::parse(res->body, nullptr, /*allow_exceptions=*/false);
    return r;
  }

  Response Get(const std::string& path) {
    return Send(*client_, "GET", "/api/v1/projects/demo" + path, token_);
  }

  // A refused import: 400 with the sentence the API promises, no path inside, the server up,
  // and no model created.
  std::string ExpectRefused(const std::string& what, const std::string& bytes,
                            const std::string& format) {
    SCOPED_TRACE(what);
    Response r = Import("hostile", bytes, format, what);
    EXPECT_EQ(r.status, 400) << r.raw;
    EXPECT_EQ(r.body["error"]["code"], "INVALID_ARGUMENT") << r.raw;
    const std::string message = r.body["error"].value("message", "");
    EXPECT_EQ(message.rfind("the uploaded file is not a valid " + format + " model: ", 0), 0u)
        << message;
    EXPECT_EQ(message.find(server_.data_dir().string()), std::string::npos) << message;
    EXPECT_EQ(message.find("blobs"), std::string::npos) << message;
    std::cout << "  " << what << " as " << format << ": " << message << "\n";
    EXPECT_EQ(Send(*client_, "GET", "/healthz", "").status, 200) << "the server went down";
    EXPECT_EQ(Get("/models/hostile").status, 404);
    return message;
  }

  ServerProcess server_;
  std::unique_ptr<httplib::Client> client_;
  std::string token_;
};

TEST_F(ModelImportTest, ImportsEachFormatWithTheSignatureItReads) {
  struct Case {
    const char* fixture;
    const char* format;
    const char* file;
    Json first_input;
  };
  const Case cases[] = {
      {"tiny_linear.pt", "torchscript", "model.pt",
       Json::parse(R"({"name":"features","datatype":"FP32","shape":[-1],"torch_type":"Tensor"})")},
      {"tiny_linear.onnx", "onnx", "model.onnx",
       Json::parse(R"({"name":"features","datatype":"FP32","shape":[-1,4]})")},
      {"tiny_booster.json", "xgboost_json", "booster.json",
       Json::parse(R"({"name":"sepal","datatype":"FP32","shape":[-1]})")},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.format);
    const std::string bytes = Fixture(c.fixture);
    const std::string model = std::string("imported-") + c.format;
    Response r = Import(model, bytes, c.format, c.fixture);
    ASSERT_EQ(r.status, 201) << r.raw;
    const Json& v = r.body;
    EXPECT_EQ(v["version"], 1);
    EXPECT_EQ(v["algorithm"], "import");
    EXPECT_EQ(v["format"], c.format);
    EXPECT_EQ(v["task"], "other");
    EXPECT_EQ(v["params"], Json::object());
    EXPECT_EQ(v["signature"]["inputs"][0], c.first_input);
    EXPECT_FALSE(v["signature"]["outputs"].empty());
    EXPECT_EQ(v["lineage"]["imported"]["file_name"], c.fixture);
    EXPECT_EQ(v["lineage"]["imported"]["size"], bytes.size());
    std::set<std::string> files;
    for (const Json& f : v["files"]) files.insert(f.value("name", ""));
    EXPECT_EQ(files, (std::set<std::string>{c.file, "model.json"}));

    const std::string path = "/models/" + v["model"].get<std::string>() + "/versions/1";
    Response got = Get(path);
    ASSERT_EQ(got.status, 200) << got.raw;
    EXPECT_EQ(got.body["signature"], v["signature"]);
    Response file = Get(path + "/files/" + c.file);
    ASSERT_EQ(file.status, 200);
    EXPECT_EQ(file.raw, bytes);
    Response descriptor = Get(path + "/files/model.json");
    ASSERT_EQ(descriptor.status, 200);
    EXPECT_EQ(descriptor.body["format"], c.format);
    EXPECT_EQ(descriptor.body["imported"], true);
    EXPECT_EQ(descriptor.body["file"], c.file);
    EXPECT_TRUE(descriptor.body["info"].is_object());
  }
  Response booster = Get("/models/imported-xgboost_json/versions/1");
  EXPECT_EQ(booster.body["signature"]["outputs"][0]["name"], "probability");
  EXPECT_EQ(Get("/models/imported-xgboost_json/versions/1/files/model.json").body["info"]["rounds"],
            4);
}

TEST_F(ModelImportTest, ADeclaredSignatureAndTaskWinAndVersionsCount) {
  const std::string signature =
      R"({"inputs":[{"name":"features","datatype":"FP32","shape":[-1,4]}],)"
      R"("outputs":[{"name":"probabilities","datatype":"FP32","shape":[-1,3]}],)"
      R"("classes":["setosa","versicolor","virginica"]})";
  Response first = Import(
      "iris-net", Fixture("tiny_linear.pt"), "torchscript", "iris.pt",
      {{"signature", signature}, {"task", "multiclass"}, {"description", "trained in the lab"}});
  ASSERT_EQ(first.status, 201) << first.raw;
  EXPECT_EQ(first.body["signature"], Json::parse(signature));
  EXPECT_EQ(first.body["task"], "multiclass");
  EXPECT_EQ(Get("/models/iris-net").body["description"], "trained in the lab");

  Response second = Import("iris-net", Fixture("tiny_linear.pt"), "torchscript");
  ASSERT_EQ(second.status, 201) << second.raw;
  EXPECT_EQ(second.body["version"], 2);
  EXPECT_EQ(Get("/models/iris-net").body["latest_version"], 2);
}

TEST_F(ModelImportTest, ARawBodyTakesItsFieldsFromTheQuery) {
  auto res = client_->Post(
      "/api/v1/projects/demo/models/raw-onnx/versions?format=onnx&task=multiclass"
      "&file_name=tiny.onnx",
      httplib::Headers{{"Authorization", "Bearer " + token_}}, Fixture("tiny_linear.onnx"),
      "application/octet-stream");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 201) << res->body;
  Json v = Json::parse(res->body);
  EXPECT_EQ(v["format"], "onnx");
  EXPECT_EQ(v["task"], "multiclass");
  EXPECT_EQ(v["lineage"]["imported"]["file_name"], "tiny.onnx");
}

TEST_F(ModelImportTest, HostileFilesAreRefusedAndLeaveNothingBehind) {
  const std::string pt = Fixture("tiny_linear.pt");
  const std::string booster = Fixture("tiny_booster.json");
  const std::string onnx = Fixture("tiny_linear.onnx");
  ExpectRefused("random bytes", RandomBytes(64 << 10, 1), "torchscript");
  ExpectRefused("random bytes", RandomBytes(64 << 10, 2), "onnx");
  ExpectRefused("random bytes", RandomBytes(64 << 10, 3), "xgboost_json");
  ExpectRefused("an empty file", "", "torchscript");
  ExpectRefused("an empty file", "", "onnx");
  ExpectRefused("a truncated file", pt.substr(0, pt.size() / 2), "torchscript");
  ExpectRefused("a truncated file", onnx.substr(0, onnx.size() / 2), "onnx");
  ExpectRefused("a truncated file", booster.substr(0, booster.size() / 2), "xgboost_json");
  ExpectRefused("a JSON file", booster, "torchscript");
  ExpectRefused("a zip bomb", Zip({{"archive/data.pkl", std::string(128u << 20, '\0')}}),
                "torchscript");
  ExpectRefused("a zip of garbage",
                Zip({{"archive/data.pkl", RandomBytes(2000, 4)},
                     {"archive/constants.pkl", RandomBytes(300, 5)},
                     {"archive/version", "3\n"}}),
                "torchscript");
  ExpectRefused("a TorchScript file", pt, "onnx");
  ExpectRefused("an XGBoost model", booster, "onnx");
  ExpectRefused("an ONNX model", onnx, "xgboost_json");
  ExpectRefused("a TorchScript file", pt, "xgboost_json");
  ExpectRefused("a deeply nested JSON file", "{\"a\":" + std::string(100000, '[') + "}",
                "xgboost_json");
  // This one segfaults XGBoost: only the checker dies.
  std::string crash =
      ExpectRefused("a booster that walks off its tree", CrashingBooster(), "xgboost_json");
  EXPECT_NE(crash.find("crashed the checker (signal 11)"), std::string::npos) << crash;

  Response list = Get("/models");
  ASSERT_EQ(list.status, 200);
  EXPECT_TRUE(list.body["items"].empty()) << list.raw;
  // Still a working server: a good file imports.
  EXPECT_EQ(Import("after", onnx, "onnx").status, 201);
}

TEST_F(ModelImportTest, BadRequestsAreRefusedBeforeAnyCheck) {
  const std::string onnx = Fixture("tiny_linear.onnx");
  auto expect_400 = [&](Response r, const std::string& part) {
    EXPECT_EQ(r.status, 400) << r.raw;
    EXPECT_NE(r.body["error"].value("message", "").find(part), std::string::npos) << r.raw;
  };
  expect_400(Import("m", onnx, ""), "field 'format' is required");
  expect_400(Import("m", onnx, "pickle"), "formats: torchscript, onnx, xgboost_json");
  expect_400(Import("m", onnx, "onnx", "m.onnx", {{"task", "ranking"}}), "unknown task");
  expect_400(Import("m", onnx, "onnx", "m.onnx", {{"signature", "{not json"}}),
             "signature is not valid JSON");
  expect_400(Import("m", onnx, "onnx", "m.onnx", {{"signature", R"({"inputs":{}})"}}),
             "signature.inputs must be an array");
  expect_400(Import("m", onnx, "onnx", "m.onnx", {{"weights", "1"}}), "unknown field 'weights'");
  expect_400(Import("Bad..Name", onnx, "onnx"), "");
  expect_400(Import("m@2", onnx, "onnx"), "names a version");
  httplib::MultipartFormDataItems no_file = {{"format", "onnx", "", ""}};
  auto res = client_->Post("/api/v1/projects/demo/models/m/versions",
                           httplib::Headers{{"Authorization", "Bearer " + token_}}, no_file);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400) << res->body;
  EXPECT_EQ(Get("/models/m").status, 404);

  // Viewers may not import; unknown projects are not found.
  ASSERT_EQ(Send(*client_, "POST", "/api/v1/users", token_, R"({"name":"val"})").status, 201);
  ASSERT_EQ(
      Send(*client_, "PUT", "/api/v1/projects/demo/members/val", token_, R"({"role":"viewer"})")
          .status,
      200);
  Response t = Send(*client_, "POST", "/api/v1/tokens", token_, R"({"name":"v","user":"val"})");
  ASSERT_EQ(t.status, 201) << t.raw;
  EXPECT_EQ(Import("m", onnx, "onnx", "m.onnx", {}, t.body["token"]).status, 403);
  auto other = client_->Post(
      "/api/v1/projects/nope/models/m/versions",
      httplib::Headers{{"Authorization", "Bearer " + token_}},
      httplib::MultipartFormDataItems{{"file", onnx, "m.onnx", ""}, {"format", "onnx", "", ""}});
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 404);
}

TEST(ModelImportLimitTest, AnUploadOverTheServersLimitIs413) {
  ServerOptions options;
  options.extra_args = {"--max-upload-bytes", "100000"};
  ServerProcess server(options);
  server.Start();
  auto client = server.Client();
  const std::string token = server.admin_token();
  ASSERT_EQ(Send(*client, "POST", "/api/v1/projects", token, R"({"name":"demo"})").status, 201);
  auto res =
      client->Post("/api/v1/projects/demo/models/big/versions",
                   httplib::Headers{{"Authorization", "Bearer " + token}},
                   httplib::MultipartFormDataItems{{"file", RandomBytes(300000, 9), "big.pt", ""},
                                                   {"format", "torchscript", "", ""}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413) << res->body;
  EXPECT_EQ(Send(*client, "GET", "/healthz", "").status, 200);
  EXPECT_EQ(Send(*client, "GET", "/api/v1/projects/demo/models/big", token).status, 404);
}

// `easel model import` as a user runs it.
TEST_F(ModelImportTest, TheCliImportsAFile) {
  TempDir dir;
  const fs::path file = dir.path() / "tiny.onnx";
  std::ofstream(file, std::ios::binary) << Fixture("tiny_linear.onnx");
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"model", "import"});
    args.insert(args.end(), {"-p", "demo"});
    CliResult r = RunCli(dir.path(), server_.url(), token_, std::move(args));
    return std::make_tuple(r.code, r.out, r.err);
  };
  auto [code, stdout_text, stderr_text] = run({"cli-model", file.string(), "--task", "multiclass"});
  EXPECT_EQ(code, 0) << stderr_text;
  EXPECT_EQ(stdout_text, "Imported cli-model v1 (onnx; 1 input(s), 1 output(s))\n");

  const std::string signature =
      R"({"inputs":[{"name":"features","shape":[-1,4]}],"outputs":[{"name":"p"}]})";
  auto [code2, json_text, err2] =
      run({"cli-model", file.string(), "--format", "onnx", "--signature", signature, "--json"});
  EXPECT_EQ(code2, 0) << err2;
  Json v = Json::parse(json_text, nullptr, false);
  EXPECT_EQ(v["version"], 2) << json_text;
  EXPECT_EQ(v["signature"], Json::parse(signature));

  auto [code3, out3, err3] = run({"cli-model", file.string(), "--format", "xgboost_json"});
  EXPECT_EQ(code3, 1);
  EXPECT_NE(err3.find("the uploaded file is not a valid xgboost_json model"), std::string::npos)
      << err3;
}

}  // namespace
}  // namespace easel::testing
