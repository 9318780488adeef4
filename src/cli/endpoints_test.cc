// The endpoint and predict commands in-process against a stand-in server that answers the
// shapes of API.md "Endpoints (online serving)", so the requests they send (routes, PATCH
// bodies, the binary tensor extension) and what they print are pinned down independently of
// the real serving code.

#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <thread>

#include "cli/test_support.h"
#include "testing/temp_dir.h"

namespace easel::cli {
namespace {

Json Endpoint(const std::string& name) {
  return {
      {"name", name},
      {"id", "ep1"},
      {"state", "ready"},
      {"routes",
       {{{"model", "iris"}, {"version", 1}, {"weight", 3.0}, {"format", "native"}, {"pending", 0}},
        {{"model", "iris"},
         {"version", 2},
         {"weight", 1.0},
         {"format", "native"},
         {"pending", 2}}}},
      {"instances", 1},
      {"max_batch_size", 32},
      {"max_queue_delay_us", 500},
      {"max_queue_size", 1024},
      {"device", "cpu"},
      {"created_by", "u1"},
      {"created_at", "2026-01-01T00:00:00Z"},
      {"updated_at", "2026-01-01T00:00:00Z"}};
}

class FakeServingServer : public StandInServer {
 public:
  FakeServingServer() {
    const std::string endpoints = "/api/v1/projects/p/endpoints";
    server_.Post(endpoints, [this](const httplib::Request& req, httplib::Response& res) {
      last_body_ = Json::parse(req.body);
      res.status = 201;
      res.set_content(Endpoint(last_body_["name"]).dump(), "application/json");
    });
    server_.Get(endpoints, [](const httplib::Request&, httplib::Response& res) {
      res.set_content(Json{{"items", {Endpoint("e1")}}, {"next_page_token", ""}}.dump(),
                      "application/json");
    });
    server_.Get(endpoints + "/e1", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(Endpoint("e1").dump(), "application/json");
    });
    server_.Get(endpoints + "/nope", [](const httplib::Request&, httplib::Response& res) {
      res.status = 404;
      res.set_content(
          R"({"error": {"code": "NOT_FOUND", "message": "endpoint 'nope' does not exist"}})",
          "application/json");
    });
    server_.Patch(endpoints + "/e1", [this](const httplib::Request& req, httplib::Response& res) {
      last_body_ = Json::parse(req.body);
      res.set_content(Endpoint("e1").dump(), "application/json");
    });
    server_.Delete(endpoints + "/e1",
                   [](const httplib::Request&, httplib::Response& res) { res.status = 204; });
    // e1 is a classifier; "reg" a regressor served at version 2.
    server_.Post("/v2/models/e1/infer",
                 [this](const httplib::Request& req, httplib::Response& res) {
                   Record(req);
                   res.set_content(R"({"model_name": "e1", "model_version": "1", "outputs": [
          {"name": "probabilities", "datatype": "FP32", "shape": [2, 3],
           "data": [0.1, 0.7, 0.2, 0.05, 0.05, 0.9]},
          {"name": "label", "datatype": "BYTES", "shape": [2],
           "data": ["versicolor", "virginica"]}]})",
                                   "application/json");
                 });
    server_.Post("/v2/models/reg/versions/2/infer",
                 [this](const httplib::Request& req, httplib::Response& res) {
                   Record(req);
                   res.set_content(R"({"model_name": "reg", "model_version": "2", "outputs": [
          {"name": "value", "datatype": "FP32", "shape": [1], "data": [23.450000762939453]}]})",
                                   "application/json");
                 });
    Start();
  }
  ~FakeServingServer() { Stop(); }

  const Json& last_body() const { return last_body_; }
  const std::string& raw_body() const { return raw_body_; }
  const std::string& header_length() const { return header_length_; }

 private:
  void Record(const httplib::Request& req) {
    raw_body_ = req.body;
    header_length_ = req.get_header_value("Inference-Header-Content-Length");
  }

  Json last_body_;
  std::string raw_body_;
  std::string header_length_;
};

