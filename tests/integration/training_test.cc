// Training, evaluation and the model registry end to end on the real server: the sklearn
// datasets Debian ships trained with every tabular algorithm, reports, lineage, aliases,
// downloads, bad train specs, and a worker killed mid-training that resumes to the same weights.

#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "testing/digits.h"
#include "testing/processes.h"
#include "testing/real_data.h"
#include "testing/server.h"

namespace easel::testing {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

class TrainingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kSklearnData / "iris.csv")) GTEST_SKIP() << "python3-sklearn is not installed";
    server_.Start();
    client_ = server_.Client();
    token_ = server_.admin_token();
    ASSERT_EQ(Send(*client_, "POST", "/api/v1/projects", token_, R"({"name":"demo"})").status, 201);
  }
  Response Post(const std::string& path, const Json& body) {
    return Send(*client_, "POST", "/api/v1/projects/demo" + path, token_, body.dump());
  }
  Response Get(const std::string& path) {
    return Send(*client_, "GET", "/api/v1/projects/demo" + path, token_);
  }
  Json WaitJob(const std::string& id, std::chrono::seconds limit = 240s) {
    return WaitForJob(*client_, token_, "demo", id, limit);
  }
  // Imports an sklearn CSV as the tabular dataset `name` (label column "label").
  void ImportSklearn(const std::string& name, const std::string& file) {
    ASSERT_EQ(Post("/datasets", {{"name", name}, {"type", "tabular"}}).status, 201);
    auto r = Send(*client_, "POST",
                  "/api/v1/projects/demo/datasets/" + name + "/imports?file_name=" + file, token_,
                  SklearnCsv(file), "application/octet-stream");
    ASSERT_EQ(r.status, 202) << r.raw;
    ASSERT_EQ(WaitJob(r.body["job_id"]).value("state", ""), "succeeded");
  }
  // Submits a train job and answers the final job.
  Json Train(std::chrono::seconds limit, const Json& spec) {
    auto r = Post("/jobs", {{"kind", "train"}, {"spec", spec}});
    EXPECT_EQ(r.status, 202) << r.raw;
    if (r.status != 202) return r.body;
    return WaitJob(r.body.value("id", ""), limit);
  }
  Json Train(const Json& spec) { return Train(240s, spec); }
  std::string FileDigest(const Json& version, const std::string& name) {
    for (const Json& f : version["files"]) {
      if (f["name"] == name) return f["digest"];
    }
    return "";
  }

  ServerProcess server_;
  std::unique_ptr<httplib::Client> client_;
  std::string token_;
};

TEST_F(TrainingTest, EveryTabularAlgorithmLearnsTheSklearnDatasets) {
  ImportSklearn("iris", "iris.csv");
  ImportSklearn("wine", "wine_data.csv");
  ImportSklearn("cancer", "breast_cancer.csv");
  // Floors for easel's default 80/10/10 split; the trainers' own tests compare against
  // scikit-learn and python3-xgboost on fixed splits.
  struct Case {
    const char* dataset;
    double floor;
  };
  for (const char* algorithm : {"xgboost", "extra_trees", "linear", "mlp"}) {
    for (const Case& c : {Case{"iris", 0.85}, Case{"wine", 0.85}, Case{"cancer", 0.9}}) {
      Json job = Train({{"algorithm", algorithm},
                        {"dataset", {{"name", c.dataset}, {"version", 1}}},
                        {"target", "label"},
                        {"model_name", std::string(c.dataset) + "-" + algorithm}});
      ASSERT_EQ(job.value("state", ""), "succeeded") << algorithm << " " << job.dump();
      const Json& result = job["result"];
      EXPECT_EQ(result["evaluation_split"], "test");
      EXPECT_GE(result["metrics"]["accuracy"].get<double>(), c.floor)
          << algorithm << " on " << c.dataset << ": " << result.dump();
      auto v = Get("/models/" + std::string(c.dataset) + "-" + algorithm + "/versions/1");
      ASSERT_EQ(v.status, 200) << v.raw;
      EXPECT_EQ(v.body["algorithm"], algorithm);
      EXPECT_EQ(v.body["task"], std::string(c.dataset) == "cancer" ? "binary" : "multiclass");
      EXPECT_EQ(v.body["dataset"]["name"], c.dataset);
      EXPECT_EQ(v.body["dataset"]["version"], 1);
      EXPECT_EQ(v.body["dataset"]["content_hash"].get<std::string>().size(), 64u);
      EXPECT_EQ(v.body["lineage"]["job_id"], job["id"]);
      EXPECT_EQ(v.body["lineage"]["seed"], 0);
      EXPECT_TRUE(v.body["lineage"].contains("easel_version"));
      EXPECT_TRUE(v.body["params"].is_object() && !v.body["params"].empty());
      EXPECT_FALSE(v.body["signature"]["inputs"].empty());
      EXPECT_EQ(v.body["signature"]["classes"].size(),
                std::string(c.dataset) == "cancer" ? 2u : 3u);
    }
  }
  // The training curves are job metric series.
  auto jobs = Get("/jobs?limit=1");
  ASSERT_EQ(jobs.status, 200);
}

