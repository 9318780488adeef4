#include "labeling/prelabel_kind.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>

#include "common/random.h"
#include "jobs/job_context.h"
#include "jobs/job_store.h"
#include "labeling/annotations.h"
#include "labeling/prelabel_store.h"
#include "labeling/test_support.h"

namespace easel::labeling {
namespace {

using testing::LabelingTest;

// A model whose guess is a deterministic function of the sample id: p(first class) is
// h(id) in [0.05, 0.95], the rest shared by the other classes.
double H(const std::string& id) {
  return 0.05 + 0.9 * static_cast<double>(QueueRank(1, id) % 1000) / 999.0;
}

struct FakeModel {
  std::string name = "m";
  int64_t version = 1;
  std::vector<std::string> classes = {"pos", "neg"};
  // Overrides the probabilities of a sample when set.
  std::function<std::vector<float>(const data::Sample&)> probs;
  std::function<void(size_t batch)> on_predict;  // called after each predict
  Status predict_error;                          // returned by every predict when not OK
  Status load_error;

  // Every call and batch, across loads.
  std::vector<size_t> batches;
  std::vector<std::string> seen;   // sample ids predicted
  std::vector<std::string> loads;  // "model@version" asked for

  PrelabelModelLoader Loader() {
    return [this](store::Database&, store::BlobStore&, const std::string& project,
                  const std::string& model, const std::string& version,
                  const data::DatasetVersion& dv) -> Result<PrelabelModel> {
      EXPECT_EQ(project, "p");
      EXPECT_GT(dv.version, 0);
      loads.push_back(model + "@" + version);
      if (!load_error.ok()) return load_error;
      if (model != name) return NotFound("model '" + model + "' does not exist");
      PrelabelModel m;
      m.model = name;
      m.version = this->version;
      m.version_id = name + "-v" + std::to_string(this->version);
      m.classes = classes;
      m.predict = [this](const std::vector<data::Sample>& samples) -> Result<std::vector<float>> {
        if (!predict_error.ok()) return predict_error;
        batches.push_back(samples.size());
        std::vector<float> out;
        for (const data::Sample& s : samples) {
          seen.push_back(s.id);
          if (probs) {
            for (float p : probs(s)) out.push_back(p);
            continue;
          }
          const double h = H(s.id);
          out.push_back(static_cast<float>(h));
          for (size_t c = 1; c < classes.size(); ++c) {
            out.push_back(static_cast<float>((1 - h) / static_cast<double>(classes.size() - 1)));
          }
        }
        if (on_predict) on_predict(samples.size());
        return out;
      };
      return m;
    };
  }
};

class PrelabelKindTest : public LabelingTest {
 protected:
  void SetUp() override {
    LabelingTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    std::vector<std::pair<std::string, std::string>> rows;
    for (int i = 0; i < 150; ++i) rows.emplace_back("review number " + std::to_string(i), "");
    MakeTextDataset("reviews", rows);
    task_ = CreateTask("t", "reviews", TaskKind::kTextClassification, {"pos", "neg"});
    for (const auto& [sample, split] : Samples(task_.dataset_id)) ids_.push_back(sample.id);
    ASSERT_EQ(ids_.size(), 150u);
  }
  Result<Json> Run(FakeModel& model, const std::string& job_id = "job-1",
                   const std::string& version = "latest",
                   const std::function<bool()>& cancelled = nullptr) {
    PrelabelRequest req;
    req.project_id = "p";
    req.job_id = job_id;
    req.task_id = task_.id;
    req.model = model.name;
    req.version = version;
    return RunPrelabel(
        *db_, *blobs_, model.Loader(), req,
        [this](double f, std::string) { progress_.push_back(f); }, cancelled);
  }
  std::optional<Prelabel> PrelabelOf(const std::string& id) {
    auto p = PrelabelStore(*db_).Get(task_, id);
    EXPECT_TRUE(p.ok());
    return p.ok() ? *p : std::nullopt;
  }
  int64_t Count(const std::string& sql) { return (*db_->QueryOne(sql))->Int(0); }
  Status Annotate(const std::string& id, const std::string& label, AnnotationStatus status) {
    Annotation a;
    if (!label.empty()) a.labels = {label};
    a.status = status;
    return AnnotationStore(*db_, *blobs_).Put(task_, id, a, "u").status();
  }