class EndpointCommandsTest : public ::testing::Test {
 protected:
  CliRun Run(std::vector<std::string> args) {
    args.insert(args.end(), {"--server", server_.url(), "--token", "t"});
    if (args[0] == "endpoint") args.insert(args.end(), {"-p", "p"});
    return RunCli(std::move(args));
  }

  std::string WriteFile(const std::string& name, const std::string& contents) {
    std::string path = (dir_.path() / name).string();
    std::ofstream(path, std::ios::binary) << contents;
    return path;
  }

  FakeServingServer server_;
  testing::TempDir dir_;
};

TEST_F(EndpointCommandsTest, CreatePairsWeightsWithModelsByPosition) {
  CliRun r = Run(
      {"endpoint",  "create",      "e1",    "--model",          "iris@1", "-m",
       "iris@prod", "-m",          "other", "--weight",         "3",      "-w",
       "0.5",       "--instances", "2",     "--max-batch-size", "16",     "--max-queue-delay-us",
       "0",         "--device",    "cuda"});
  ASSERT_EQ(r.exit_code, kExitOk) << r.err;
  EXPECT_EQ(server_.last_body(), Json::parse(R"({"name": "e1",
      "routes": [{"model": "iris", "version": 1, "weight": 3.0},
                 {"model": "iris", "version": "prod", "weight": 0.5},
                 {"model": "other"}],
      "instances": 2, "max_batch_size": 16, "max_queue_delay_us": 0, "device": "cuda"})"));
  EXPECT_NE(r.out.find("Routes:           iris v1 (w 3, native), iris v2 (w 1, native, 2 queued)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("Max queue delay:  500 us"), std::string::npos) << r.out;
}

TEST_F(EndpointCommandsTest, CreateMistakesAreUsageErrors) {
  for (std::vector<std::string> args : {
           std::vector<std::string>{"endpoint", "create", "e1", "-m", "a", "-w", "1", "-w", "2"},
           {"endpoint", "create", "e1", "-m", "a@"},
           {"endpoint", "create", "e1", "-m", "@1"},
           {"endpoint", "create", "e1"},
           {"endpoint", "create", "e1", "-m", "a", "-w", "0"},
           {"endpoint", "create", "e1", "-m", "a", "--device", "tpu"},
       }) {
    CliRun r = Run(args);
    EXPECT_EQ(r.exit_code, kExitUsage) << args.back() << "\n" << r.err;
  }
}

TEST_F(EndpointCommandsTest, UpdateSendsOnlyWhatWasGiven) {
  CliRun r = Run({"endpoint", "update", "e1", "--max-batch-size", "8", "--json"});
  ASSERT_EQ(r.exit_code, kExitOk) << r.err;
  EXPECT_EQ(server_.last_body(), (Json{{"max_batch_size", 8}}));
  EXPECT_EQ(Json::parse(r.out)["name"], "e1");

  r = Run({"endpoint", "update", "-m", "iris@2", "e1"});  // NAME after a --model
  ASSERT_EQ(r.exit_code, kExitOk) << r.err;
  EXPECT_EQ(server_.last_body(), Json::parse(R"({"routes": [{"model": "iris", "version": 2}]})"));

  CliRun nothing = Run({"endpoint", "update", "e1"});
  EXPECT_EQ(nothing.exit_code, kExitUsage) << nothing.err;
}

TEST_F(EndpointCommandsTest, UpdateWithOnlyWeightsReweightsTheCurrentRoutes) {
  CliRun r = Run({"endpoint", "update", "-w", "1", "-w", "9", "e1"});
  ASSERT_EQ(r.exit_code, kExitOk) << r.err;
  EXPECT_EQ(server_.last_body(), Json::parse(R"({"routes": [
      {"model": "iris", "version": 1, "weight": 1.0},
      {"model": "iris", "version": 2, "weight": 9.0}]})"));

  CliRun wrong = Run({"endpoint", "update", "e1", "-w", "1"});
  EXPECT_EQ(wrong.exit_code, kExitUsage) << wrong.err;
  EXPECT_NE(wrong.err.find("the endpoint has 2 route(s)"), std::string::npos) << wrong.err;
}

TEST_F(EndpointCommandsTest, ListShowAndDelete) {
  CliRun list = Run({"endpoint", "list"});
  ASSERT_EQ(list.exit_code, kExitOk) << list.err;
  EXPECT_EQ(list.out,
            "NAME   STATE   ROUTES                         BATCH   INSTANCES\n"
            "e1     ready   iris v1 (w 3), iris v2 (w 1)   32      1\n");

  CliRun show = Run({"endpoint", "show", "e1"});
  ASSERT_EQ(show.exit_code, kExitOk) << show.err;
  EXPECT_EQ(show.out.rfind("Name:             e1\n", 0), 0u) << show.out;

  CliRun missing = Run({"endpoint", "show", "nope"});
  EXPECT_EQ(missing.exit_code, kExitFailed);
  EXPECT_NE(missing.err.find("endpoint 'nope' does not exist (NOT_FOUND)"), std::string::npos);

  CliRun del = Run({"endpoint", "delete", "e1"});
  ASSERT_EQ(del.exit_code, kExitOk) << del.err;
  EXPECT_EQ(del.out, "Deleted endpoint e1\n");
}

TEST_F(EndpointCommandsTest, PredictCsvSendsRowsAndPrintsTheTopClass) {
  std::string csv = WriteFile("rows.csv", "sepal_length,kind\n5.1,a\n6.3,\n");
  CliRun r = Run({"predict", "e1", "--input", csv});
  ASSERT_EQ(r.exit_code, kExitOk) << r.err;
  EXPECT_EQ(server_.header_length(), "");
  EXPECT_EQ(Json::parse(server_.raw_body()), Json::parse(R"({"inputs": [{"name": "rows",
      "datatype": "BYTES", "shape": [2],
      "data": ["{\"kind\":\"a\",\"sepal_length\":5.1}", "{\"kind\":null,\"sepal_length\":6.3}"]}]})"));
  EXPECT_EQ(r.out,
            "ROW   LABEL        PROBABILITY\n"
            "0     versicolor   0.7000\n"
            "1     virginica    0.9000\n");

  CliRun json = Run({"predict", "e1", "-i", csv, "--json"});
  ASSERT_EQ(json.exit_code, kExitOk) << json.err;
  EXPECT_EQ(Json::parse(json.out)["model_name"], "e1");
}

