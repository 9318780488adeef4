// The `batch_predict` job kind end to end: predictions over a dataset version and over uploaded
// files equal the online endpoint's for the same rows, a killed worker's job resumes without
// writing a row twice, and bad specs are refused at submit time (or fail the job with an error
// naming the problem when only the file can tell).

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "serving_fixture.h"
#include "testing/processes.h"
#include "testing/temp_dir.h"

namespace easel::testing {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Our outputs quote nothing for iris: a plain split is enough.
std::vector<std::string> Fields(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream in(line);
  for (std::string f; std::getline(in, f, ',');) out.push_back(f);
  return out;
}

constexpr const char* kColumns[] = {"f0", "f1", "f2", "f3"};
constexpr const char* kClasses[] = {"setosa", "versicolor", "virginica"};

class BatchPredictTest : public ServingTest {
 protected:
  Response Submit(const Json& spec) {
    return Post("/jobs", {{"kind", "batch_predict"}, {"spec", spec}});
  }

  // Submits and waits; the finished job.
  Json Run(const Json& spec) {
    auto r = Submit(spec);
    EXPECT_EQ(r.status, 202) << r.raw;
    if (r.status != 202) return Json::object();
    return Wait(r.body["id"]);
  }

  std::string Upload(const std::string& name, const std::string& content,
                     const std::string& type = "application/octet-stream") {
    auto r = Send(*client_, "POST", "/api/v1/projects/demo/artifacts?name=" + name, token_, content,
                  type);
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.body.value("id", "");
  }

  Response Artifact(const std::string& id) {
    return Send(*client_, "GET", "/api/v1/projects/demo/artifacts/" + id, token_);
  }
  std::string Content(const std::string& id) {
    auto r = Send(*client_, "GET", "/api/v1/projects/demo/artifacts/" + id + "/content", token_);
    EXPECT_EQ(r.status, 200);
    return r.raw;
  }

  // The iris samples of version 1 in manifest order (the CSV's order).
  Json Samples() {
    auto r = Send(*client_, "GET",
                  "/api/v1/projects/demo/datasets/iris/versions/1/samples?limit=1000", token_);
    EXPECT_EQ(r.status, 200) << r.raw;
    return r.body["items"];
  }

  // The endpoint's probabilities for rows given as {column: cell | null} objects.
  std::vector<float> Online(const std::string& endpoint, const std::vector<Json>& rows) {
    Json data = Json::array();
    for (const Json& row : rows) data.push_back(row.dump());
    auto r = Infer(
        endpoint,
        Json{
            {"inputs",
             {{{"name", "rows"}, {"datatype", "BYTES"}, {"shape", {rows.size()}}, {"data", data}}}},
            {"outputs", {{{"name", "probabilities"}}}}}
            .dump());
    EXPECT_EQ(r.status, 200) << r.raw;
    return Floats(r.body["outputs"][0]["data"]);
  }

  // Iris row i as the rows input takes it, cells as the CSV wrote them.
  Json IrisRow(size_t i) const {
    Json row = Json::object();
    for (int c = 0; c < 4; ++c) row[kColumns[c]] = iris_.cells[i][c];
    return row;
  }

