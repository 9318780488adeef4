#include <gtest/gtest.h>

#include <map>

#include "common/random.h"
#include "data/import_run.h"
#include "labeling/annotations.h"
#include "labeling/commit.h"
#include "labeling/export_kind.h"
#include "labeling/test_support.h"
#include "store/artifacts.h"

namespace easel::labeling {
namespace {

using testing::LabelingTest;

const data::Formats& Formats() {
  static const data::Formats* formats = [] {
    auto* f = new data::Formats;
    data::RegisterBuiltinFormats(*f);
    return f;
  }();
  return *formats;
}

class ExportTest : public LabelingTest {
 protected:
  void Put(const Task& task, const std::string& sample_id, const std::string& body) {
    auto a = AnnotationFromJson(*ParseJson(body));
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    ASSERT_TRUE(AnnotationStore(*db_, *blobs_).Put(task, sample_id, *a, "u").ok());
  }
  Result<Json> Export(ExportRequest req) {
    req.project_id = "p";
    req.user_id = "u";
    return RunExport(Formats(), *db_, *blobs_, req, nullptr, nullptr);
  }
  ExportRequest ForTask(const Task& task, const std::string& format) {
    ExportRequest r;
    r.task_id = task.id;
    r.format = format;
    return r;
  }
  ExportRequest ForVersion(const data::Dataset& d, int64_t version, const std::string& format) {
    ExportRequest r;
    r.dataset_id = d.id;
    r.version = version;
    r.format = format;
    return r;
  }
  // Imports an exported artifact as `type` with the format's importer; the draft's hash.
  std::string ReimportHash(const Json& result, data::DatasetType type) {
    auto artifact = store::GetArtifact(*db_, "p", result["artifact_id"]);
    EXPECT_TRUE(artifact.ok());
    auto exporter = Formats().exporters.Find(result["format"]);
    data::ImportRequest req;
    req.type = type;
    req.upload_digest = artifact->digest;
    req.upload_size = static_cast<uint64_t>(artifact->size);
    req.file_name = artifact->name;
    req.format = (*exporter)->importer;
    auto outcome = data::RunImport(Formats(), *blobs_, req, nullptr, nullptr);
    EXPECT_TRUE(outcome.ok()) << outcome.status().ToString();
    if (!outcome.ok()) return "";
    EXPECT_EQ(outcome->rejected_count, 0u) << data::RejectedToJson(outcome->rejected).dump();
    return outcome->draft.content_hash;
  }
};

TEST(FindExporterTest, ChecksTheFormatAgainstTheDatasetType) {
  const auto kInvalid = StatusCode::kInvalidArgument;
  auto unknown = FindExporter(Formats(), data::DatasetType::kObjectDetection, "pdf");
  EXPECT_EQ(unknown.status().code(), kInvalid);
  EXPECT_NE(unknown.status().message().find("coco"), std::string::npos) << "lists known formats";
  auto wrong = FindExporter(Formats(), data::DatasetType::kImageClassification, "coco");
  EXPECT_EQ(wrong.status().code(), kInvalid);
  EXPECT_NE(wrong.status().message().find("image_csv"), std::string::npos);
  auto csv = FindExporter(Formats(), data::DatasetType::kImageClassification, "csv");
  ASSERT_TRUE(csv.ok()) << csv.status().ToString();
  EXPECT_EQ((*csv)->name, "image_csv");
  EXPECT_TRUE(FindExporter(Formats(), data::DatasetType::kObjectDetection, "yolo").ok());
}

TEST(ExportSpecTest, ValidatesTheSpec) {
  jobs::JobKind kind = ExportJobKind(Formats());
  const std::string id = NewId();
  auto check = [&](const std::string& text) { return kind.ValidateSpec(*ParseJson(text)).code(); };
  const auto kOk = StatusCode::kOk;
  const auto kInvalid = StatusCode::kInvalidArgument;
  EXPECT_EQ(check(R"({"task_id": ")" + id + R"(", "format": "coco"})"), kOk);
  EXPECT_EQ(check(R"({"dataset_id": ")" + id + R"(", "version": 2, "format": "voc"})"), kOk);
  EXPECT_EQ(check(R"({"task_id": ")" + id + R"(", "format": "coco", "params": {}})"), kOk);
  EXPECT_EQ(check(R"({"format": "coco"})"), kInvalid);
  EXPECT_EQ(check(R"({"task_id": ")" + id + R"(", "dataset_id": ")" + id +
                  R"(", "version": 1, "format": "coco"})"),
            kInvalid);
  EXPECT_EQ(check(R"({"task_id": "x", "format": "coco"})"), kInvalid);
  EXPECT_EQ(check(R"({"task_id": ")" + id + R"(", "version": 1, "format": "coco"})"), kInvalid);
  EXPECT_EQ(check(R"({"dataset_id": ")" + id + R"(", "format": "coco"})"), kInvalid);
  EXPECT_EQ(check(R"({"dataset_id": ")" + id + R"(", "version": 0, "format": "coco"})"), kInvalid);
  EXPECT_EQ(check(R"({"dataset_id": ")" + id + R"(", "version": "1", "format": "coco"})"),
            kInvalid);
  EXPECT_EQ(check(R"({"task_id": ")" + id + R"("})"), kInvalid);
  EXPECT_EQ(check(R"({"task_id": ")" + id + R"(", "format": "pdf"})"), kInvalid);
  EXPECT_EQ(check(R"({"task_id": ")" + id + R"(", "format": 3})"), kInvalid);
  EXPECT_EQ(check(R"({"task_id": ")" + id + R"(", "format": "coco", "params": 1})"), kInvalid);
  EXPECT_EQ(check(R"({"task_id": ")" + id + R"(", "format": "coco", "extra": 1})"), kInvalid);
}