TEST_F(TrainingTest, ReportsEvaluationsLineageAliasesAndDownloads) {
  ImportSklearn("cancer", "breast_cancer.csv");
  for (int i = 0; i < 2; ++i) {
    Json job = Train({{"algorithm", "xgboost"},
                      {"dataset", {{"name", "cancer"}}},
                      {"target", "label"},
                      {"params", {{"n_estimators", 20 + i}}},
                      {"model_name", "cancer-gbm"}});
    ASSERT_EQ(job.value("state", ""), "succeeded") << job.dump();
    EXPECT_EQ(job["result"]["version"], i + 1);
  }
  auto e = Get("/models/cancer-gbm/versions/2/evaluation");
  ASSERT_EQ(e.status, 200) << e.raw;
  EXPECT_EQ(e.body["split"], "test");
  EXPECT_EQ(e.body["confusion_matrix"]["matrix"].size(), 2u);
  EXPECT_FALSE(e.body["roc"].empty());
  EXPECT_TRUE(e.body["calibration"].contains("ece"));
  EXPECT_FALSE(e.body["training"]["series"]["val_loss"].empty());

  auto report = Get("/models/cancer-gbm/versions/latest/report");
  ASSERT_EQ(report.status, 200) << report.raw;
  for (const char* id : {"summary", "lineage", "params", "metrics", "confusion", "roc", "pr",
                         "calibration", "training", "importance", "shap"}) {
    EXPECT_NE(report.raw.find(std::string("id=\"") + id + "\""), std::string::npos) << id;
  }
  EXPECT_EQ(report.raw.find("http"), std::string::npos) << "the report must work offline";

  // Lineage: which models used cancer v1?
  auto lineage = Get("/datasets/cancer/models?version=1");
  ASSERT_EQ(lineage.status, 200) << lineage.raw;
  EXPECT_EQ(lineage.body["items"].size(), 2u);
  EXPECT_EQ(Get("/datasets/cancer/models?version=2").body["items"].size(), 0u);

  // Aliases: set, resolve as model@alias, guard deletion, move.
  auto put = Send(*client_, "PUT", "/api/v1/projects/demo/models/cancer-gbm/aliases/production",
                  token_, R"({"version": 1})");
  ASSERT_EQ(put.status, 200) << put.raw;
  EXPECT_EQ(Get("/models/cancer-gbm@production").body["version"], 1);
  EXPECT_EQ(Get("/models/cancer-gbm/versions/production").body["version"], 1);
  EXPECT_EQ(Get("/models/cancer-gbm/versions/production/report").status, 200);
  auto del = Send(*client_, "DELETE", "/api/v1/projects/demo/models/cancer-gbm/versions/1", token_);
  EXPECT_EQ(del.status, 412) << del.raw;
  EXPECT_NE(del.raw.find("production"), std::string::npos);
  EXPECT_EQ(Get("/models/cancer-gbm").body["aliases"]["production"], 1);

  // Downloads: XGBoost's own JSON, and the native bundle.
  auto booster = Get("/models/cancer-gbm/versions/2/download?format=xgboost_json");
  ASSERT_EQ(booster.status, 200);
  EXPECT_TRUE(booster.body.contains("learner")) << booster.raw.substr(0, 200);
  auto bundle = Get("/models/cancer-gbm/versions/2/download");
  ASSERT_EQ(bundle.status, 200);
  EXPECT_EQ(bundle.raw.substr(0, 2), "PK");
  EXPECT_NE(bundle.raw.find("metadata.json"), std::string::npos);
  EXPECT_NE(bundle.raw.find("pipeline.json"), std::string::npos);
  EXPECT_EQ(Get("/models/cancer-gbm/versions/2/download?format=pickle").status, 400);

  // A final refit learns from the validation rows too: nothing is left to stop early on, and
  // the pipeline (fitted on the train split) is the one version 2 has.
  Json refit = Train({{"algorithm", "xgboost"},
                      {"dataset", {{"name", "cancer"}}},
                      {"target", "label"},
                      {"params", {{"n_estimators", 21}, {"early_stopping_rounds", 0}}},
                      {"train_on_validation", true},
                      {"model_name", "cancer-gbm"}});
  ASSERT_EQ(refit.value("state", ""), "succeeded") << refit.dump();
  auto v3 = Get("/models/cancer-gbm/versions/3");
  EXPECT_EQ(v3.body["lineage"]["train_on_validation"], true) << v3.raw;
  EXPECT_EQ(FileDigest(v3.body, "pipeline.json"),
            FileDigest(Get("/models/cancer-gbm/versions/2").body, "pipeline.json"));
  auto e3 = Get("/models/cancer-gbm/versions/3/evaluation");
  EXPECT_EQ(e3.body["split"], "test");
  EXPECT_FALSE(e3.body["training"]["series"].contains("val_loss")) << e3.raw.substr(0, 400);
  EXPECT_EQ(e3.body["training"]["series"]["train_loss"].size(), 21u);

  // Deleting the model releases everything; the lineage query forgets it.
  EXPECT_EQ(Send(*client_, "DELETE", "/api/v1/projects/demo/models/cancer-gbm", token_).status,
            204);
  EXPECT_EQ(Get("/models/cancer-gbm").status, 404);
  EXPECT_EQ(Get("/datasets/cancer/models").body["items"].size(), 0u);
}

