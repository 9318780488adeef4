#include "labeling/annotations.h"

#include <gtest/gtest.h>

#include "labeling/test_support.h"

namespace easel::labeling {
namespace {

using testing::LabelingTest;

Annotation Parse(const std::string& text) {
  auto json = ParseJson(text);
  EXPECT_TRUE(json.ok()) << text;
  auto a = AnnotationFromJson(*json);
  EXPECT_TRUE(a.ok()) << text << ": " << a.status().ToString();
  return a.ok() ? *a : Annotation{};
}

StatusCode ParseCode(const std::string& text) {
  auto json = ParseJson(text);
  if (!json.ok()) return json.status().code();
  return AnnotationFromJson(*json).status().code();
}

TEST(AnnotationJsonTest, ReadsLabelsBoxesAndStatus) {
  Annotation a = Parse(R"({"labels": ["cat"], "status": "reviewed"})");
  EXPECT_EQ(a.labels, std::vector<std::string>{"cat"});
  EXPECT_EQ(a.status, AnnotationStatus::kReviewed);
  EXPECT_EQ(Parse("{}").status, AnnotationStatus::kLabeled) << "labeled by default";
  Annotation b = Parse(R"({"boxes": [{"label": "car", "x": 1, "y": 2.5, "w": 3, "h": 4}]})");
  ASSERT_EQ(b.boxes.size(), 1u);
  EXPECT_EQ(b.boxes[0], (data::Box{"car", 1, 2.5, 3, 4}));
}

TEST(AnnotationJsonTest, RefusesMalformedBodies) {
  const auto kInvalid = StatusCode::kInvalidArgument;
  for (const char* body : {
           R"({"labels": "cat"})",
           R"({"labels": [1]})",
           R"({"labels": [null]})",
           R"({"boxes": {}})",
           R"({"boxes": [1]})",
           R"({"boxes": [{"label": "car", "x": 1, "y": 2, "w": 3}]})",
           R"({"boxes": [{"label": 3, "x": 1, "y": 2, "w": 3, "h": 4}]})",
           R"({"boxes": [{"label": "car", "x": "1", "y": 2, "w": 3, "h": 4}]})",
           R"({"boxes": [{"label": "car", "x": 1, "y": 2, "w": 3, "h": 4, "z": 0}]})",
           R"({"status": "done"})",
           R"({"status": 1})",
           R"({"label": "cat"})",
           R"([])",
       }) {
    EXPECT_EQ(ParseCode(body), kInvalid) << body;
  }
  std::string many = R"({"boxes": [)";
  for (int i = 0; i < 1001; ++i) {
    many += std::string(i ? "," : "") + R"({"label": "car", "x": 1, "y": 2, "w": 3, "h": 4})";
  }
  EXPECT_EQ(ParseCode(many + "]}"), kInvalid);
}

TEST(ValidateAnnotationTest, ClassificationTakesExactlyOneTaskLabel) {
  Task task;
  task.kind = TaskKind::kClassification;
  task.labels = {"cat", "dog"};
  data::Sample sample;
  auto check = [&](std::string body) {
    Annotation a = Parse(body);
    return ValidateAnnotation(task, sample, a).code();
  };
  const auto kOk = StatusCode::kOk;
  const auto kInvalid = StatusCode::kInvalidArgument;
  EXPECT_EQ(check(R"({"labels": ["cat"]})"), kOk);
  EXPECT_EQ(check(R"({"labels": ["dog"], "status": "reviewed"})"), kOk);
  EXPECT_EQ(check(R"({"labels": ["bird"]})"), kInvalid) << "not a task label";
  EXPECT_EQ(check(R"({"labels": []})"), kInvalid) << "labeled needs one label";
  EXPECT_EQ(check(R"({"labels": ["cat", "dog"]})"), kInvalid);
  EXPECT_EQ(check(R"({"boxes": [{"label": "cat", "x": 0, "y": 0, "w": 1, "h": 1}]})"), kInvalid);
  EXPECT_EQ(check(R"({"status": "rejected"})"), kOk) << "a rejection may carry no label";
  EXPECT_EQ(check(R"({"labels": ["cat"], "status": "rejected"})"), kOk);
  EXPECT_EQ(check(R"({"labels": ["cat", "dog"], "status": "rejected"})"), kInvalid);
  EXPECT_EQ(check(R"({"status": "unlabeled"})"), kOk);
  EXPECT_EQ(check(R"({"labels": ["cat"], "status": "unlabeled"})"), kInvalid);
}

TEST(ValidateAnnotationTest, DetectionBoxesAreInsideTheImage) {
  Task task;
  task.kind = TaskKind::kDetection;
  task.labels = {"car", "person"};
  data::Sample sample;
  sample.meta = Json{{"width", 40}, {"height", 30}};
  auto check = [&](std::string body) {
    Annotation a = Parse(body);
    return ValidateAnnotation(task, sample, a).code();
  };
  const auto kOk = StatusCode::kOk;
  const auto kInvalid = StatusCode::kInvalidArgument;
  EXPECT_EQ(check(R"({"boxes": [{"label": "car", "x": 0, "y": 0, "w": 40, "h": 30}]})"), kOk);
  EXPECT_EQ(check(R"({"boxes": []})"), kOk) << "nothing to detect in this image";
  EXPECT_EQ(check(R"({"boxes": [{"label": "bus", "x": 0, "y": 0, "w": 4, "h": 3}]})"), kInvalid);
  EXPECT_EQ(check(R"({"boxes": [{"label": "car", "x": 0, "y": 0, "w": 0, "h": 3}]})"), kInvalid);
  EXPECT_EQ(check(R"({"boxes": [{"label": "car", "x": 0, "y": 0, "w": 4, "h": -3}]})"), kInvalid);
  EXPECT_EQ(check(R"({"boxes": [{"label": "car", "x": -1, "y": 0, "w": 4, "h": 3}]})"), kInvalid);
  EXPECT_EQ(check(R"({"boxes": [{"label": "car", "x": 37, "y": 0, "w": 4, "h": 3}]})"), kInvalid);
  EXPECT_EQ(check(R"({"boxes": [{"label": "car", "x": 0, "y": 28, "w": 4, "h": 3}]})"), kInvalid);
  EXPECT_EQ(check(R"({"boxes": [{"label": "car", "x": 0, "y": 0, "w": 1e308, "h": 1e308}]})"),
            kInvalid);
  EXPECT_EQ(check(R"({"labels": ["car"]})"), kInvalid) << "detection takes boxes";
  EXPECT_EQ(check(R"({"boxes": [{"label": "car", "x": 0, "y": 0, "w": 4, "h": 3}],
                      "status": "unlabeled"})"),
            kInvalid);

