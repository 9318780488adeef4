#include "train/ensemble.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "common/json.h"

namespace easel::train {
namespace {

using ::testing::DoubleNear;
using ::testing::ElementsAre;
using ::testing::FloatNear;
using ::testing::HasSubstr;
using ::testing::Pointwise;

// A tabular "model" whose files say which constant probabilities it answers.
class ConstantModel : public TabularPredictor {
 public:
  explicit ConstantModel(std::vector<float> row) : row_(std::move(row)) {}
  Result<std::vector<float>> Predict(data::transforms::FeatureView x) const override {
    std::vector<float> out;
    for (size_t r = 0; r < x.rows; ++r) out.insert(out.end(), row_.begin(), row_.end());
    return out;
  }
  size_t num_outputs() const override { return row_.size(); }

 private:
  std::vector<float> row_;
};

AlgorithmRegistry ConstantRegistry() {
  AlgorithmRegistry r;
  r.RegisterLoader(
       "constant",
       {.tabular = [](const ModelFiles& files) -> Result<std::unique_ptr<TabularPredictor>> {
         if (!files.contains("pipeline.json")) return DataLoss("no pipeline");
         EASEL_ASSIGN_OR_RETURN(Json row, ParseJson(files.at("model.json"), 4));
         return std::unique_ptr<TabularPredictor>(new ConstantModel(row.get<std::vector<float>>()));
       }})
      .IgnoreError();
  return r;
}

EnsembleMember Constant(std::vector<float> row, double weight, const std::string& pipeline = "{}") {
  return {"constant", weight, {{"model.json", Json(row).dump()}, {"pipeline.json", pipeline}}};
}

TEST(EnsembleTest, PackedMembersLoadAsOneWeightedModel) {
  auto files = PackEnsemble({Constant({1.0f, 0.0f}, 3), Constant({0.0f, 1.0f}, 1)});
  ASSERT_TRUE(files.ok()) << files.status().message();
  EXPECT_TRUE(files->contains("m0.model.json"));
  EXPECT_TRUE(files->contains("m1.model.json"));
  EXPECT_TRUE(files->contains("pipeline.json"));
  EXPECT_FALSE(files->contains("m0.pipeline.json"));
  EXPECT_EQ(EnsembleFormat({Constant({1.0f}, 1)}), kEnsembleFormat);
  EXPECT_EQ(EnsembleFormat({{"torch_image", 1, {{"model.json", "{}"}}}}), kImageEnsembleFormat);

  AlgorithmRegistry registry = ConstantRegistry();
  auto model = EnsembleLoader(registry, false).tabular(*files);
  ASSERT_TRUE(model.ok()) << model.status().message();
  data::transforms::FeatureMatrix x{2, 1, {0.0f, 0.0f}};
  auto p = (*model)->Predict(x);
  ASSERT_TRUE(p.ok());
  EXPECT_THAT(*p, Pointwise(FloatNear(1e-6), {0.75f, 0.25f, 0.75f, 0.25f}));
  EXPECT_EQ((*model)->num_outputs(), 2u);
}

// A stacker "model" that answers its own features, so a test sees what the ensemble fed it.
class EchoModel : public TabularPredictor {
 public:
  explicit EchoModel(size_t outputs) : outputs_(outputs) {}
  Result<std::vector<float>> Predict(data::transforms::FeatureView x) const override {
    if (x.cols != outputs_) return InvalidArgument("wrong width");
    return std::vector<float>(x.data.begin(), x.data.end());
  }
  size_t num_outputs() const override { return outputs_; }