TEST_F(TrainingTest, BadTrainSpecsAreClearErrorsAndNothingIsRegistered) {
  ImportSklearn("iris", "iris.csv");
  struct Case {
    Json spec;
    int status;
    std::string words;
  };
  const Json ds = {{"name", "iris"}};
  const Case cases[] = {
      {{{"algorithm", "forest"}, {"dataset", ds}, {"target", "label"}}, 400, "known algorithms"},
      {{{"dataset", ds}, {"target", "label"}}, 400, "algorithm"},
      {{{"algorithm", "xgboost"}, {"target", "label"}}, 400, "dataset"},
      {{{"algorithm", "xgboost"}, {"dataset", {{"name", "nope"}}}, {"target", "label"}},
       404,
       "nope"},
      {{{"algorithm", "xgboost"},
        {"dataset", {{"name", "iris"}, {"version", 9}}},
        {"target", "label"}},
       404,
       "version"},
      {{{"algorithm", "xgboost"}, {"dataset", {{"name", "iris"}, {"version", 0}}}}, 400, "version"},
      {{{"algorithm", "xgboost"}, {"dataset", ds}}, 400, "target"},
      {{{"algorithm", "xgboost"}, {"dataset", ds}, {"target", "colour"}}, 400, "no column"},
      {{{"algorithm", "xgboost"},
        {"dataset", ds},
        {"target", "label"},
        {"params", {{"max_depth", "deep"}}}},
       400,
       "params.max_depth"},
      {{{"algorithm", "xgboost"}, {"dataset", ds}, {"target", "label"}, {"params", {{"depth", 3}}}},
       400,
       "known parameters"},
      {{{"algorithm", "xgboost"},
        {"dataset", ds},
        {"target", "label"},
        {"resources", {{"device", "cuda"}}}},
       400,
       "CPU only"},
      {{{"algorithm", "xgboost"},
        {"dataset", ds},
        {"target", "label"},
        {"resources", {{"device", "tpu"}}}},
       400,
       "resources.device"},
      {{{"algorithm", "xgboost"}, {"dataset", ds}, {"target", "label"}, {"task", "ranking"}},
       400,
       "task"},
      {{{"algorithm", "xgboost"}, {"dataset", ds}, {"target", "label"}, {"model_name", "Bad!"}},
       400,
       "model"},
      {{{"algorithm", "xgboost"}, {"dataset", ds}, {"target", "label"}, {"colour", 1}},
       400,
       "unknown field"},
      {{{"algorithm", "xgboost"}, {"dataset", ds}, {"target", "label"}, {"train_on_validation", 1}},
       400,
       "train_on_validation"},
      {{{"algorithm", "image_classifier"}, {"dataset", ds}}, 400, "does not train on tabular"},
      {{{"algorithm", "xgboost"},
        {"dataset", ds},
        {"target", "label"},
        {"parent", {{"model", "m"}}}},
       400,
       "fine-tuning"},
  };
  for (const Case& c : cases) {
    auto r = Post("/jobs", {{"kind", "train"}, {"spec", c.spec}});
    EXPECT_EQ(r.status, c.status) << c.spec.dump() << " -> " << r.raw;
    EXPECT_NE(r.raw.find(c.words), std::string::npos) << c.spec.dump() << " -> " << r.raw;
  }
  // A regression task on a text target fails the job with a clear error, registering nothing.
  Json job = Train(
      {{"algorithm", "linear"}, {"dataset", ds}, {"target", "label"}, {"task", "regression"}});
  EXPECT_EQ(job.value("state", ""), "failed") << job.dump();
  EXPECT_NE(job.dump().find("not a number"), std::string::npos) << job.dump();
  // CUDA on a machine without it: a failed job saying so.
  job = Train({{"algorithm", "mlp"},
               {"dataset", ds},
               {"target", "label"},
               {"resources", {{"device", "cuda"}}}});
  if (job.value("state", "") == "failed") {
    EXPECT_NE(job.dump().find("CUDA"), std::string::npos) << job.dump();
  }
  EXPECT_EQ(Get("/models").body["items"].size(), job.value("state", "") == "succeeded" ? 1u : 0u);
  EXPECT_EQ(Send(*client_, "GET", "/healthz", "").status, 200);
}

