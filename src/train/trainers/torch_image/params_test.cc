#include "train/trainers/torch_image/params.h"

#include <gtest/gtest.h>

#include "data/transforms/pipeline.h"
#include "train/trainers/torch_image/model_spec.h"

namespace easel::train::torch_image {
namespace {

TEST(ParamsTest, SchemaListsEveryParameterWithDefaultsAndDescriptions) {
  Json schema = ImageParamsSchema();
  EXPECT_EQ(schema["type"], "object");
  const Json& props = schema["properties"];
  for (const char* name :
       {"arch", "width", "input_size", "grayscale", "epochs", "batch_size", "optimizer",
        "learning_rate", "weight_decay", "momentum", "schedule", "warmup_epochs", "label_smoothing",
        "augment", "early_stopping_patience", "workers"}) {
    ASSERT_TRUE(props.contains(name)) << name;
    EXPECT_TRUE(props[name].contains("default")) << name;
    EXPECT_TRUE(props[name].contains("type")) << name;
    EXPECT_FALSE(props[name]["description"].get<std::string>().empty()) << name;
  }
  EXPECT_EQ(props["arch"]["enum"],
            Json::array({"resnet18", "resnet34", "resnet50", "mobilenet_v2"}));
  EXPECT_EQ(props["width"]["minimum"], 0.25);
  EXPECT_EQ(props["width"]["maximum"], 2.0);
  EXPECT_EQ(props["input_size"]["minimum"], 32);
  EXPECT_EQ(props["input_size"]["maximum"], 1024);
  EXPECT_EQ(props["label_smoothing"]["maximum"], 0.5);
}

TEST(ParamsTest, DefaultsAndOverrides) {
  Result<ImageParams> d = ParseImageParams(Json());
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->arch, "resnet18");
  EXPECT_EQ(d->input_size, 224);
  EXPECT_EQ(d->workers, 2);
  EXPECT_EQ(d->channels(), 3);

  Result<ImageParams> p = ParseImageParams(Json{{"arch", "mobilenet_v2"},
                                                {"width", 0.5},
                                                {"input_size", 32},
                                                {"grayscale", true},
                                                {"optimizer", "sgd"},
                                                {"label_smoothing", 0.1},
                                                {"epochs", nullptr}});
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->arch, "mobilenet_v2");
  EXPECT_EQ(p->width, 0.5);
  EXPECT_EQ(p->input_size, 32);
  EXPECT_EQ(p->channels(), 1);
  EXPECT_EQ(p->optimizer, "sgd");
  EXPECT_EQ(p->epochs, 10);  // null: the default
  EXPECT_EQ(ImageParamsToJson(*p)["label_smoothing"], 0.1);
}

TEST(ParamsTest, BadParamsNameTheParameter) {
  struct Case {
    Json params;
    std::string param;
    std::string message;
  };
  const Case cases[] = {
      {{{"arch", "vgg16"}}, "arch", "must be one of resnet18, resnet34, resnet50, mobilenet_v2"},
      {{{"width", 3}}, "width", "must be a number in [0.25, 2]"},
      {{{"input_size", 16}}, "input_size", "must be an integer in [32, 1024]"},
      {{{"input_size", 32.5}}, "input_size", "must be an integer"},
      {{{"input_size", 64.0}}, "input_size", "must be an integer"},
      {{{"grayscale", "yes"}}, "grayscale", "must be a boolean"},
      {{{"label_smoothing", 0.7}}, "label_smoothing", "must be a number in"},
      {{{"schedule", "linear"}}, "schedule", "must be one of"},
      {{{"batch_size", 0}}, "batch_size", "must be an integer in"},
      {{{"initial_weights", "/etc/passwd"}},
       "initial_weights",
       "is not a parameter of this algorithm; known parameters:"},
  };
  for (const Case& c : cases) {
    Result<ImageParams> p = ParseImageParams(c.params);
    ASSERT_FALSE(p.ok()) << c.params.dump();
    EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(p.status().message().find(c.message), std::string::npos) << p.status().ToString();
    EXPECT_EQ(p.status().details()["param"], c.param);
  }
  EXPECT_EQ(ParseImageParams(Json::array()).status().code(), StatusCode::kInvalidArgument);
}

data::transforms::Pipeline MakePipeline(const ImageParams& p) {
  Result<data::transforms::Pipeline> pipeline = data::transforms::Pipeline::Create(
      ImagePipelineSpec(p), data::DatasetType::kImageClassification, {});
  EXPECT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  return std::move(pipeline).value();
}

TEST(ParamsTest, PipelineSpecsAreValidForEveryRegime) {
  for (bool augment : {false, true}) {
    for (int size : {32, 96}) {
      for (bool gray : {false, true}) {
        ImageParams p;
        p.augment = augment;
        p.input_size = size;
        p.grayscale = gray;
        data::transforms::Pipeline pipeline = MakePipeline(p);
        EXPECT_EQ(pipeline.image_channels(), gray ? 1 : 3);
        const Json& steps = pipeline.spec()["steps"];
        bool has_random = false;
        for (const Json& s : steps) {
          std::string op = s["op"];
          has_random |=
              op == "random_resized_crop" || op == "random_crop" || op == "horizontal_flip";
          if (op == "random_resized_crop") {
            EXPECT_GE(size, 64);
          }
          if (op == "random_crop") {
            EXPECT_LT(size, 64);
          }
        }
        EXPECT_EQ(has_random, augment);
        EXPECT_EQ(steps.back()["op"], "normalize");
      }
    }
  }
}

TEST(ModelSpecTest, RoundTripsAndRejectsOtherFormats) {
  ModelSpec spec;
  spec.net = NetConfig{
      .arch = "mobilenet_v2", .width = 0.5, .input_size = 48, .channels = 1, .num_classes = 2};
  spec.classes = {"cat", "dog"};
  spec.pipeline = Json{{"format", 1}};
  Json doc = ModelSpecToJson(spec);
  EXPECT_EQ(doc["format"], "torch_image");
  EXPECT_EQ(doc["stem"], "cifar");
  Result<ModelSpec> back = ParseModelSpec(doc.dump());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->net.arch, "mobilenet_v2");
  EXPECT_EQ(back->net.width, 0.5);
  EXPECT_EQ(back->net.input_size, 48);
  EXPECT_EQ(back->net.channels, 1);
  EXPECT_EQ(back->net.num_classes, 2);
  EXPECT_EQ(back->classes, spec.classes);

  doc["format"] = "xgboost";
  EXPECT_EQ(ParseModelSpec(doc.dump()).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseModelSpec("{").status().code(), StatusCode::kInvalidArgument);
  doc["format"] = "torch_image";
  doc.erase("classes");
  EXPECT_EQ(ParseModelSpec(doc.dump()).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace easel::train::torch_image
