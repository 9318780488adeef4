// The import checks as `easel model-check` runs them: the ONNX check on the checked-in
// fixture, the ONNX graph reader, and the dispatch. The TorchScript and XGBoost checks have
// their own tests beside them (trainers/torch_common, trainers/xgboost).

#include "train/model_check.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "common/files.h"
#include "testing/temp_dir.h"
#include "train/onnx_check.h"
#include "train/onnx_graph.h"

namespace easel::train {
namespace {

namespace fs = std::filesystem;

// tests/testdata/models, found from this file's own path (the fixture's README says how it was
// made).
fs::path Fixture(const char* name) {
  return fs::path(__FILE__).parent_path().parent_path().parent_path() / "tests" / "testdata" /
         "models" / name;
}

std::string FixtureBytes(const char* name) {
  auto bytes = ReadFile(Fixture(name));
  EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
  return bytes.ok() ? *bytes : "";
}

class ModelCheckTest : public ::testing::Test {
 protected:
  fs::path Write(const std::string& bytes) {
    fs::path p = dir_.path() / fmt::format("f{}", n_++);
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }
  std::string Refusal(std::string_view format, const std::string& bytes) {
    auto r = CheckModelFile(format, Write(bytes));
    EXPECT_FALSE(r.ok());
    if (r.ok()) return "";
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().message().find(dir_.path().string()), std::string::npos);
    EXPECT_EQ(r.status().message().find(".cpp:"), std::string::npos) << r.status().message();
    return r.status().message();
  }
  testing::TempDir dir_;
  int n_ = 0;
};

TEST_F(ModelCheckTest, OnnxModelsGiveTheirDeclaredSignature) {
  auto r = CheckModelFile("onnx", Fixture("tiny_linear.onnx"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)["signature"]["inputs"],
            Json::parse(R"([{"name":"features","datatype":"FP32","shape":[-1,4]}])"));
  EXPECT_EQ((*r)["signature"]["outputs"],
            Json::parse(R"([{"name":"probabilities","datatype":"FP32","shape":[-1,3]}])"));
  const Json& info = (*r)["info"];
  EXPECT_EQ(info["opset"], 11);
  EXPECT_EQ(info["inputs_declared"], true);
  EXPECT_EQ(info["producer"], "pytorch 1.13.0");
  EXPECT_GT(info["layers"].get<int>(), 0);
}

TEST_F(ModelCheckTest, TheGraphReaderSkipsInitializersAndReadsShapes) {
  auto g = ReadOnnxGraph(FixtureBytes("tiny_linear.onnx"));
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_GT(g->ir_version, 0);
  ASSERT_EQ(g->inputs.size(), 1u);  // linear.weight and linear.bias are initializers
  EXPECT_EQ(g->inputs[0].name, "features");
  EXPECT_EQ(g->inputs[0].elem_type, 1);
  EXPECT_EQ(g->inputs[0].shape, (std::vector<int64_t>{-1, 4}));
  ASSERT_EQ(g->outputs.size(), 1u);
  EXPECT_EQ(g->outputs[0].name, "probabilities");
  EXPECT_EQ(OnnxDatatype(7), "INT64");
  EXPECT_EQ(OnnxDatatype(99), "OTHER");
}

TEST_F(ModelCheckTest, TheGraphReaderRefusesMalformedBytes) {
  EXPECT_FALSE(ReadOnnxGraph("").ok());
  EXPECT_FALSE(ReadOnnxGraph("\x08").ok());                                  // a key, then nothing
  EXPECT_FALSE(ReadOnnxGraph(std::string("\x3a\xff\xff\xff\x0f", 5)).ok());  // length past end
  EXPECT_FALSE(ReadOnnxGraph(std::string("\x0b", 1)).ok());                  // group wire type
  std::string valid = FixtureBytes("tiny_linear.onnx");
  for (size_t cut : {size_t{3}, valid.size() / 3, valid.size() / 2, valid.size() - 1}) {
    EXPECT_FALSE(ReadOnnxGraph(valid.substr(0, cut)).ok()) << cut;
  }
}

TEST_F(ModelCheckTest, HostileOnnxFilesAreRefused) {
  std::string random(4096, '\0');
  std::mt19937 gen(11);
  for (char& c : random) c = static_cast<char>(gen());
  EXPECT_EQ(Refusal("onnx", ""), "the file is empty");
  EXPECT_FALSE(Refusal("onnx", random).empty());
  std::string valid = FixtureBytes("tiny_linear.onnx");
  EXPECT_FALSE(Refusal("onnx", valid.substr(0, valid.size() / 2)).empty());
  EXPECT_FALSE(Refusal("onnx", R"({"learner": {"objective": {}}})").empty());
  EXPECT_FALSE(Refusal("onnx", FixtureBytes("tiny_booster.json")).empty());
  EXPECT_FALSE(Refusal("onnx", FixtureBytes("tiny_linear.pt")).empty());
}

TEST_F(ModelCheckTest, EachFormatRefusesTheOthersFiles) {
  EXPECT_FALSE(Refusal("torchscript", FixtureBytes("tiny_linear.onnx")).empty());
  EXPECT_FALSE(Refusal("torchscript", FixtureBytes("tiny_booster.json")).empty());
  EXPECT_FALSE(Refusal("xgboost_json", FixtureBytes("tiny_linear.onnx")).empty());
  EXPECT_FALSE(Refusal("xgboost_json", FixtureBytes("tiny_linear.pt")).empty());
}

TEST_F(ModelCheckTest, DispatchesByFormat) {
  auto ts = CheckModelFile("torchscript", Fixture("tiny_linear.pt"));
  ASSERT_TRUE(ts.ok()) << ts.status().ToString();
  EXPECT_EQ((*ts)["signature"]["inputs"][0]["name"], "features");
  auto xgb = CheckModelFile("xgboost_json", Fixture("tiny_booster.json"));
  ASSERT_TRUE(xgb.ok()) << xgb.status().ToString();
  EXPECT_EQ((*xgb)["signature"]["inputs"][1]["name"], "petal");
  EXPECT_EQ((*xgb)["info"]["rounds"], 4);

  auto unknown = CheckModelFile("pickle", Fixture("tiny_linear.pt"));
  EXPECT_EQ(unknown.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckModelFile("onnx", dir_.path()).status().message(), "the file cannot be read");
}

}  // namespace
}  // namespace easel::train