TEST_F(TrainingTest, AWorkerKilledMidTrainingResumesToTheSameWeights) {
  ImportSklearn("cancer", "breast_cancer.csv");
  const Json spec = {
      {"algorithm", "mlp"},
      {"dataset", {{"name", "cancer"}}},
      {"target", "label"},
      {"seed", 7},
      {"resources", {{"threads", 1}}},
      {"params", {{"epochs", 150}, {"batch_size", 16}, {"early_stopping_patience", 0}}}};
  Json straight = Train(spec);
  ASSERT_EQ(straight.value("state", ""), "succeeded") << straight.dump();

  auto r = Post("/jobs", {{"kind", "train"}, {"spec", spec}});
  ASSERT_EQ(r.status, 202);
  const std::string id = r.body["id"];
  // Kill the worker once it is well into training (past a few checkpoints).
  pid_t worker = -1;
  for (int i = 0; i < 2000; ++i) {
    auto j = Get("/jobs/" + id);
    double fraction = j.body["progress"].value("fraction", 0.0);
    if (fraction > 0.3 && fraction < 0.8) {
      worker = FindWorker(id);
      break;
    }
    ASSERT_NE(j.body.value("state", ""), "succeeded") << "finished before it could be killed";
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_GT(worker, 0);
  ASSERT_EQ(::kill(worker, SIGKILL), 0);
  Json resumed = WaitJob(id);
  ASSERT_EQ(resumed.value("state", ""), "succeeded") << resumed.dump();
  EXPECT_EQ(resumed["attempt"], 2);
  auto logs = Get("/jobs/" + id + "/logs");
  EXPECT_NE(logs.raw.find("resum"), std::string::npos) << logs.raw.substr(0, 2000);

  auto a = Get("/models/" + straight["result"]["model"].get<std::string>() + "/versions/" +
               std::to_string(straight["result"]["version"].get<int>()));
  auto b = Get("/models/" + resumed["result"]["model"].get<std::string>() + "/versions/" +
               std::to_string(resumed["result"]["version"].get<int>()));
  ASSERT_FALSE(FileDigest(a.body, "weights.safetensors").empty()) << a.raw;
  EXPECT_EQ(FileDigest(a.body, "weights.safetensors"), FileDigest(b.body, "weights.safetensors"));
  EXPECT_EQ(a.body["metrics"], b.body["metrics"]);
}

TEST_F(TrainingTest, TheCliTrainsReportsAliasesAndDownloads) {
  ImportSklearn("iris", "iris.csv");
  TempDir home;
  auto run = [&](std::vector<std::string> args) {
    CliResult r =
        RunCli(home.path(), server_.url(), token_, std::move(args), {"EASEL_PROJECT=demo"});
    return std::make_tuple(r.code, r.out, r.err);
  };
  auto [code, out, err] = run({"train", "-a", "xgboost", "-d", "iris@1", "--target", "label",
                               "--params", R"({"n_estimators": 15})", "--model-name", "flowers"});
  ASSERT_EQ(code, 0) << out << err;
  EXPECT_NE(out.find("Registered model flowers v1"), std::string::npos) << out;
  std::tie(code, out, err) = run({"algorithm", "list"});
  EXPECT_EQ(code, 0) << err;
  for (const char* a : {"xgboost", "extra_trees", "linear", "mlp", "image_classifier"}) {
    EXPECT_NE(out.find(a), std::string::npos) << out;
  }
  std::tie(code, out, err) = run({"model", "alias", "set", "flowers", "production", "1"});
  EXPECT_EQ(code, 0) << err;
  std::tie(code, out, err) = run({"model", "show", "flowers@production"});
  EXPECT_EQ(code, 0) << err;
  EXPECT_NE(out.find("xgboost"), std::string::npos) << out;
  EXPECT_NE(out.find("production"), std::string::npos) << out;
  const std::string report = (home.path() / "report.html").string();
  std::tie(code, out, err) = run({"model", "report", "flowers@production", "-o", report});
  ASSERT_EQ(code, 0) << err;
  std::ifstream html(report);
  std::string text((std::istreambuf_iterator<char>(html)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("id=\"confusion\""), std::string::npos);
  const std::string booster = (home.path() / "booster.json").string();
  std::tie(code, out, err) =
      run({"model", "download", "flowers", "--format", "xgboost_json", "-o", booster});
  ASSERT_EQ(code, 0) << err;
  EXPECT_TRUE(Json::parse(std::ifstream(booster)).contains("learner"));
  std::tie(code, out, err) = run({"model", "delete", "flowers@1"});
  EXPECT_EQ(code, 1) << "an aliased version is kept";
  EXPECT_NE(err.find("production"), std::string::npos) << err;
  std::tie(code, out, err) = run({"train", "-a", "xgboost", "-d", "iris", "--params", "{x"});
  EXPECT_EQ(code, 2) << "a malformed --params is a usage error";
}

TEST_F(TrainingTest, ImageClassifierLearnsTheDigitsAndEvaluatesOnDemand) {
  ASSERT_EQ(Post("/datasets", {{"name", "digits"}, {"type", "image_classification"}}).status, 201);
  httplib::MultipartFormDataItems items = {
      {"file", DigitsZip(400), "digits.zip", "application/zip"},
      {"format", "image_folder", "", ""}};
  auto up = client_->Post("/api/v1/projects/demo/datasets/digits/imports",
                          httplib::Headers{{"Authorization", "Bearer " + token_}}, items);
  ASSERT_TRUE(up && up->status == 202) << (up ? up->body : "no answer");
  ASSERT_EQ(WaitJob(Json::parse(up->body)["job_id"]).value("state", ""), "succeeded");

  Json job = Train(600s, {{"algorithm", "image_classifier"},
                          {"dataset", {{"name", "digits"}}},
                          {"model_name", "digits-net"},
                          {"params",
                           {{"arch", "resnet18"},
                            {"width", 0.25},
                            {"input_size", 32},
                            {"grayscale", true},
                            {"epochs", 5},
                            {"batch_size", 32},
                            {"learning_rate", 0.003},
                            {"augment", false}}}});
  ASSERT_EQ(job.value("state", ""), "succeeded") << job.dump();
  EXPECT_GE(job["result"]["metrics"]["accuracy"].get<double>(), 0.8) << job.dump();
  auto v = Get("/models/digits-net/versions/1");
  ASSERT_EQ(v.status, 200);
  EXPECT_EQ(v.body["format"], "torch_image");
  EXPECT_EQ(v.body["signature"]["classes"].size(), 10u);
  EXPECT_FALSE(FileDigest(v.body, "weights.safetensors").empty());

  // Evaluate the same version on every split of the dataset, on demand.
  auto r = Post("/models/digits-net/versions/1/evaluations",
                {{"dataset", {{"name", "digits"}, {"version", 1}}}, {"split", "all"}});
  ASSERT_EQ(r.status, 202) << r.raw;
  Json done = WaitJob(r.body["job_id"]);
  ASSERT_EQ(done.value("state", ""), "succeeded") << done.dump();
  EXPECT_EQ(done["result"]["num_samples"], 400);
  auto evals = Get("/models/digits-net/versions/1/evaluations");
  ASSERT_EQ(evals.body["items"].size(), 2u);
  auto latest = Get("/models/digits-net/versions/1/evaluation");
  EXPECT_EQ(latest.body["split"], "all");
  EXPECT_EQ(latest.body["confusion_matrix"]["matrix"].size(), 10u);
  // Grad-CAM pictures of the most confident mistakes (up to 8), most confident first.
  size_t mistakes = 0;
  const Json& matrix = latest.body["confusion_matrix"]["matrix"];
  for (size_t t = 0; t < matrix.size(); ++t) {
    for (size_t p = 0; p < matrix[t].size(); ++p)
      mistakes += t == p ? 0 : matrix[t][p].get<size_t>();
  }
  const Json& heatmaps = latest.body["heatmaps"];
  ASSERT_TRUE(heatmaps.is_array()) << latest.raw.substr(0, 500);
  EXPECT_EQ(heatmaps.size(), std::min<size_t>(8, mistakes));
  double confidence = 1.0;
  for (const Json& h : heatmaps) {
    EXPECT_NE(h["true_label"], h["predicted"]);
    EXPECT_LE(h["confidence"].get<double>(), confidence);
    confidence = h["confidence"];
    EXPECT_EQ(h["png_base64"].get<std::string>().rfind("iVBORw0KGgo", 0), 0u) << "a PNG";
  }
  auto report = Get("/models/digits-net/versions/1/report");
  ASSERT_EQ(report.status, 200);
  EXPECT_NE(report.raw.find("id=\"confusion\""), std::string::npos);
  if (mistakes > 0) {
    EXPECT_NE(report.raw.find("id=\"heatmaps\""), std::string::npos);
    EXPECT_NE(report.raw.find("data:image/png;base64,iVBORw0KGgo"), std::string::npos);
  }

  // Close the labeling loop: pre-label a task with the model, ask for the least certain
  // samples first, accept the confident pre-labels.
  std::vector<std::string> labels;
  for (int d = 0; d < 10; ++d) labels.push_back(std::to_string(d));
  auto task = Post("/labeling-tasks", {{"name", "relabel"},
                                       {"dataset", "digits"},
                                       {"version", 1},
                                       {"kind", "classification"},
                                       {"labels", labels}});
  ASSERT_EQ(task.status, 201) << task.raw;
  auto pre = Post("/labeling-tasks/relabel/prelabel", {{"model", "digits-net@latest"}});
  ASSERT_EQ(pre.status, 202) << pre.raw;
  Json prelabeled = WaitJob(pre.body["job_id"]);
  ASSERT_EQ(prelabeled.value("state", ""), "succeeded") << prelabeled.dump();
  EXPECT_EQ(prelabeled["result"]["prelabeled"], 400) << prelabeled.dump();
  auto queue = Get("/labeling-tasks/relabel/queue?strategy=uncertainty&limit=5");
  ASSERT_EQ(queue.status, 200) << queue.raw;
  ASSERT_EQ(queue.body["items"].size(), 5u);
  double previous = 0;
  for (const Json& item : queue.body["items"]) {
    double confidence = item["prelabel"]["confidence"];
    EXPECT_GE(confidence, previous) << "least confident first";
    previous = confidence;
  }
  auto accepted = Post("/labeling-tasks/relabel/prelabels/accept", {{"threshold", 0.9}});
  ASSERT_EQ(accepted.status, 200) << accepted.raw;
  EXPECT_GT(accepted.body["accepted"].get<int>(), 50) << accepted.raw;
  EXPECT_EQ(Post("/labeling-tasks/relabel/prelabel", {{"model", "nope"}}).status, 404);

  // Bad evaluation requests.
  EXPECT_EQ(
      Post("/models/digits-net/versions/1/evaluations", {{"dataset", {{"name", "nope"}}}}).status,
      404);
  EXPECT_EQ(Post("/models/digits-net/versions/1/evaluations",
                 {{"dataset", {{"name", "digits"}}}, {"split", "middle"}})
                .status,
            400);
  EXPECT_EQ(Post("/models/digits-net/versions/1/evaluations",
                 {{"dataset", {{"name", "digits"}}}, {"colour", 1}})
                .status,
            400);
  EXPECT_EQ(
      Post("/models/digits-net/versions/9/evaluations", {{"dataset", {{"name", "digits"}}}}).status,
      404);
}

}  // namespace
}  // namespace easel::testing