TEST_F(EndpointCommandsTest, PredictImageUsesTheBinaryExtension) {
  std::string image = WriteFile("cat.png", std::string("\x89PNG\r\n\0\0", 8));
  CliRun r = Run({"predict", "reg", "-i", image, "--version", "2"});
  ASSERT_EQ(r.exit_code, kExitOk) << r.err;
  const size_t n = std::stoul(server_.header_length());
  EXPECT_EQ(Json::parse(server_.raw_body().substr(0, n))["inputs"][0]["parameters"],
            (Json{{"binary_data_size", 12}}));
  EXPECT_EQ(server_.raw_body().substr(n), std::string("\x08\0\0\0\x89PNG\r\n\0\0", 12));
  EXPECT_EQ(r.out,
            "ROW   VALUE\n"
            "0     23.45\n");
}

TEST_F(EndpointCommandsTest, PredictInputMistakesAreUsageErrors) {
  std::string text = WriteFile("rows.txt", "a\n1\n");
  std::string bad_csv = WriteFile("bad.csv", "a,b\n1\n");
  for (std::vector<std::string> args : {
           std::vector<std::string>{"predict", "e1", "-i", text},
           {"predict", "e1", "-i", bad_csv},
           {"predict", "e1", "-i", (dir_.path() / "missing.json").string()},
           {"predict", "e1", "-i", bad_csv, "--version", "latest"},
           {"predict", "e1"},
       }) {
    CliRun r = Run(args);
    EXPECT_EQ(r.exit_code, kExitUsage) << args.back() << "\n" << r.err;
  }
  CliRun r = Run({"predict", "e1", "-i", bad_csv});
  EXPECT_NE(r.err.find("bad.csv: line 2 has 1 cells; the header has 2"), std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace easel::cli