TEST_P(ExportTest, ExportsAVersionAsAnArtifact) {
  data::Dataset street = StreetDataset();
  auto result = Export(ForVersion(street, 1, "coco"));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ((*result)["name"], "street-v1-coco.zip");
  EXPECT_EQ((*result)["format"], "coco");
  EXPECT_EQ((*result)["num_samples"], 4);
  auto artifact = store::GetArtifact(*db_, "p", (*result)["artifact_id"]);
  ASSERT_TRUE(artifact.ok());
  EXPECT_EQ(artifact->content_type, "application/zip");
  EXPECT_EQ(artifact->size, (*result)["size"].get<int64_t>());
  EXPECT_EQ(ReimportHash(*result, data::DatasetType::kObjectDetection),
            data::DatasetStore(*db_).GetVersion(street.id, 1)->content_hash);
}

TEST_P(ExportTest, RefusesWrongTypesAndOtherProjects) {
  data::Dataset pets = PetsDataset();
  Task task = CreateTask("t", "pets", TaskKind::kClassification, {"cat", "dog"});
  EXPECT_EQ(Export(ForTask(task, "coco")).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Export(ForVersion(pets, 1, "yolo")).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Export(ForVersion(pets, 7, "csv")).status().code(), StatusCode::kNotFound);
  ExportRequest other = ForTask(task, "csv");
  other.project_id = "q";
  other.user_id = "u";
  EXPECT_EQ(RunExport(Formats(), *db_, *blobs_, other, nullptr, nullptr).status().code(),
            StatusCode::kNotFound);
  ExportRequest other_dataset = ForVersion(pets, 1, "csv");
  other_dataset.project_id = "q";
  EXPECT_EQ(RunExport(Formats(), *db_, *blobs_, other_dataset, nullptr, nullptr).status().code(),
            StatusCode::kNotFound);
  EXPECT_TRUE(store::ListArtifacts(*db_, "p", "", 10)->empty()) << "no artifact from a failure";
}

TEST_P(ExportTest, CancelledExportLeavesNoArtifact) {
  data::Dataset street = StreetDataset();
  ExportRequest req = ForVersion(street, 1, "coco");
  req.project_id = "p";
  auto result = RunExport(Formats(), *db_, *blobs_, req, nullptr, [] { return true; });
  EXPECT_EQ(result.status().code(), StatusCode::kCancelled);
  EXPECT_TRUE(store::ListArtifacts(*db_, "p", "", 10)->empty());
}

// Export a task (annotations applied, uncommitted), commit it, and re-import the export: the
// same content as the committed version, for every detection format.
TEST_P(ExportTest, DetectionTaskExportsRoundTripToTheCommittedVersion) {
  data::Dataset street = StreetDataset();
  Task task = CreateTask("boxes", "street", TaskKind::kDetection, {"car", "person"});
  auto samples = Samples(street.id);
  Put(task, samples[0].first.id,
      R"({"boxes": [{"label": "person", "x": 1.25, "y": 1, "w": 2, "h": 3.5},
                    {"label": "car", "x": 5, "y": 5, "w": 10.125, "h": 10}]})");
  Put(task, samples[2].first.id,
      R"({"boxes": [{"label": "car", "x": 0, "y": 0, "w": 40, "h": 30}], "status": "reviewed"})");
  Put(task, samples[3].first.id, R"({"boxes": [], "status": "rejected"})");

  std::map<std::string, Json> exports;
  for (const char* format : {"coco", "voc", "yolo"}) {
    auto result = Export(ForTask(task, format));
    ASSERT_TRUE(result.ok()) << format << ": " << result.status().ToString();
    EXPECT_EQ((*result)["name"], std::string("boxes-") + format + ".zip");
    exports[format] = *result;
  }
  auto committed = CommitTask(*db_, *blobs_, task, "u");
  ASSERT_TRUE(committed.ok()) << committed.status().ToString();
  for (const auto& [format, result] : exports) {
    EXPECT_EQ(ReimportHash(result, data::DatasetType::kObjectDetection), committed->content_hash)
        << format;
    // The task's export is exactly the export of what it committed.
    auto of_version = Export(ForVersion(street, committed->version, format));
    ASSERT_TRUE(of_version.ok());
    EXPECT_EQ(store::GetArtifact(*db_, "p", (*of_version)["artifact_id"])->digest,
              store::GetArtifact(*db_, "p", result["artifact_id"])->digest)
        << format;
  }
}

TEST_P(ExportTest, ClassificationTaskExportsRoundTripAsCsv) {
  data::Dataset pets = PetsDataset();
  Task task = CreateTask("t", "pets", TaskKind::kClassification, {"cat", "dog"});
  auto samples = Samples(pets.id);
  Put(task, samples[0].first.id, R"({"labels": ["dog"]})");
  Put(task, samples[9].first.id, R"({"labels": ["cat"], "status": "reviewed"})");
  auto result = Export(ForTask(task, "csv"));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ((*result)["format"], "image_csv");
  EXPECT_EQ((*result)["name"], "t-image_csv.zip");
  auto committed = CommitTask(*db_, *blobs_, task, "u");
  ASSERT_TRUE(committed.ok());
  EXPECT_EQ(ReimportHash(*result, data::DatasetType::kImageClassification),
            committed->content_hash);
}

EASEL_INSTANTIATE_ENGINE_TEST(ExportTest);

}  // namespace
}  // namespace easel::labeling