  // Coordinates are rounded as importers round them.
  Annotation a =
      Parse(R"({"boxes": [{"label": "car", "x": 1.00049, "y": 2, "w": 3.0006, "h": 4}]})");
  ASSERT_TRUE(ValidateAnnotation(task, sample, a).ok());
  EXPECT_EQ(a.boxes[0].x, 1.0);
  EXPECT_EQ(a.boxes[0].w, 3.001);
}

class AnnotationStoreTest : public LabelingTest {};

TEST_P(AnnotationStoreTest, PutsGetsAndListsAnnotations) {
  data::Dataset pets = PetsDataset();
  Task task = CreateTask("t", "pets", TaskKind::kClassification, {"cat", "dog"});
  auto samples = Samples(pets.id);
  AnnotationStore store(*db_, *blobs_);

  auto none = store.Get(task, samples[0].first.id);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(*none);
  EXPECT_EQ(store.Get(task, "0123456789abcdef").status().code(), StatusCode::kNotFound);

  auto put = store.Put(task, samples[0].first.id, Parse(R"({"labels": ["dog"]})"), "u");
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_EQ(put->author, "u");
  EXPECT_EQ(put->position, 0);
  ASSERT_TRUE(store
                  .Put(task, samples[1].first.id,
                       Parse(R"({"labels": ["cat"], "status": "reviewed"})"), "u")
                  .ok());
  ASSERT_TRUE(store.Put(task, samples[2].first.id, Parse(R"({"status": "rejected"})"), "u").ok());
  // Replacing keeps one annotation per sample.
  ASSERT_TRUE(store.Put(task, samples[0].first.id, Parse(R"({"labels": ["cat"]})"), "u").ok());
  auto got = store.Get(task, samples[0].first.id);
  ASSERT_TRUE(got.ok() && *got);
  EXPECT_EQ((*got)->labels, std::vector<std::string>{"cat"});

  EXPECT_EQ(
      store.Put(task, "0123456789abcdef", Parse(R"({"labels": ["cat"]})"), "u").status().code(),
      StatusCode::kNotFound);
  EXPECT_EQ(
      store.Put(task, samples[3].first.id, Parse(R"({"labels": ["cow"]})"), "u").status().code(),
      StatusCode::kInvalidArgument);

  auto all = store.List(task, std::nullopt, "", 100);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 3u);
  auto reviewed = store.List(task, AnnotationStatus::kReviewed, "", 100);
  ASSERT_EQ(reviewed->size(), 1u);
  EXPECT_EQ((*reviewed)[0].sample_id, samples[1].first.id);
  auto page = store.List(task, std::nullopt, "", 2);
  ASSERT_EQ(page->size(), 2u);
  auto rest = store.List(task, std::nullopt, page->back().sample_id, 2);
  EXPECT_EQ(rest->size(), 1u);

  auto applied = store.Applied(task, -1, 100);
  ASSERT_EQ(applied->size(), 2u) << "labeled and reviewed only";
  EXPECT_EQ((*applied)[0].position, 0);
  EXPECT_EQ((*applied)[1].position, 1);

  auto counts = TaskStore(*db_, *blobs_).Counts(task);
  EXPECT_EQ(counts->labeled, 1);
  EXPECT_EQ(counts->reviewed, 1);
  EXPECT_EQ(counts->rejected, 1);
  EXPECT_EQ(counts->unlabeled, 7);
}

TEST_P(AnnotationStoreTest, DetectionChecksTheImageSizeFromTheManifest) {
  data::Dataset street = StreetDataset();
  Task task = CreateTask("boxes", "street", TaskKind::kDetection, {"car", "person"});
  auto samples = Samples(street.id);
  AnnotationStore store(*db_, *blobs_);
  EXPECT_TRUE(
      store
          .Put(task, samples[0].first.id,
               Parse(R"({"boxes": [{"label": "car", "x": 30, "y": 20, "w": 10, "h": 10}]})"), "u")
          .ok());
  EXPECT_EQ(
      store
          .Put(task, samples[0].first.id,
               Parse(R"({"boxes": [{"label": "car", "x": 31, "y": 20, "w": 10, "h": 10}]})"), "u")
          .status()
          .code(),
      StatusCode::kInvalidArgument);
}

EASEL_INSTANTIATE_ENGINE_TEST(AnnotationStoreTest);

}  // namespace
}  // namespace easel::labeling
