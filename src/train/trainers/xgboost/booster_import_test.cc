#include "train/trainers/xgboost/booster_import.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "testing/temp_dir.h"
#include "train/trainers/xgboost/xgb_api.h"

namespace easel::train::xgboost {
namespace {

namespace fs = std::filesystem;

// A booster trained for three rounds on 40 rows of 4 features, saved as XGBoost JSON.
std::string TinyBooster(const std::string& objective, int num_class,
                        const std::vector<std::string>& names = {}) {
  data::transforms::FeatureMatrix x;
  x.rows = 40;
  x.cols = 4;
  std::vector<float> y;
  std::mt19937 gen(3);
  std::uniform_real_distribution<float> u(0, 1);
  for (size_t r = 0; r < x.rows; ++r) {
    for (size_t c = 0; c < x.cols; ++c) x.data.push_back(u(gen));
    y.push_back(num_class > 1 ? static_cast<float>(r % num_class) : x.data[r * 4] > 0.5f);
  }
  auto m = DMatrix::FromFeatures(x, 1);
  EXPECT_TRUE(m.ok());
  EXPECT_TRUE(m->SetLabels(y).ok());
  if (!names.empty()) {
    EXPECT_TRUE(m->SetFeatureNames(names).ok());
  }
  const DMatrix* cache[] = {&*m};
  auto b = Booster::Create(cache);
  EXPECT_TRUE(b.ok());
  EXPECT_TRUE(b->SetParam("objective", objective).ok());
  if (num_class > 1) {
    EXPECT_TRUE(b->SetParam("num_class", std::to_string(num_class)).ok());
  }
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(b->UpdateOneIter(i, *m).ok());
  if (!names.empty()) {
    // The booster keeps names only when told, as XGBoost's Python package does.
    std::vector<const char*> c_names;
    for (const std::string& n : names) c_names.push_back(n.c_str());
    EXPECT_EQ(XGBoosterSetStrFeatureInfo(b->get(), "feature_name", c_names.data(), c_names.size()),
              0);
  }
  auto json = b->SaveModel("json");
  EXPECT_TRUE(json.ok());
  return json.ok() ? *json : "";
}

class BoosterImportTest : public ::testing::Test {
 protected:
  fs::path Write(const std::string& bytes) {
    fs::path p = dir_.path() / fmt::format("m{}.json", files_++);
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }
  // The refusal's sentence, which names neither our path nor XGBoost's source files.
  std::string Refusal(const std::string& bytes) {
    auto r = CheckBoosterJsonFile(Write(bytes));
    EXPECT_FALSE(r.ok());
    if (r.ok()) return "";
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    const std::string& m = r.status().message();
    EXPECT_EQ(m.find(dir_.path().string()), std::string::npos) << m;
    EXPECT_EQ(m.find(".cc:"), std::string::npos) << m;
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
    return m;
  }
  testing::TempDir dir_;
  int files_ = 0;
};

TEST_F(BoosterImportTest, BinaryModelsNameTheirFeaturesAndGiveAProbability) {
  auto r = CheckBoosterJsonFile(Write(TinyBooster("binary:logistic", 1, {"a", "b", "c", "d"})));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Json& sig = (*r)["signature"];
  ASSERT_EQ(sig["inputs"].size(), 4u);
  EXPECT_EQ(sig["inputs"][2], Json::parse(R"({"name":"c","datatype":"FP32","shape":[-1]})"));
  EXPECT_EQ(sig["outputs"],
            Json::parse(R"([{"name":"probability","datatype":"FP32","shape":[-1]}])"));
  const Json& info = (*r)["info"];
  EXPECT_EQ(info["objective"], "binary:logistic");
  EXPECT_EQ(info["num_features"], 4);
  EXPECT_EQ(info["rounds"], 3);
  EXPECT_EQ(info["booster"], "gbtree");
  EXPECT_EQ(info["task"], "binary");
}

TEST_F(BoosterImportTest, MulticlassModelsGiveOneProbabilityPerClass) {
  auto r = CheckBoosterJsonFile(Write(TinyBooster("multi:softprob", 3)));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)["signature"]["inputs"][0]["name"], "f0");
  EXPECT_EQ((*r)["signature"]["outputs"][0],
            Json::parse(R"({"name":"probabilities","datatype":"FP32","shape":[-1,3]})"));
  EXPECT_EQ((*r)["info"]["num_class"], 3);
  EXPECT_EQ((*r)["info"]["task"], "multiclass");
}

TEST_F(BoosterImportTest, RegressionModelsGiveAPrediction) {
  auto r = CheckBoosterJsonFile(Write(TinyBooster("reg:squarederror", 1)));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)["signature"]["outputs"][0]["name"], "prediction");
  EXPECT_EQ((*r)["info"]["task"], "regression");
}

TEST_F(BoosterImportTest, HostileFilesAreRefusedWithASentence) {
  EXPECT_EQ(Refusal(""), "the file is empty");
  std::string random(4096, '\0');
  std::mt19937 gen(5);
  for (char& c : random) c = static_cast<char>(gen());
  random[0] = 'P';  // never a '{' by chance
  EXPECT_EQ(Refusal(random), "it is not a JSON object, and XGBoost JSON models are");
  EXPECT_EQ(Refusal("PK\x03\x04 a zip, as a TorchScript file is"),
            "it is not a JSON object, and XGBoost JSON models are");
  EXPECT_EQ(Refusal(std::string(100, '[')), "it is not a JSON object, and XGBoost JSON models are");
  EXPECT_EQ(Refusal("{\"a\":" + std::string(100, '[') + std::string(100, ']') + "}"),
            "its JSON is nested more than 32 deep");
  EXPECT_EQ(Refusal(R"({"inputs": [1, 2]})").rfind("XGBoost cannot load it: ", 0), 0u);
  std::string valid = TinyBooster("binary:logistic", 1);
  EXPECT_EQ(Refusal(valid.substr(0, valid.size() / 2)).rfind("XGBoost cannot load it: ", 0), 0u);
  EXPECT_EQ(CheckBoosterJsonFile(dir_.path() / "missing.json").status().message(),
            "the file cannot be read");
}

}  // namespace
}  // namespace easel::train::xgboost