 private:
  size_t outputs_;
};

TEST(EnsembleTest, AStackedEnsembleAnswersWhatItsStackerMakesOfTheMembersLogProbabilities) {
  AlgorithmRegistry registry = ConstantRegistry();
  registry
      .RegisterLoader(
          "echo",
          {.tabular = [](const ModelFiles& files) -> Result<std::unique_ptr<TabularPredictor>> {
            EASEL_ASSIGN_OR_RETURN(Json doc, ParseJson(files.at("model.json"), 4));
            return std::unique_ptr<TabularPredictor>(new EchoModel(doc["outputs"].get<size_t>()));
          }})
      .IgnoreError();
  const EnsembleStacker stacker{"echo", {{"model.json", R"({"outputs": 4})"}}};
  auto files = PackEnsemble({Constant({1.0f, 0.0f}, 1), Constant({0.25f, 0.75f}, 1)}, &stacker);
  ASSERT_TRUE(files.ok()) << files.status().message();
  EXPECT_TRUE(files->contains("stack.model.json"));
  auto model = EnsembleLoader(registry, false).tabular(*files);
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_EQ((*model)->num_outputs(), 4u);
  auto p = (*model)->Predict(data::transforms::FeatureMatrix{2, 1, {0.0f, 0.0f}});
  ASSERT_TRUE(p.ok()) << p.status().message();
  // Member m's class k in column 2m + k; a zero probability reads as the floor, 1e-6.
  const std::vector<float> row = {0.0f, std::log(1e-6f), std::log(0.25f), std::log(0.75f)};
  std::vector<float> expected = row;
  expected.insert(expected.end(), row.begin(), row.end());
  EXPECT_THAT(*p, Pointwise(FloatNear(1e-5), expected));
  auto none = (*model)->Predict(data::transforms::FeatureMatrix{0, 1, {}});
  ASSERT_TRUE(none.ok()) << none.status().message();
  EXPECT_TRUE(none->empty());

  // Only tabular ensembles stack, and a stacker that cannot load fails the load.
  const EnsembleMember image = {"torch_image", 1, {{"model.json", "{}"}}};
  EXPECT_THAT(PackEnsemble({image}, &stacker).status().message(), HasSubstr("tabular"));
  ModelFiles lost = *files;
  lost["ensemble.json"] = R"({"members": [{"format": "constant", "weight": 1, "prefix": "m0."}],
                              "stacker": {"format": "nope", "prefix": "stack."}})";
  EXPECT_FALSE(EnsembleLoader(registry, false).tabular(lost).ok());
  lost["ensemble.json"] = R"({"members": [{"format": "constant", "weight": 1, "prefix": "m0."}],
                              "stacker": {"format": "echo", "prefix": "none."}})";
  EXPECT_THAT(EnsembleLoader(registry, false).tabular(lost).status().message(),
              HasSubstr("stacker has no files"));
}

// An image "model" answering fixed probabilities, with a Grad-CAM map that says who it is.
class ConstantImageModel : public ImagePredictor {
 public:
  ConstantImageModel(std::vector<float> row, float mark) : row_(std::move(row)), mark_(mark) {}
  Result<std::vector<float>> Predict(std::span<const std::string_view> images) const override {
    return Rows(images.size());
  }
  Result<std::vector<float>> Predict(
      std::span<const data::transforms::ImageView> images) const override {
    return Rows(images.size());
  }
  size_t num_classes() const override { return row_.size(); }
  Result<ActivationMap> GradCam(std::string_view, int) const override {
    return ActivationMap{1, 1, {mark_}};
  }

 private:
  std::vector<float> Rows(size_t n) const {
    std::vector<float> out;
    for (size_t i = 0; i < n; ++i) out.insert(out.end(), row_.begin(), row_.end());
    return out;
  }

  std::vector<float> row_;
  float mark_;
};

// Registers `format` as an image format whose model.json `make` turns into a model.
template <typename Make>
void RegisterImageFormat(AlgorithmRegistry& registry, const std::string& format, Make make) {
  registry
      .RegisterLoader(
          format, {.image = [make](const ModelFiles& files,
                                   const Resources&) -> Result<std::unique_ptr<ImagePredictor>> {
            EASEL_ASSIGN_OR_RETURN(Json doc, ParseJson(files.at("model.json"), 4));
            return std::unique_ptr<ImagePredictor>(make(doc));
          }})
      .IgnoreError();
}