  Task task_;
  std::vector<std::string> ids_;
  std::vector<double> progress_;
};

TEST_P(PrelabelKindTest, PrelabelsUnansweredSamplesInBatches) {
  ASSERT_TRUE(Annotate(ids_[0], "pos", AnnotationStatus::kLabeled).ok());
  ASSERT_TRUE(Annotate(ids_[1], "neg", AnnotationStatus::kReviewed).ok());
  ASSERT_TRUE(Annotate(ids_[2], "", AnnotationStatus::kRejected).ok());
  ASSERT_TRUE(Annotate(ids_[3], "", AnnotationStatus::kUnlabeled).ok());
  FakeModel model;
  auto result = Run(model);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ((*result)["task"], "t");
  EXPECT_EQ((*result)["model"], "m");
  EXPECT_EQ((*result)["version"], 1);
  EXPECT_EQ((*result)["model_version_id"], "m-v1");
  EXPECT_EQ((*result)["prelabeled"], 147);
  EXPECT_EQ((*result)["skipped"], 0);
  EXPECT_EQ((*result)["unmatched"], 0);
  EXPECT_EQ(model.loads, std::vector<std::string>{"m@latest"});

  // 147 samples: batches of at most 64.
  size_t total = 0;
  for (size_t b : model.batches) {
    EXPECT_LE(b, kPrelabelBatch);
    total += b;
  }
  EXPECT_EQ(total, 147u);
  EXPECT_EQ(model.batches.size(), 3u);
  ASSERT_FALSE(progress_.empty());
  for (size_t i = 1; i < progress_.size(); ++i) EXPECT_GE(progress_[i], progress_[i - 1]);
  EXPECT_DOUBLE_EQ(progress_.back(), 1.0);

  // Annotated samples are left alone; the reset one is pre-labeled.
  for (int i : {0, 1, 2}) EXPECT_FALSE(PrelabelOf(ids_[i])) << i;
  for (size_t i = 3; i < ids_.size(); ++i) {
    auto p = PrelabelOf(ids_[i]);
    ASSERT_TRUE(p) << i;
    const double h = H(ids_[i]);
    EXPECT_EQ(p->label, h >= 0.5 ? "pos" : "neg");
    EXPECT_NEAR(p->confidence, std::max(h, 1 - h), 1e-6);
    EXPECT_NEAR(p->margin, std::abs(2 * h - 1), 1e-6);
    EXPECT_EQ(p->model, "m");
    EXPECT_EQ(p->model_version, 1);
    EXPECT_EQ(p->job_id, "job-1");
  }
}

TEST_P(PrelabelKindTest, RecordSamplesReachTheModelWithTheirCells) {
  FakeModel model;
  std::map<std::string, std::string> texts;
  model.probs = [&](const data::Sample& s) {
    EXPECT_EQ(s.values.size(), 1u);
    if (!s.values.empty() && s.values[0]) texts[s.id] = *s.values[0];
    return std::vector<float>{0.5f, 0.5f};
  };
  ASSERT_TRUE(Run(model).ok());
  EXPECT_EQ(texts.size(), 150u);
  EXPECT_EQ(texts.begin()->second.rfind("review number ", 0), 0u);
}

TEST_P(PrelabelKindTest, ImageSamplesReachTheModelWithTheirBlobs) {
  PetsDataset();
  Task pets = CreateTask("pets", "pets", TaskKind::kClassification, {"cat", "dog"});
  FakeModel model;
  model.classes = {"cat", "dog"};
  int blobs_read = 0;
  model.probs = [&](const data::Sample& s) {
    auto bytes = blobs_->ReadAll(s.blob);
    if (bytes.ok() && !bytes->empty()) ++blobs_read;
    return std::vector<float>{0.8f, 0.2f};
  };
  PrelabelRequest req{"p", "job-2", pets.id, "m", "3"};
  auto result = RunPrelabel(*db_, *blobs_, model.Loader(), req, nullptr, nullptr);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ((*result)["prelabeled"], 10);
  EXPECT_EQ(blobs_read, 10);
  EXPECT_EQ(model.loads, std::vector<std::string>{"m@3"});
}

TEST_P(PrelabelKindTest, ARetriedJobResumesAndAnotherRunSkipsWhatIsDone) {
  jobs::JobStore jobs(*db_);
  Json spec = {{"task_id", task_.id}, {"model", "m"}, {"version", 1}};
  FakeModel model;
  jobs::JobKind kind = PrelabelJobKind(model.Loader());
  ASSERT_TRUE(kind.ValidateSpec(spec).ok());
  ASSERT_TRUE(kind.check(spec, *db_, "p").ok());
  ASSERT_TRUE(jobs.Submit("p", "prelabel", spec, "u").ok());
  auto job = jobs.ClaimNext("r");
  ASSERT_TRUE(job.ok() && job->has_value());

  // The first attempt is cancelled after its first batch.
  std::atomic<bool> cancel{false};
  model.on_predict = [&](size_t) { cancel = true; };
  {
    jobs::JobContext ctx(jobs, **job, data_dir_.path(), &cancel);
    ctx.set_blobs(blobs_.get());
    auto first = kind.run(ctx);
    EXPECT_EQ(first.status().code(), StatusCode::kCancelled);
  }
  EXPECT_EQ(Count("SELECT COUNT(*) FROM labeling_prelabels"), 64);
  EXPECT_EQ(model.loads, std::vector<std::string>{"m@1"});

  // The retry predicts only what is missing and counts the first attempt's work as its own.
  cancel = false;
  model.on_predict = nullptr;
  model.seen.clear();
  jobs::JobContext again(jobs, **job, data_dir_.path(), &cancel);
  again.set_blobs(blobs_.get());
  auto second = kind.run(again);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(model.seen.size(), 86u);
  EXPECT_EQ((*second)["prelabeled"], 150);
  EXPECT_EQ((*second)["skipped"], 0);

  // Another run of the same version has nothing to do.
  model.seen.clear();
  auto third = Run(model, "job-other");
  ASSERT_TRUE(third.ok());
  EXPECT_TRUE(model.seen.empty());
  EXPECT_EQ((*third)["prelabeled"], 0);
  EXPECT_EQ((*third)["skipped"], 150);
}

TEST_P(PrelabelKindTest, ANewerModelVersionReplacesOlderPrelabels) {
  FakeModel v1;
  ASSERT_TRUE(Run(v1, "job-1").ok());
  ASSERT_TRUE(Annotate(ids_[0], "pos", AnnotationStatus::kLabeled).ok());
  FakeModel v2;
  v2.version = 2;
  v2.probs = [](const data::Sample&) { return std::vector<float>{0.25f, 0.75f}; };
  auto result = Run(v2, "job-2");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ((*result)["prelabeled"], 149);
  EXPECT_EQ((*result)["skipped"], 0);
  EXPECT_EQ(v2.seen.size(), 149u);
  for (size_t i = 1; i < ids_.size(); ++i) {
    auto p = PrelabelOf(ids_[i]);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->model_version, 2);
    EXPECT_EQ(p->label, "neg");
    EXPECT_NEAR(p->confidence, 0.75, 1e-6);
  }
  // The annotated sample keeps the pre-label it had when a person answered.
  EXPECT_EQ(PrelabelOf(ids_[0])->model_version, 1);
}

TEST_P(PrelabelKindTest, ClassesThatAreNotTaskLabelsAreNeverPrelabels) {
  FakeModel old;
  ASSERT_TRUE(Run(old, "job-1").ok());
  // Version 2 knows a third class and predicts it for every third sample (by position).
  FakeModel model;
  model.version = 2;
  model.classes = {"neg", "spam", "pos"};
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < ids_.size(); ++i) index[ids_[i]] = i;
  model.probs = [&](const data::Sample& s) {
    return index[s.id] % 3 == 0 ? std::vector<float>{0.1f, 0.6f, 0.3f}
                                : std::vector<float>{0.7f, 0.2f, 0.1f};
  };
  auto result = Run(model, "job-2");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ((*result)["unmatched"], 50);
  EXPECT_EQ((*result)["prelabeled"], 100);
  for (size_t i = 0; i < ids_.size(); ++i) {
    auto p = PrelabelOf(ids_[i]);
    if (i % 3 == 0) {
      EXPECT_FALSE(p) << "the older version's pre-label is gone too";
    } else {
      ASSERT_TRUE(p);
      EXPECT_EQ(p->label, "neg") << "columns map to the model's classes, not the task's order";
      EXPECT_EQ(p->model_version, 2);
      // Measures are taken over all three classes.
      EXPECT_NEAR(p->margin, 0.5, 1e-6);
    }
  }