  void CreateEndpoint() {
    auto created = Post("/endpoints", Endpoint("iris", {{{"model", "iris-gbm"}, {"version", 1}}}));
    ASSERT_EQ(created.status, 201) << created.raw;
  }
};

TEST_F(BatchPredictTest, DatasetPredictionsEqualTheEndpointsInCsvAndJsonLines) {
  Train("xgboost", "iris-gbm");
  CreateEndpoint();
  const size_t n = iris_.cells.size();
  std::vector<Json> rows;
  for (size_t i = 0; i < n; ++i) rows.push_back(IrisRow(i));
  const std::vector<float> online = Online("iris", rows);
  const std::vector<float> offline = Offline("iris-gbm", 1);
  ASSERT_EQ(online.size(), n * 3);
  const Json samples = Samples();
  ASSERT_EQ(samples.size(), n);
  for (size_t i = 0; i < n; ++i) {
    ASSERT_EQ(samples[i]["values"]["f0"], iris_.cells[i][0]) << "the manifest keeps the CSV order";
  }

  // CSV over every sample.
  Json job = Run({{"model", "iris-gbm"}, {"dataset", {{"name", "iris"}}}});
  ASSERT_EQ(job.value("state", ""), "succeeded") << job.dump();
  const Json& result = job["result"];
  EXPECT_EQ(result["rows"], n);
  EXPECT_EQ(result["model"], "iris-gbm");
  EXPECT_EQ(result["version"], 1);
  EXPECT_EQ(result["output_format"], "csv");
  EXPECT_EQ(result["output_name"], "iris-gbm-v1-predictions.csv");
  EXPECT_EQ(result["dataset"]["version"], 1);
  EXPECT_EQ(job["progress"]["fraction"], 1.0);
  auto meta = Artifact(result["artifact_id"]);
  ASSERT_EQ(meta.status, 200) << meta.raw;
  EXPECT_EQ(meta.body["name"], "iris-gbm-v1-predictions.csv");
  EXPECT_EQ(meta.body["content_type"], "text/csv");
  std::vector<std::string> lines = Lines(Content(result["artifact_id"]));
  ASSERT_EQ(lines.size(), n + 1);
  EXPECT_EQ(lines[0], "id,label,p_setosa,p_versicolor,p_virginica");
  for (size_t i = 0; i < n; ++i) {
    std::vector<std::string> f = Fields(lines[i + 1]);
    ASSERT_EQ(f.size(), 5u) << lines[i + 1];
    EXPECT_EQ(f[0], samples[i]["id"]);
    size_t best = 0;
    for (size_t c = 0; c < 3; ++c) {
      const double p = std::stod(f[2 + c]);
      EXPECT_NEAR(p, online[i * 3 + c], 1e-6) << "row " << i;
      EXPECT_NEAR(p, offline[i * 3 + c], 1e-6) << "row " << i;
      if (online[i * 3 + c] > online[i * 3 + best]) best = c;
    }
    EXPECT_EQ(f[1], kClasses[best]) << "row " << i;
  }

  // JSON lines over the test split.
  job = Run({{"model", "iris-gbm@1"},
             {"dataset", {{"name", "iris"}, {"version", 1}}},
             {"split", "test"},
             {"output_format", "jsonl"},
             {"output_name", "iris-test.jsonl"},
             {"batch_size", 7}});
  ASSERT_EQ(job.value("state", ""), "succeeded") << job.dump();
  std::map<std::string, size_t> test_rows;
  for (size_t i = 0; i < n; ++i) {
    if (samples[i]["split"] == "test") test_rows[samples[i]["id"]] = i;
  }
  ASSERT_FALSE(test_rows.empty());
  EXPECT_EQ(job["result"]["rows"], test_rows.size());
  EXPECT_EQ(job["result"]["split"], "test");
  meta = Artifact(job["result"]["artifact_id"]);
  EXPECT_EQ(meta.body["name"], "iris-test.jsonl");
  EXPECT_EQ(meta.body["content_type"], "application/x-ndjson");
  lines = Lines(Content(job["result"]["artifact_id"]));
  ASSERT_EQ(lines.size(), test_rows.size());
  std::set<std::string> seen;
  for (const std::string& line : lines) {
    Json j = Json::parse(line);
    ASSERT_TRUE(j["id"].is_string()) << line;
    auto row = test_rows.find(j["id"]);
    ASSERT_NE(row, test_rows.end()) << line;
    seen.insert(row->first);
    ASSERT_EQ(j["probabilities"].size(), 3u) << line;
    size_t best = 0;
    for (size_t c = 0; c < 3; ++c) {
      EXPECT_NEAR(j["probabilities"][kClasses[c]].get<double>(), online[row->second * 3 + c], 1e-6);
      if (online[row->second * 3 + c] > online[row->second * 3 + best]) best = c;
    }
    EXPECT_EQ(j["label"], kClasses[best]) << line;
  }
  EXPECT_EQ(seen.size(), test_rows.size());
}

TEST_F(BatchPredictTest, AnUploadedFileWithMissingCellsPredictsAsOnline) {
  Train("xgboost", "iris-gbm");
  CreateEndpoint();
  // The first 12 iris rows with their labels (the target may come along), one cell left empty
  // and one NA: missing values, which xgboost reads.
  std::string csv = "f0,f1,f2,f3,label\n";
  std::vector<Json> rows;
  for (size_t i = 0; i < 12; ++i) {
    Json row = IrisRow(i);
    std::vector<std::string> cells = iris_.cells[i];
    if (i == 3) {
      cells[2] = "";
      row["f2"] = nullptr;
    }
    if (i == 7) {
      cells[0] = "NA";
      row["f0"] = nullptr;
    }
    csv += cells[0] + "," + cells[1] + "," + cells[2] + "," + cells[3] + ",setosa\n";
    rows.push_back(row);
  }
  const std::vector<float> online = Online("iris", rows);
  const std::string file = Upload("holdout.csv", csv, "text/csv");

  Json job = Run({{"model", "iris-gbm"},
                  {"version", "latest"},
                  {"artifact", file},
                  {"output_format", "jsonl"},
                  {"batch_size", 5}});
  ASSERT_EQ(job.value("state", ""), "succeeded") << job.dump();
  EXPECT_EQ(job["result"]["rows"], 12);
  EXPECT_EQ(job["result"]["input_artifact"], file);
  std::vector<std::string> lines = Lines(Content(job["result"]["artifact_id"]));
  ASSERT_EQ(lines.size(), 12u);
  for (size_t i = 0; i < lines.size(); ++i) {
    Json j = Json::parse(lines[i]);
    EXPECT_EQ(j["id"], i) << "file rows are numbered from 0";
    for (size_t c = 0; c < 3; ++c) {
      EXPECT_NEAR(j["probabilities"][kClasses[c]].get<double>(), online[i * 3 + c], 1e-6)
          << lines[i];
    }
  }

  // The same rows as JSON lines (a key left out is a missing value; cells may be JSON numbers,
  // read as the text they are written in), CSV out.
  std::string jsonl;
  for (size_t i = 0; i < rows.size(); ++i) {
    Json row = rows[i];
    if (row["f2"].is_null()) row.erase("f2");
    if (i % 2 == 1) {
      for (auto& [key, cell] : row.items()) {
        if (cell.is_string()) cell = std::stod(cell.get<std::string>());
      }
    }
    jsonl += row.dump() + "\n";
  }
  const std::string jfile = Upload("holdout.jsonl", jsonl);
  job = Run({{"model", "iris-gbm"}, {"artifact", jfile}});
  ASSERT_EQ(job.value("state", ""), "succeeded") << job.dump();
  lines = Lines(Content(job["result"]["artifact_id"]));
  ASSERT_EQ(lines.size(), 13u);
  for (size_t i = 0; i < 12; ++i) {
    std::vector<std::string> f = Fields(lines[i + 1]);
    ASSERT_EQ(f.size(), 5u);
    EXPECT_EQ(f[0], std::to_string(i));
    for (size_t c = 0; c < 3; ++c) EXPECT_NEAR(std::stod(f[2 + c]), online[i * 3 + c], 1e-6);
  }

  // A cell the model's transforms cannot read fails the job, naming the row (online, a 400).
  const std::string bad = Upload("bad.csv", "f0,f1,f2,f3\n1,2,3,4\n5,6,7,8\n1,two,3,4\n");
  job = Run({{"model", "iris-gbm"}, {"artifact", bad}, {"batch_size", 2}});
  ASSERT_EQ(job.value("state", ""), "failed") << job.dump();
  EXPECT_EQ(job["error"]["code"], "INVALID_ARGUMENT");
  EXPECT_NE(job["error"]["message"].get<std::string>().find("bad.csv row 2: "), std::string::npos)
      << job.dump();
  // A cell with characters JSON escapes reaches the transforms as the text it is; bytes that
  // are not UTF-8 fail the file as they would fail its import.
  for (auto [name, body, message] :
       {std::tuple{"quote.csv", "f0,f1,f2,f3\n1,2,3,4\n1,\"t\"\"w\\o\",3,4\n",
                   R"(quote.csv row 1: column 'f1': 't"w\o' is not a number)"},
        std::tuple{"bytes.csv", "f0,f1,f2,f3\n1,\xff,3,4\n", "bytes.csv line 2: invalid UTF-8"}}) {
    job = Run({{"model", "iris-gbm"}, {"artifact", Upload(name, body)}, {"batch_size", 4}});
    ASSERT_EQ(job.value("state", ""), "failed") << job.dump();
    EXPECT_NE(job["error"]["message"].get<std::string>().find(message), std::string::npos)
        << job.dump();
  }
}

TEST_F(BatchPredictTest, AKilledJobResumesWithoutDuplicatingRows) {
  Train("xgboost", "iris-gbm");
  const std::vector<float> offline = Offline("iris-gbm", 1);
  const size_t n = iris_.cells.size();
  // Enough rows, predicted one per call, for the job to run well past its first checkpoint.
  constexpr size_t kRows = 400'000;
  std::string csv = "f0,f1,f2,f3\n";
  for (size_t i = 0; i < kRows; ++i) {
    const auto& c = iris_.cells[i % n];
    csv += c[0] + "," + c[1] + "," + c[2] + "," + c[3] + "\n";
  }
  const std::string file = Upload("big.csv", csv);
  auto submitted = Submit({{"model", "iris-gbm"}, {"artifact", file}, {"batch_size", 1}});
  ASSERT_EQ(submitted.status, 202) << submitted.raw;
  const std::string id = submitted.body["id"];

  // Kill the worker once it has written some rows, well before the end.
  pid_t worker = -1;
  for (int i = 0; i < 6000 && worker < 0; ++i) {
    auto job = Send(*client_, "GET", "/api/v1/projects/demo/jobs/" + id, token_);
    const double fraction = job.body["progress"].value("fraction", 0.0);
    ASSERT_NE(job.body.value("state", ""), "succeeded") << "finished before it could be killed";
    if (job.body.value("state", "") == "running" && fraction > 0.02) worker = FindWorker(id);
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_GT(worker, 0) << "the job never got going";
  ASSERT_EQ(::kill(worker, SIGKILL), 0);

  Json job = Wait(id);
  ASSERT_EQ(job.value("state", ""), "succeeded") << job.dump();
  EXPECT_EQ(job["attempt"], 2);
  EXPECT_EQ(job["result"]["rows"], kRows);
  auto logs = Send(*client_, "GET", "/api/v1/projects/demo/jobs/" + id + "/logs", token_);
  EXPECT_NE(logs.raw.find("resuming after row"), std::string::npos) << logs.raw;

  const std::vector<std::string> lines = Lines(Content(job["result"]["artifact_id"]));
  ASSERT_EQ(lines.size(), kRows + 1);
  EXPECT_EQ(lines[0], "id,label,p_setosa,p_versicolor,p_virginica");
  for (size_t i = 0; i < kRows; ++i) {
    std::vector<std::string> f = Fields(lines[i + 1]);
    ASSERT_EQ(f.size(), 5u) << "line " << i + 1 << ": " << lines[i + 1];
    ASSERT_EQ(f[0], std::to_string(i)) << "every row once, in order";
    for (size_t c = 0; c < 3; ++c) {
      ASSERT_NEAR(std::stod(f[2 + c]), offline[(i % n) * 3 + c], 1e-6) << "row " << i;
    }
  }
  // One output artifact, however many attempts.
  auto list = Send(*client_, "GET", "/api/v1/projects/demo/artifacts", token_);
  size_t outputs = 0;
  for (const Json& a : list.body["items"]) outputs += a["name"] == "iris-gbm-v1-predictions.csv";
  EXPECT_EQ(outputs, 1u);
}

TEST_F(BatchPredictTest, KeptColumnsComeThroughAsTheInputHeldThem) {
  Train("xgboost", "iris-gbm");
  const std::vector<float> offline = Offline("iris-gbm", 1);
  // Four iris rows with a customer id the model does not read (quoted with a comma, missing,
  // a number) and the label, which is the model's target.
  const std::vector<std::string> customers = {"\"c,1\"", "", "c3", "7"};
  std::string csv = "customer,f0,f1,f2,f3,label\n";
  std::string jsonl;
  for (size_t i = 0; i < customers.size(); ++i) {
    const auto& c = iris_.cells[i];
    csv += customers[i] + "," + c[0] + "," + c[1] + "," + c[2] + "," + c[3] + ",setosa\n";
    Json row = IrisRow(i);
    row["label"] = "setosa";
    if (i == 0) row["customer"] = "c,1";
    if (i == 2) row["customer"] = "c3";
    if (i == 3) row["customer"] = 7;
    jsonl += row.dump() + "\n";
  }
  const Json keep = {"customer", "label"};
  Json job =
      Run({{"model", "iris-gbm"}, {"artifact", Upload("kept.csv", csv)}, {"keep_columns", keep}});
  ASSERT_EQ(job.value("state", ""), "succeeded") << job.dump();
  std::vector<std::string> lines = Lines(Content(job["result"]["artifact_id"]));
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0], "id,input.customer,input.label,label,p_setosa,p_versicolor,p_virginica");
  // The kept cells, then the predicted label (setosa, as these rows are).
  EXPECT_TRUE(lines[1].starts_with("0,\"c,1\",setosa,setosa,")) << "quoted: " << lines[1];
  EXPECT_TRUE(lines[2].starts_with("1,,setosa,setosa,")) << "a missing cell: " << lines[2];
  EXPECT_TRUE(lines[3].starts_with("2,c3,setosa,setosa,")) << lines[3];
  EXPECT_TRUE(lines[4].starts_with("3,7,setosa,setosa,")) << lines[4];
  for (size_t i = 0; i < 4; ++i) {
    const std::string& line = lines[i + 1];
    // The probabilities are the last three fields, as without kept columns.
    std::vector<std::string> f = Fields(line);
    ASSERT_GE(f.size(), 5u) << line;
    for (size_t c = 0; c < 3; ++c) {
      EXPECT_NEAR(std::stod(f[f.size() - 3 + c]), offline[i * 3 + c], 1e-6) << line;
    }
  }

  job = Run({{"model", "iris-gbm"},
             {"artifact", Upload("kept.jsonl", jsonl)},
             {"keep_columns", keep},
             {"output_format", "jsonl"}});
  ASSERT_EQ(job.value("state", ""), "succeeded") << job.dump();
  lines = Lines(Content(job["result"]["artifact_id"]));
  ASSERT_EQ(lines.size(), 4u);
  const Json inputs[] = {{{"customer", "c,1"}, {"label", "setosa"}},
                         {{"customer", nullptr}, {"label", "setosa"}},
                         {{"customer", "c3"}, {"label", "setosa"}},
                         {{"customer", "7"}, {"label", "setosa"}}};
  for (size_t i = 0; i < 4; ++i) {
    Json j = Json::parse(lines[i]);
    EXPECT_EQ(j["input"], inputs[i]) << lines[i];
    EXPECT_NEAR(j["probabilities"]["setosa"].get<double>(), offline[i * 3], 1e-6) << lines[i];
  }

  // The CLI uploads the file, waits for the job and says where the output is.
  TempDir home;
  const std::filesystem::path local = home.path() / "kept.csv";
  std::ofstream(local) << csv;
  CliResult cli = RunCli(home.path(), server_->url(), token_,
                         {"batch-predict", "iris-gbm@1", "--input", local.string(), "--keep",
                          "customer,label", "--format", "jsonl"},
                         {"EASEL_PROJECT=demo"});
  ASSERT_EQ(cli.code, 0) << cli.out << cli.err;
  EXPECT_NE(cli.out.find("Wrote 4 predictions of iris-gbm v1 to artifact "), std::string::npos)
      << cli.out;
  const size_t to = cli.out.find("to artifact ") + std::string("to artifact ").size();
  lines = Lines(Content(cli.out.substr(to, cli.out.find(' ', to) - to)));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(Json::parse(lines[0])["input"], inputs[0]) << lines[0];

  // Over a dataset: the label each sample holds.
  job = Run({{"model", "iris-gbm"},
             {"dataset", {{"name", "iris"}}},
             {"keep_columns", {"label"}},
             {"output_format", "jsonl"}});
  ASSERT_EQ(job.value("state", ""), "succeeded") << job.dump();
  const Json samples = Samples();
  lines = Lines(Content(job["result"]["artifact_id"]));
  ASSERT_EQ(lines.size(), samples.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    Json j = Json::parse(lines[i]);
    EXPECT_EQ(j["input"]["label"], samples[i]["values"]["label"]) << lines[i];
  }
}

TEST_F(BatchPredictTest, BadSpecsAreRefused) {
  Train("xgboost", "iris-gbm");
  const std::string file = Upload("other.csv", "a,b\n1,2\n3,4\n");
  const Json ds = {{"name", "iris"}};
  struct Case {
    Json spec;
    int status;
    std::string words;
  };
  const Case cases[] = {
      {{{"model", "iris-gbm"}, {"dataset", ds}, {"artifact", file}}, 400, "not both"},
      {{{"model", "iris-gbm"}}, 400, "either a dataset"},
      {{{"dataset", ds}}, 400, "model"},
      {{{"model", "iris-gbm"}, {"dataset", ds}, {"output_format", "parquet"}}, 400, "csv or jsonl"},
      {{{"model", "iris-gbm"}, {"dataset", ds}, {"batch_size", 0}}, 400, "batch_size"},
      {{{"model", "iris-gbm"}, {"dataset", ds}, {"batch_size", 70000}}, 400, "batch_size"},
      {{{"model", "iris-gbm"}, {"dataset", ds}, {"split", "middle"}}, 400, "split"},
      {{{"model", "iris-gbm"}, {"artifact", file}, {"split", "test"}}, 400, "split"},
      {{{"model", "iris-gbm"}, {"dataset", ds}, {"output_name", "a/b.csv"}}, 400, "output_name"},
      {{{"model", "iris-gbm"}, {"dataset", ds}, {"colour", 1}}, 400, "colour"},
      {{{"model", "iris-gbm@1"}, {"version", 1}, {"dataset", ds}}, 400, "version"},
      {{{"model", "iris-gbm"}, {"dataset", {{"name", "iris"}, {"version", 0}}}}, 400, "version"},
      {{{"model", "iris-gbm"}, {"dataset", ds}, {"keep_columns", "label"}}, 400, "keep_columns"},
      {{{"model", "iris-gbm"}, {"dataset", ds}, {"keep_columns", {"label", "label"}}},
       400,
       "'label' twice"},
      {{{"model", "iris-gbm"}, {"dataset", ds}, {"keep_columns", {""}}}, 400, "keep_columns"},
      // The dataset's columns are known at submit; a file's only when it is read.
      {{{"model", "iris-gbm"}, {"dataset", ds}, {"keep_columns", {"customer"}}},
       400,
       "no column 'customer' to keep"},
      // Referring to what does not exist is a 404, as for train and evaluate specs.
      {{{"model", "nope"}, {"dataset", ds}}, 404, "nope"},
      {{{"model", "iris-gbm"}, {"version", 9}, {"dataset", ds}}, 404, "9"},
      {{{"model", "iris-gbm"}, {"dataset", {{"name", "nope"}}}}, 404, "nope"},
      {{{"model", "iris-gbm"}, {"artifact", "01jz0000000000000000000000"}}, 404, "artifact"},
  };
  for (const Case& c : cases) {
    auto r = Submit(c.spec);
    EXPECT_EQ(r.status, c.status) << c.spec.dump() << " -> " << r.raw;
    EXPECT_NE(r.raw.find(c.words), std::string::npos) << c.spec.dump() << " -> " << r.raw;
  }

  // A file whose columns are not the model's: only reading it tells, so the job fails.
  Json job = Run({{"model", "iris-gbm"}, {"artifact", file}});
  ASSERT_EQ(job.value("state", ""), "failed") << job.dump();
  EXPECT_EQ(job["error"]["code"], "INVALID_ARGUMENT");
  const std::string message = job["error"]["message"];
  EXPECT_NE(message.find("other.csv has no column 'f0', 'f1', 'f2', 'f3'"), std::string::npos)
      << message;
  EXPECT_NE(message.find("'a', 'b', which the model does not read"), std::string::npos) << message;

  // A file without a kept column fails as one without an input column does.
  job = Run({{"model", "iris-gbm"},
             {"artifact", Upload("plain.csv", "f0,f1,f2,f3\n1,2,3,4\n")},
             {"keep_columns", {"customer"}}});
  ASSERT_EQ(job.value("state", ""), "failed") << job.dump();
  EXPECT_NE(job["error"]["message"].get<std::string>().find("plain.csv has no column 'customer'"),
            std::string::npos)
      << job.dump();

  // A JSON-lines row with a column the model does not read names its line.
  const std::string jfile =
      Upload("rows.jsonl", "{\"f0\":1,\"f1\":2,\"f2\":3,\"f3\":4}\n{\"f0\":1,\"petal\":2}\n");
  job = Run({{"model", "iris-gbm"}, {"artifact", jfile}});
  ASSERT_EQ(job.value("state", ""), "failed") << job.dump();
  EXPECT_NE(job["error"]["message"].get<std::string>().find("rows.jsonl line 2: column 'petal'"),
            std::string::npos)
      << job.dump();
}

}  // namespace
}  // namespace easel::testing