TEST(EnsembleTest, ImageMembersAnswerTogetherAndTheHeaviestExplains) {
  AlgorithmRegistry registry;
  RegisterImageFormat(registry, "constant_image", [](const Json& doc) {
    return new ConstantImageModel(doc["row"].get<std::vector<float>>(), doc["mark"].get<float>());
  });
  const std::vector<EnsembleMember> members = {
      {"constant_image", 1, {{"model.json", R"({"row": [1, 0, 0], "mark": 1})"}}},
      {"constant_image", 3, {{"model.json", R"({"row": [0, 0, 1], "mark": 2})"}}}};
  EXPECT_EQ(EnsembleFormat(members), kImageEnsembleFormat);
  auto files = PackEnsemble(members);
  ASSERT_TRUE(files.ok()) << files.status().message();
  EXPECT_FALSE(files->contains("pipeline.json"));
  ModelLoader loader = EnsembleLoader(registry, true);
  EXPECT_FALSE(loader.tabular);
  auto model = loader.image(*files, Resources{});
  ASSERT_TRUE(model.ok()) << model.status().message();
  const std::vector<std::string_view> images = {"a", "b"};
  auto p = (*model)->Predict(images);
  ASSERT_TRUE(p.ok());
  EXPECT_THAT(*p, Pointwise(FloatNear(1e-6), {0.25f, 0.0f, 0.75f, 0.25f, 0.0f, 0.75f}));
  const uint8_t grey[4] = {0, 64, 128, 255};
  const std::vector<data::transforms::ImageView> decoded(
      2, {.width = 2, .height = 2, .format = data::transforms::PixelFormat::kGray, .data = grey});
  auto q = (*model)->Predict(std::span(decoded));
  ASSERT_TRUE(q.ok()) << q.status().message();
  EXPECT_EQ(*q, *p) << "decoded images weigh the members alike";
  EXPECT_FALSE((*model)->input_shape()) << "members may prepare images differently";
  auto map = (*model)->GradCam("a", 2);
  ASSERT_TRUE(map.ok());
  EXPECT_EQ(map->values, std::vector<float>{2.0f}) << "the member with weight 0.75 explains";
}

// A member that takes prepared input: `size` × `size` grey images prepared the `how` way. Each
// image's probabilities are its row scaled by the image's first value, so a test sees which
// input reached which member.
class PreparedImageModel : public ConstantImageModel {
 public:
  PreparedImageModel(std::vector<float> row, int size, std::string how)
      : ConstantImageModel(row, 0), row_(std::move(row)), size_(size), how_(std::move(how)) {}
  std::optional<InputShape> input_shape() const override { return InputShape{1, size_, size_}; }
  std::string preparation() const override { return how_; }
  Result<std::vector<float>> PredictPrepared(std::span<const float> input,
                                             size_t count) const override {
    const size_t per_image = static_cast<size_t>(size_ * size_);
    if (input.size() != count * per_image) return InvalidArgument("wrong prepared size");
    std::vector<float> out;
    for (size_t i = 0; i < count; ++i) {
      for (float v : row_) out.push_back(v * input[i * per_image]);
    }
    return out;
  }

 private:
  std::vector<float> row_;
  int size_;
  std::string how_;
};

TEST(EnsembleTest, ImageMembersPreparedAlikeTakePreparedInput) {
  AlgorithmRegistry registry;
  RegisterImageFormat(registry, "prepared_image", [](const Json& doc) {
    return new PreparedImageModel(doc["row"].get<std::vector<float>>(), doc["size"].get<int>(),
                                  doc["how"].get<std::string>());
  });
  auto load = [&](const char* second) {
    auto files = PackEnsemble(
        {{"prepared_image", 1, {{"model.json", R"({"row": [1, 0], "size": 2, "how": "a"})"}}},
         {"prepared_image", 3, {{"model.json", second}}}});
    EXPECT_TRUE(files.ok());
    auto model = EnsembleLoader(registry, true).image(*files, Resources{});
    EXPECT_TRUE(model.ok()) << model.status().message();
    return std::move(*model);
  };
  auto alike = load(R"({"row": [0, 1], "size": 2, "how": "a"})");
  ASSERT_TRUE(alike->input_shape());
  EXPECT_EQ(alike->input_shape()->size(), 4u);
  EXPECT_EQ(alike->preparation(), "a");
  const std::vector<float> two_images = {1, 0, 0, 0, 2, 0, 0, 0};
  auto p = alike->PredictPrepared(two_images, 2);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_THAT(*p, Pointwise(FloatNear(1e-6), {0.25f, 0.75f, 0.5f, 1.5f}));
  EXPECT_EQ(alike->PredictPrepared(two_images, 3).status().code(), StatusCode::kInvalidArgument);

  for (const char* other :
       {R"({"row": [0, 1], "size": 2, "how": "b"})", R"({"row": [0, 1], "size": 3, "how": "a"})"}) {
    auto unlike = load(other);
    EXPECT_FALSE(unlike->input_shape()) << other;
    EXPECT_EQ(unlike->preparation(), "");
    EXPECT_EQ(unlike->PredictPrepared(two_images, 2).status().code(), StatusCode::kUnimplemented)
        << other;
  }
}