  // A model sharing no class with the task cannot pre-label it.
  FakeModel foreign;
  foreign.version = 3;
  foreign.classes = {"cat", "dog"};
  auto refused = Run(foreign, "job-3");
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("none of which"), std::string::npos);
  EXPECT_TRUE(foreign.seen.empty());
}

TEST_P(PrelabelKindTest, ErrorsLeaveTheStoreAsItWas) {
  const auto kPrelabels = "SELECT COUNT(*) FROM labeling_prelabels";
  FakeModel missing;
  missing.load_error = NotFound("model 'm' has no alias 'prod'");
  auto r = Run(missing, "j", "prod");
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(r.status().message(), "model 'm' has no alias 'prod'");

  FakeModel broken;
  broken.predict_error = FailedPrecondition("the model's weights are damaged");
  EXPECT_EQ(Run(broken).status().code(), StatusCode::kFailedPrecondition);

  FakeModel short_rows;
  short_rows.probs = [](const data::Sample&) { return std::vector<float>{1.0f}; };
  EXPECT_EQ(Run(short_rows).status().code(), StatusCode::kInternal);

  FakeModel negative;
  negative.probs = [](const data::Sample&) { return std::vector<float>{-1.0f, 2.0f}; };
  auto neg = Run(negative);
  EXPECT_EQ(neg.status().code(), StatusCode::kInternal);
  EXPECT_NE(neg.status().message().find("unusable probabilities"), std::string::npos);

  FakeModel empty;
  empty.classes = {};
  EXPECT_EQ(Run(empty).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(Count(kPrelabels), 0);

  // Another project's task, a detection task, no loader.
  FakeModel fine;
  PrelabelRequest other{"q", "j", task_.id, "m", "latest"};
  EXPECT_EQ(RunPrelabel(*db_, *blobs_, fine.Loader(), other, nullptr, nullptr).status().code(),
            StatusCode::kNotFound);
  StreetDataset();
  Task boxes = CreateTask("boxes", "street", TaskKind::kDetection, {"car"});
  PrelabelRequest detect{"p", "j", boxes.id, "m", "latest"};
  auto d = RunPrelabel(*db_, *blobs_, fine.Loader(), detect, nullptr, nullptr);
  EXPECT_EQ(d.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(d.status().message().find("detector"), std::string::npos);
  PrelabelRequest none{"p", "j", task_.id, "m", "latest"};
  EXPECT_EQ(RunPrelabel(*db_, *blobs_, nullptr, none, nullptr, nullptr).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_TRUE(fine.loads.empty());
  EXPECT_EQ(Count(kPrelabels), 0);

  jobs::JobKind kind = PrelabelJobKind(fine.Loader());
  EXPECT_EQ(kind.check({{"task_id", boxes.id}, {"model", "m"}}, *db_, "p").code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(kind.check({{"task_id", task_.id}, {"model", "m"}}, *db_, "q").code(),
            StatusCode::kNotFound);
}

TEST(PrelabelSpecTest, AcceptsValidAndRefusesInvalidSpecs) {
  jobs::JobKind kind = PrelabelJobKind(nullptr);
  EXPECT_EQ(kind.name, "prelabel");
  const std::string id = NewId();
  ASSERT_TRUE(LooksLikeId(id)) << "the test's id must look like one";
  for (Json good : {Json{{"task_id", id}, {"model", "m"}},
                    Json{{"task_id", id}, {"model", "m"}, {"version", 3}},
                    Json{{"task_id", id}, {"model", "m"}, {"version", "3"}},
                    Json{{"task_id", id}, {"model", "m"}, {"version", "latest"}},
                    Json{{"task_id", id}, {"model", "m"}, {"version", "production"}}}) {
    EXPECT_TRUE(kind.ValidateSpec(good).ok()) << good.dump();
  }
  for (Json bad :
       {Json{{"model", "m"}}, Json{{"task_id", id}}, Json{{"task_id", "../x"}, {"model", "m"}},
        Json{{"task_id", id}, {"model", "Bad Name"}},
        Json{{"task_id", id}, {"model", "m"}, {"version", 0}},
        Json{{"task_id", id}, {"model", "m"}, {"version", -2}},
        Json{{"task_id", id}, {"model", "m"}, {"version", 1.5}},
        Json{{"task_id", id}, {"model", "m"}, {"version", "no way"}},
        Json{{"task_id", id}, {"model", "m"}, {"extra", 1}}, Json::array()}) {
    EXPECT_EQ(kind.ValidateSpec(bad).code(), StatusCode::kInvalidArgument) << bad.dump();
  }
}

EASEL_INSTANTIATE_ENGINE_TEST(PrelabelKindTest);

}  // namespace
}  // namespace easel::labeling
