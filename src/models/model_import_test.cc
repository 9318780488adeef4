#include "models/model_import.h"

#include <gtest/gtest.h>

namespace easel::models {
namespace {

using Fields = std::map<std::string, std::string>;

Status FieldsStatus(const Fields& f) { return ParseImportFields(f).status(); }

TEST(ModelImportTest, FormatsNameTheirFile) {
  EXPECT_EQ(ImportFormats(), (std::vector<std::string>{"torchscript", "onnx", "xgboost_json"}));
  EXPECT_EQ(*ImportFileName("torchscript"), "model.pt");
  EXPECT_EQ(*ImportFileName("onnx"), "model.onnx");
  EXPECT_EQ(*ImportFileName("xgboost_json"), "booster.json");
  auto bad = ImportFileName("pickle");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "unknown model format 'pickle'; formats: torchscript, onnx, xgboost_json");
}

TEST(ModelImportTest, ParsesTheFields) {
  auto r = ParseImportFields({{"format", "onnx"},
                              {"task", "multiclass"},
                              {"description", "from the lab"},
                              {"signature", R"({"inputs":[{"name":"x","datatype":"FP32",
                                "shape":[-1,4]}],"outputs":[{"name":"y"}],"classes":["a","b"]})"}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->format, "onnx");
  EXPECT_EQ(r->task, "multiclass");
  EXPECT_EQ(r->description, "from the lab");
  ASSERT_TRUE(r->signature.has_value());
  EXPECT_EQ((*r->signature)["inputs"][0]["shape"], Json::array({-1, 4}));

  auto defaults = ParseImportFields({{"format", "torchscript"}});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->task, "other");
  EXPECT_FALSE(defaults->signature.has_value());
}

TEST(ModelImportTest, RefusesBadFieldsNamingThem) {
  EXPECT_EQ(FieldsStatus({}).message(),
            "field 'format' is required: one of torchscript, onnx, xgboost_json");
  EXPECT_EQ(FieldsStatus({{"format", "onnx"}, {"task", "ranking"}}).details()["field"], "task");
  EXPECT_EQ(FieldsStatus({{"format", "onnx"}, {"weights", "x"}}).message(),
            "unknown field 'weights'; send file, format, signature, task, description");
  Status not_json = FieldsStatus({{"format", "onnx"}, {"signature", "{inputs"}});
  EXPECT_EQ(not_json.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(not_json.details()["field"], "signature");
  // Deep nesting stops at the parser.
  std::string deep = std::string(100, '[') + std::string(100, ']');
  EXPECT_EQ(FieldsStatus({{"format", "onnx"}, {"signature", deep}}).code(),
            StatusCode::kInvalidArgument);
}

TEST(ModelImportTest, SignaturesMustHaveTheirShape) {
  auto check = [](const char* text) { return ValidateSignature(Json::parse(text)); };
  EXPECT_TRUE(check(R"({"inputs":[],"outputs":[]})").ok());
  EXPECT_TRUE(check(R"({"inputs":[{"name":"x","shape":[1,-1]}],"outputs":[{"name":"y"}]})").ok());
  EXPECT_FALSE(check(R"([])").ok());
  EXPECT_FALSE(check(R"({"inputs":[]})").ok());
  EXPECT_FALSE(check(R"({"inputs":{},"outputs":[]})").ok());
  EXPECT_FALSE(check(R"({"inputs":["x"],"outputs":[]})").ok());
  EXPECT_FALSE(check(R"({"inputs":[{"name":""}],"outputs":[]})").ok());
  EXPECT_FALSE(check(R"({"inputs":[{"name":"x","datatype":3}],"outputs":[]})").ok());
  EXPECT_FALSE(check(R"({"inputs":[{"name":"x","shape":[-2]}],"outputs":[]})").ok());
  EXPECT_FALSE(check(R"({"inputs":[{"name":"x","shape":"1x4"}],"outputs":[]})").ok());
  EXPECT_FALSE(check(R"({"inputs":[],"outputs":[],"classes":[1]})").ok());
  EXPECT_FALSE(check(R"({"inputs":[],"outputs":[],"extra":1})").ok());
  Status named = check(R"({"inputs":[{"name":"x"},{"name":"y","shape":[0.5]}],"outputs":[]})");
  EXPECT_EQ(named.details()["field"], "signature.inputs[1]");
}

TEST(ModelImportTest, BuildsTheImportedVersion) {
  ModelImport import;
  import.format = "xgboost_json";
  import.task = "binary";
  import.file_name = "churn.json";
  import.description = "churn model";
  ModelCheckReport report;
  report.signature = {{"inputs", Json::array({{{"name", "f0"}}})}, {"outputs", Json::array()}};
  report.info = {{"objective", "binary:logistic"}};
  store::BlobInfo file{"aa", 1234}, descriptor{"bb", 56};

  NewModelVersion v = ImportedVersion(import, report, file, descriptor);
  EXPECT_EQ(v.algorithm, "import");
  EXPECT_EQ(v.format, "xgboost_json");
  EXPECT_EQ(v.task, "binary");
  EXPECT_EQ(v.params, Json::object());
  EXPECT_EQ(v.signature, report.signature);
  EXPECT_EQ(v.lineage,
            Json({{"imported", {{"file_name", "churn.json"}, {"size", 1234}, {"digest", "aa"}}}}));
  ASSERT_EQ(v.files.size(), 2u);
  EXPECT_EQ(v.files[0].first, "booster.json");
  EXPECT_EQ(v.files[0].second.digest, "aa");
  EXPECT_EQ(v.files[1].first, "model.json");
  EXPECT_EQ(v.description, "churn model");
  EXPECT_FALSE(v.dataset_id.has_value());

  import.signature = Json{{"inputs", Json::array()}, { "outputs", Json::array() }};
  EXPECT_EQ(ImportedVersion(import, report, file, descriptor).signature, *import.signature);

  EXPECT_EQ(ImportDescriptor(import, report), Json({{"format", "xgboost_json"},
                                                    {"imported", true},
                                                    {"file", "booster.json"},
                                                    {"info", report.info}}));
}

}  // namespace
}  // namespace easel::models