TEST(EnsembleTest, PackRejectsWhatCannotServeAsOne) {
  EXPECT_THAT(PackEnsemble({}).status().message(), HasSubstr("at least one member"));
  EXPECT_THAT(PackEnsemble({Constant({1.0f}, 0)}).status().message(), HasSubstr("positive"));
  EXPECT_THAT(PackEnsemble({Constant({1.0f}, 1, "{\"a\":1}"), Constant({1.0f}, 1, "{\"a\":2}")})
                  .status()
                  .message(),
              HasSubstr("share one transform pipeline"));
  EnsembleMember nested = Constant({1.0f}, 1);
  nested.format = kEnsembleFormat;
  EXPECT_THAT(PackEnsemble({nested}).status().message(), HasSubstr("cannot hold an ensemble"));
  EnsembleMember image{"torch_image", 1, {{"model.json", "{}"}}};
  EXPECT_THAT(PackEnsemble({Constant({1.0f}, 1), image}).status().message(),
              HasSubstr("mix tabular and image"));
  EXPECT_THAT(PackEnsemble({image, Constant({1.0f}, 1)}).status().message(),
              HasSubstr("mix tabular and image"));
}

TEST(EnsembleTest, LoaderRefusesDamagedFiles) {
  AlgorithmRegistry registry = ConstantRegistry();
  ModelLoader loader = EnsembleLoader(registry, false);
  EXPECT_FALSE(loader.image);
  EXPECT_EQ(loader.tabular({}).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(loader.tabular({{"ensemble.json", "{\"members\": []}"}}).status().code(),
            StatusCode::kDataLoss);
  EXPECT_EQ(
      loader
          .tabular({{"ensemble.json",
                     R"({"members": [{"format": "constant", "weight": 1, "prefix": "m0."}]})"}})
          .status()
          .code(),
      StatusCode::kDataLoss);
  auto files = PackEnsemble({Constant({1.0f}, 1)});
  ASSERT_TRUE(files.ok());
  AlgorithmRegistry empty;
  EXPECT_EQ(EnsembleLoader(empty, false).tabular(*files).status().code(), StatusCode::kNotFound);
}

TEST(EnsembleTest, SelectionCombinesMembersThatErrOnDifferentRows) {
  // Two classes, four rows. Member 0 is right and sure on rows 0-1 and unsure on 2-3; member 1
  // the other way round; member 2 is a mediocre copy of neither. Together they beat each alone.
  const std::vector<float> y = {0, 1, 0, 1};
  const std::vector<std::vector<float>> p = {
      {0.95f, 0.05f, 0.05f, 0.95f, 0.4f, 0.6f, 0.6f, 0.4f},
      {0.4f, 0.6f, 0.6f, 0.4f, 0.95f, 0.05f, 0.05f, 0.95f},
      {0.55f, 0.45f, 0.45f, 0.55f, 0.55f, 0.45f, 0.45f, 0.55f},
  };
  auto s = SelectEnsemble(p, y, Task::kBinary);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_THAT(s->weights, ElementsAre(DoubleNear(0.5, 0.05), DoubleNear(0.5, 0.05), 0.0));
  EXPECT_LT(s->loss, *std::min_element(s->member_losses.begin(), s->member_losses.end()));
  EXPECT_DOUBLE_EQ(s->weights[0] + s->weights[1] + s->weights[2], 1.0);
}

TEST(EnsembleTest, SelectionKeepsADominantMemberAlone) {
  const std::vector<float> y = {1.0f, 2.0f, 3.0f};
  const std::vector<std::vector<float>> p = {{1.0f, 2.0f, 3.0f}, {2.0f, 3.0f, 4.0f}};
  auto s = SelectEnsemble(p, y, Task::kRegression);
  ASSERT_TRUE(s.ok());
  EXPECT_THAT(s->weights, ElementsAre(1.0, 0.0));
  EXPECT_DOUBLE_EQ(s->loss, 0.0);
  EXPECT_THAT(s->member_losses, ElementsAre(0.0, 1.0));
}

TEST(EnsembleTest, SelectionRejectsMismatchedInputs) {
  EXPECT_FALSE(SelectEnsemble({}, {1.0f}, Task::kRegression).ok());
  EXPECT_FALSE(SelectEnsemble({{1.0f}}, {}, Task::kRegression).ok());
  EXPECT_FALSE(SelectEnsemble({{1.0f, 2.0f}, {1.0f}}, {1.0f, 2.0f}, Task::kRegression).ok());
  EXPECT_FALSE(SelectEnsemble({{0.5f, 0.5f, 0.5f}}, {0.0f, 1.0f}, Task::kBinary).ok());
}

}  // namespace
}  // namespace easel::train
