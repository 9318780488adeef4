// Labeling through the real server: import datasets over REST, create tasks, take work from
// the queue, annotate, commit, export to COCO / VOC / YOLO / CSV and import the exports again
// (the round trip gives back the committed content), plus every bad input and permission.

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "testing/processes.h"
#include "testing/server.h"
#include "testing/temp_dir.h"

namespace easel::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string Png(int width, int height, int seed) {
  cv::Mat image(height, width, CV_8UC3, cv::Scalar(seed * 40 % 256, seed * 17 % 256, seed));
  cv::circle(image, {width / 2, height / 2}, std::min(width, height) / 3, cv::Scalar(seed, 255, 0));
  std::vector<uint8_t> bytes;
  cv::imencode(".png", image, bytes);
  return std::string(bytes.begin(), bytes.end());
}

la_ssize_t AppendToString(archive*, void* out, const void* data, size_t n) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(data), n);
  return static_cast<la_ssize_t>(n);
}

// A zip holding `files` (path -> content).
std::string Zip(const std::map<std::string, std::string>& files) {
  std::string out;
  archive* a = archive_write_new();
  archive_write_set_format_zip(a);
  archive_write_set_bytes_in_last_block(a, 1);
  archive_write_open2(a, &out, nullptr, AppendToString, nullptr, nullptr);
  for (const auto& [path, content] : files) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, path.c_str());
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, static_cast<la_int64_t>(content.size()));
    archive_write_header(a, e);
    archive_write_data(a, content.data(), content.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

class LabelingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Start();
    client_ = server_.Client();
    admin_ = server_.admin_token();
    ASSERT_EQ(Call("POST", "/api/v1/projects", R"({"name":"demo"})").status, 201);
  }

  Response Call(const std::string& method, const std::string& path, const std::string& body = "",
                const std::string& token = "") {
    return Send(*client_, method, path, token.empty() ? admin_ : token, body);
  }
  Response Demo(const std::string& method, const std::string& rest, const std::string& body = "",
                const std::string& token = "") {
    return Call(method, "/api/v1/projects/demo" + rest, body, token);
  }

  // Polls a job of project demo until it ends; answers the job.
  Json WaitJob(const std::string& id) { return WaitForJob(*client_, admin_, "demo", id, 120s); }

  // Creates a dataset and imports `zip` into it with `format`; answers the new version.
  Json Import(const std::string& dataset, const std::string& type, const std::string& zip,
              const std::string& format) {
    auto created = Demo("POST", "/datasets", Json{{"name", dataset}, {"type", type}}.dump());
    EXPECT_TRUE(created.status == 201 || created.status == 409) << created.raw;
    httplib::MultipartFormDataItems items = {{"file", zip, dataset + ".zip", "application/zip"},
                                             {"format", format, "", ""}};
    auto res = client_->Post("/api/v1/projects/demo/datasets/" + dataset + "/imports",
                             httplib::Headers{{"Authorization", "Bearer " + admin_}}, items);
    EXPECT_TRUE(res) << "no answer";
    if (!res) return Json();
    EXPECT_EQ(res->status, 202) << res->body;
    Json job = WaitJob(Json::parse(res->body).value("job_id", ""));
    EXPECT_EQ(job["state"], "succeeded") << job.dump();
    EXPECT_EQ(job["result"]["rejected_count"], 0) << job.dump();
    auto v = Demo("GET", "/datasets/" + dataset + "/versions/latest");
    EXPECT_EQ(v.status, 200) << v.raw;
    return v.body;
  }

  // Samples of a version by id.
  std::map<std::string, Json> Samples(const std::string& dataset, int64_t version) {
    auto r = Demo("GET", "/datasets/" + dataset + "/versions/" + std::to_string(version) +
                             "/samples?limit=1000");
    EXPECT_EQ(r.status, 200) << r.raw;
    std::map<std::string, Json> out;
    for (const Json& s : r.body["items"]) out[s["id"]] = s;
    return out;
  }

  // Exports a task, waits, downloads the artifact; answers the job result and the zip bytes.
  std::pair<Json, std::string> ExportTask(const std::string& task, const std::string& format) {
    auto r = Demo("POST", "/labeling-tasks/" + task + "/exports", Json{{"format", format}}.dump());
    EXPECT_EQ(r.status, 202) << r.raw;
    Json job = WaitJob(r.body.value("job_id", ""));
    EXPECT_EQ(job["state"], "succeeded") << job.dump();
    const Json& result = job["result"];
    auto content = Demo("GET", "/artifacts/" + result.value("artifact_id", "") + "/content");
    EXPECT_EQ(content.status, 200);
    EXPECT_EQ(static_cast<int64_t>(content.raw.size()), result.value("size", int64_t{-1}));
    return {result, content.raw};
  }

  // Adds a user with a token and `role` in demo (empty: not a member); answers the token.
  std::string User(const std::string& name, const std::string& role) {
    EXPECT_EQ(Call("POST", "/api/v1/users", Json{{"name", name}}.dump()).status, 201);
    auto t = Call("POST", "/api/v1/tokens", Json{{"name", "t"}, {"user", name}}.dump());
    EXPECT_EQ(t.status, 201) << t.raw;
    if (!role.empty()) {
      EXPECT_EQ(Demo("PUT", "/members/" + name, Json{{"role", role}}.dump()).status, 200);
    }
    return t.body.value("token", "");
  }

  // A small image_folder upload: three cats and three dogs.
  std::string PetsZip() {
    std::map<std::string, std::string> files;
    for (int i = 0; i < 3; ++i) {
      files["pets/cat/" + std::to_string(i) + ".png"] = Png(32, 24, i);
      files["pets/dog/" + std::to_string(i) + ".png"] = Png(32, 24, 10 + i);
    }
    return Zip(files);
  }

  // A small COCO upload: four 40x30 images with car and person boxes.
  std::string StreetZip() {
    Json coco = {{"categories", {{{"id", 1}, {"name", "car"}}, {{"id", 2}, {"name", "person"}}}},
                 {"images", Json::array()},
                 {"annotations", Json::array()}};
    std::map<std::string, std::string> files;
    for (int i = 1; i <= 4; ++i) {
      const std::string name = "s" + std::to_string(i) + ".png";
      files["images/" + name] = Png(40, 30, 20 + i);
      coco["images"].push_back({{"id", i}, {"file_name", name}, {"width", 40}, {"height", 30}});
      coco["annotations"].push_back({{"id", i},
                                     {"image_id", i},
                                     {"category_id", 1 + i % 2},
                                     {"bbox", {i, 2, 10, 8}},
                                     {"iscrowd", 0},
                                     {"area", 80}});
    }
    files["annotations/instances.json"] = coco.dump();
    return Zip(files);
  }

  Json CreateTask(const std::string& name, const std::string& dataset, const std::string& kind,
                  const Json& labels) {
    auto r = Demo("POST", "/labeling-tasks",
                  Json{{"name", name},
                       {"dataset", dataset},
                       {"version", 1},
                       {"kind", kind},
                       {"labels", labels},
                       {"seed", 5}}
                      .dump());
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.body;
  }

  ServerProcess server_;
  std::unique_ptr<httplib::Client> client_;
  std::string admin_;
};

TEST_F(LabelingTest, ClassificationQueueAnnotateCommitExportRoundTrip) {
  Json v1 = Import("pets", "image_classification", PetsZip(), "image_folder");
  ASSERT_EQ(v1["num_samples"], 6);
  Json task = CreateTask("round1", "pets", "classification", {"cat", "dog"});
  EXPECT_EQ(task["num_samples"], 6);
  EXPECT_EQ(task["counts"]["unlabeled"], 6);
  EXPECT_EQ(task["dataset"], "pets");

  // Two annotators asking at once never get the same samples.
  const std::string bob = User("bob", "editor");
  auto mine = Demo("GET", "/labeling-tasks/round1/queue?limit=4");
  ASSERT_EQ(mine.status, 200) << mine.raw;
  ASSERT_EQ(mine.body["items"].size(), 4u);
  auto theirs = Demo("GET", "/labeling-tasks/round1/queue?limit=4", "", bob);
  ASSERT_EQ(theirs.body["items"].size(), 2u);
  std::set<std::string> handed;
  for (const Json& i : mine.body["items"]) handed.insert(i["id"]);
  for (const Json& i : theirs.body["items"]) EXPECT_TRUE(handed.insert(i["id"]).second);
  const Json& first = mine.body["items"][0];
  EXPECT_TRUE(first.contains("file") && first.contains("split") &&
              first.contains("lease_expires_at"))
      << first.dump();

  // Relabel one, review one, reject one.
  auto flip = [](const Json& sample) {
    return sample["labels"][0] == "cat" ? std::string("dog") : std::string("cat");
  };
  const Json& a = mine.body["items"][0];
  const Json& b = mine.body["items"][1];
  const Json& c = mine.body["items"][2];
  auto put = Demo("PUT", "/labeling-tasks/round1/annotations/" + a["id"].get<std::string>(),
                  Json{{"labels", {flip(a)}}}.dump());
  ASSERT_EQ(put.status, 200) << put.raw;
  EXPECT_EQ(put.body["status"], "labeled");
  EXPECT_EQ(Demo("PUT", "/labeling-tasks/round1/annotations/" + b["id"].get<std::string>(),
                 Json{{"labels", b["labels"]}, {"status", "reviewed"}}.dump())
                .status,
            200);
  EXPECT_EQ(Demo("PUT", "/labeling-tasks/round1/annotations/" + c["id"].get<std::string>(),
                 Json{{"labels", {flip(c)}}, {"status", "rejected"}}.dump(), bob)
                .status,
            200);

  auto shown = Demo("GET", "/labeling-tasks/round1");
  EXPECT_EQ(shown.body["counts"],
            Json({{"labeled", 1}, {"reviewed", 1}, {"rejected", 1}, {"unlabeled", 3}}));
  auto one = Demo("GET", "/labeling-tasks/round1/annotations/" + a["id"].get<std::string>());
  EXPECT_EQ(one.body["labels"][0], flip(a));
  EXPECT_EQ(one.body["sample"]["file"], a["file"]);
  auto untouched = Demo("GET", "/labeling-tasks/round1/annotations/" +
                                   mine.body["items"][3]["id"].get<std::string>());
  EXPECT_EQ(untouched.status, 200);
  EXPECT_EQ(untouched.body["status"], "unlabeled");
  auto reviewed = Demo("GET", "/labeling-tasks/round1/annotations?status=reviewed");
  ASSERT_EQ(reviewed.body["items"].size(), 1u);
  EXPECT_EQ(reviewed.body["items"][0]["sample_id"], b["id"]);
  auto page = Demo("GET", "/labeling-tasks/round1/annotations?limit=2");
  ASSERT_EQ(page.body["items"].size(), 2u);
  auto rest = Demo("GET", "/labeling-tasks/round1/annotations?limit=2&page_token=" +
                              page.body["next_page_token"].get<std::string>());
  EXPECT_EQ(rest.body["items"].size(), 1u);

  // The rejected sample is back in the queue; labeled ones are not.
  auto again = Demo("GET", "/labeling-tasks/round1/queue?limit=10");
  std::set<std::string> open;
  for (const Json& i : again.body["items"]) open.insert(i["id"]);
  EXPECT_TRUE(open.count(c["id"]));
  EXPECT_FALSE(open.count(a["id"]));
  EXPECT_FALSE(open.count(b["id"]));

  // Export before committing, then commit.
  auto [exported, zip] = ExportTask("round1", "csv");
  EXPECT_EQ(exported["format"], "image_csv");
  EXPECT_EQ(exported["num_samples"], 6);
  EXPECT_EQ(exported["name"], "round1-image_csv.zip");
  auto committed = Demo("POST", "/labeling-tasks/round1/commit");
  ASSERT_EQ(committed.status, 201) << committed.raw;
  EXPECT_EQ(committed.body["version"], 2);
  EXPECT_EQ(committed.body["source"]["kind"], "labeling");
  EXPECT_EQ(committed.body["splits"], v1["splits"]);
  EXPECT_NE(committed.body["content_hash"], v1["content_hash"]);
  auto before = Samples("pets", 1), after = Samples("pets", 2);
  ASSERT_EQ(after.size(), 6u);
  for (const auto& [id, s] : after) {
    ASSERT_TRUE(before.count(id));
    EXPECT_EQ(s["split"], before[id]["split"]) << "splits are kept";
    if (id == a["id"]) {
      EXPECT_EQ(s["labels"][0], flip(a));
    } else {
      EXPECT_EQ(s["labels"], before[id]["labels"]) << "only labeled/reviewed ones change";
    }
  }
  EXPECT_EQ(Demo("GET", "/labeling-tasks/round1").body["committed_version"], 2);

  // Committing again without changes gives the same content.
  auto twice = Demo("POST", "/labeling-tasks/round1/commit");
  EXPECT_EQ(twice.body["version"], 3);
  EXPECT_EQ(twice.body["content_hash"], committed.body["content_hash"]);

  // The exported zip imports into a new dataset with exactly the committed content.
  Json reimported = Import("pets-copy", "image_classification", zip, "image_csv");
  EXPECT_EQ(reimported["content_hash"], committed.body["content_hash"]);
}

TEST_F(LabelingTest, DetectionExportsRoundTripInEveryFormat) {
  Json v1 = Import("street", "object_detection", StreetZip(), "coco");
  ASSERT_EQ(v1["num_samples"], 4);
  CreateTask("boxes", "street", "detection", {"car", "person"});
  auto queue = Demo("GET", "/labeling-tasks/boxes/queue?limit=4");
  ASSERT_EQ(queue.body["items"].size(), 4u);
  const std::string first = queue.body["items"][0]["id"], second = queue.body["items"][1]["id"];
  ASSERT_EQ(Demo("PUT", "/labeling-tasks/boxes/annotations/" + first,
                 R"({"boxes": [{"label": "person", "x": 1.5, "y": 2, "w": 5, "h": 20},
                               {"label": "car", "x": 10, "y": 10, "w": 29.25, "h": 19}]})")
                .status,
            200);
  ASSERT_EQ(Demo("PUT", "/labeling-tasks/boxes/annotations/" + second,
                 R"({"boxes": [], "status": "reviewed"})")
                .status,
            200);
  std::map<std::string, std::string> zips;
  for (const char* format : {"coco", "voc", "yolo"}) {
    auto [result, zip] = ExportTask("boxes", format);
    EXPECT_EQ(result["name"], std::string("boxes-") + format + ".zip");
    zips[format] = zip;
  }
  auto committed = Demo("POST", "/labeling-tasks/boxes/commit");
  ASSERT_EQ(committed.status, 201) << committed.raw;
  auto after = Samples("street", 2);
  EXPECT_EQ(after[first]["boxes"].size(), 2u);
  EXPECT_FALSE(after[second].contains("boxes") && !after[second]["boxes"].empty());
  for (const auto& [format, zip] : zips) {
    Json copy = Import("street-" + format, "object_detection", zip, format);
    EXPECT_EQ(copy["content_hash"], committed.body["content_hash"]) << format;
  }
  // A dataset version exports through the generic jobs API too.
  auto job = Demo("POST", "/jobs",
                  Json{{"kind", "export"},
                       {"spec",
                        {{"dataset_id", Demo("GET", "/datasets/street").body["id"]},
                         {"version", 2},
                         {"format", "coco"}}}}
                      .dump());
  ASSERT_EQ(job.status, 202) << job.raw;
  Json done = WaitJob(job.body["id"]);
  EXPECT_EQ(done["result"]["name"], "street-v2-coco.zip");
}

TEST_F(LabelingTest, EveryBadInputIsAClearError) {
  Import("pets", "image_classification", PetsZip(), "image_folder");
  Import("street", "object_detection", StreetZip(), "coco");
  CreateTask("round1", "pets", "classification", {"cat", "dog"});
  CreateTask("boxes", "street", "detection", {"car", "person"});
  const std::string cat_sample =
      Demo("GET", "/labeling-tasks/round1/queue?limit=1").body["items"][0]["id"];
  const std::string box_sample =
      Demo("GET", "/labeling-tasks/boxes/queue?limit=1").body["items"][0]["id"];

  struct Case {
    std::string method, path, body;
    int status;
  };
  const std::string many_labels = [] {
    Json l = Json::array();
    for (int i = 0; i < 1001; ++i) l.push_back("l" + std::to_string(i));
    return l.dump();
  }();
  auto task = [](const std::string& fields) {
    return R"({"name": "t2", "dataset": "pets", "kind": "classification", "labels": ["cat"])" +
           fields + "}";
  };
  const std::string cat_path = "/labeling-tasks/round1/annotations/" + cat_sample;
  const std::string box_path = "/labeling-tasks/boxes/annotations/" + box_sample;
  std::vector<Case> cases = {
      // Creating tasks.
      {"POST", "/labeling-tasks", "{", 400},
      {"POST", "/labeling-tasks", "[]", 400},
      {"POST", "/labeling-tasks",
       R"({"dataset": "pets", "kind": "classification", "labels": ["a"]})", 400},
      {"POST", "/labeling-tasks",
       R"({"name": "Bad Name", "dataset": "pets", "kind": "classification", "labels": ["a"]})",
       400},
      {"POST", "/labeling-tasks",
       R"({"name": "../x", "dataset": "pets", "kind": "classification", "labels": ["a"]})", 400},
      {"POST", "/labeling-tasks",
       R"({"name": 7, "dataset": "pets", "kind": "classification", "labels": ["a"]})", 400},
      {"POST", "/labeling-tasks", R"({"name": "t2", "kind": "classification", "labels": ["a"]})",
       400},
      {"POST", "/labeling-tasks",
       R"({"name": "t2", "dataset": "Pets/..", "kind": "classification", "labels": ["a"]})", 400},
      {"POST", "/labeling-tasks",
       R"({"name": "t2", "dataset": "nope", "kind": "classification", "labels": ["a"]})", 404},
      {"POST", "/labeling-tasks", task(R"(, "version": 0)"), 400},
      {"POST", "/labeling-tasks", task(R"(, "version": 1.5)"), 400},
      {"POST", "/labeling-tasks", task(R"(, "version": "two")"), 400},
      {"POST", "/labeling-tasks", task(R"(, "version": 99)"), 404},
      {"POST", "/labeling-tasks",
       R"({"name": "t2", "dataset": "pets", "kind": "segmentation", "labels": ["a"]})", 400},
      {"POST", "/labeling-tasks",
       R"({"name": "t2", "dataset": "pets", "kind": 3, "labels": ["a"]})", 400},
      {"POST", "/labeling-tasks",
       R"({"name": "t2", "dataset": "pets", "kind": "detection", "labels": ["a"]})", 400},
      {"POST", "/labeling-tasks",
       R"({"name": "t2", "dataset": "pets", "kind": "text_classification", "labels": ["a"]})", 400},
      {"POST", "/labeling-tasks", R"({"name": "t2", "dataset": "pets", "kind": "classification"})",
       400},
      {"POST", "/labeling-tasks",
       R"({"name": "t2", "dataset": "pets", "kind": "classification", "labels": "cat"})", 400},
      {"POST", "/labeling-tasks",
       R"({"name": "t2", "dataset": "pets", "kind": "classification", "labels": []})", 400},
      {"POST", "/labeling-tasks",
       R"({"name": "t2", "dataset": "pets", "kind": "classification", "labels": [1]})", 400},
      {"POST", "/labeling-tasks",
       R"({"name": "t2", "dataset": "pets", "kind": "classification", "labels": ["a", "a"]})", 400},
      {"POST", "/labeling-tasks",
       R"({"name": "t2", "dataset": "pets", "kind": "classification", "labels": [""]})", 400},
      {"POST", "/labeling-tasks",
       R"({"name": "t2", "dataset": "pets", "kind": "classification", "labels": ["a\tb"]})", 400},
      {"POST", "/labeling-tasks",
       R"({"name": "t2", "dataset": "pets", "kind": "classification", "labels": [")" +
           std::string(257, 'x') + R"("]})",
       400},
      {"POST", "/labeling-tasks",
       R"({"name": "t2", "dataset": "pets", "kind": "classification", "labels": )" + many_labels +
           "}",
       400},
      {"POST", "/labeling-tasks", task(R"(, "instructions": ")" + std::string(16385, 'i') + "\""),
       400},
      {"POST", "/labeling-tasks", task(R"(, "instructions": 3)"), 400},
      {"POST", "/labeling-tasks", task(R"(, "seed": -1)"), 400},
      {"POST", "/labeling-tasks", task(R"(, "seed": "x")"), 400},
      {"POST", "/labeling-tasks", task(R"(, "color": "red")"), 400},
      {"POST", "/labeling-tasks",
       R"({"name": "round1", "dataset": "pets", "kind": "classification", "labels": ["a"]})", 409},
      // Reading tasks.
      {"GET", "/labeling-tasks/Bad", "", 400},
      {"GET", "/labeling-tasks/nope", "", 404},
      {"GET", "/labeling-tasks?limit=0", "", 400},
      {"GET", "/labeling-tasks?page_token=%25%25", "", 400},
      {"DELETE", "/labeling-tasks/nope", "", 404},
      // The queue.
      {"GET", "/labeling-tasks/round1/queue?strategy=smart", "", 400},
      {"GET", "/labeling-tasks/round1/queue?strategy=uncertainty&measure=vibes", "", 400},
      {"GET", "/labeling-tasks/round1/queue?strategy=random&measure=margin", "", 400},
      {"GET", "/labeling-tasks/round1/queue?measure=entropy", "", 400},
      {"GET", "/labeling-tasks/round1/queue?limit=0", "", 400},
      {"GET", "/labeling-tasks/round1/queue?limit=101", "", 400},
      {"GET", "/labeling-tasks/round1/queue?limit=ten", "", 400},
      {"GET", "/labeling-tasks/nope/queue", "", 404},
      // Annotations.
      {"PUT", "/labeling-tasks/round1/annotations/zz", R"({"labels": ["cat"]})", 404},
      {"PUT", "/labeling-tasks/round1/annotations/0123456789abcdef", R"({"labels": ["cat"]})", 404},
      {"PUT", "/labeling-tasks/round1/annotations/%2e%2e", R"({"labels": ["cat"]})", 404},
      {"PUT", "/labeling-tasks/nope/annotations/" + cat_sample, R"({"labels": ["cat"]})", 404},
      {"PUT", cat_path, "{", 400},
      {"PUT", cat_path, R"({"labels": ["cow"]})", 400},
      {"PUT", cat_path, R"({"labels": ["cat", "dog"]})", 400},
      {"PUT", cat_path, R"({"labels": []})", 400},
      {"PUT", cat_path, R"({"labels": "cat"})", 400},
      {"PUT", cat_path, R"({"labels": [1]})", 400},
      {"PUT", cat_path, R"({"labels": ["cat"], "status": "done"})", 400},
      {"PUT", cat_path, R"({"labels": ["cat"], "status": "unlabeled"})", 400},
      {"PUT", cat_path, R"({"labels": ["cat"], "note": "x"})", 400},
      {"PUT", cat_path, R"({"boxes": [{"label": "cat", "x": 0, "y": 0, "w": 1, "h": 1}]})", 400},
      {"PUT", box_path, R"({"labels": ["car"]})", 400},
      {"PUT", box_path, R"({"boxes": [{"label": "bus", "x": 0, "y": 0, "w": 4, "h": 3}]})", 400},
      {"PUT", box_path, R"({"boxes": [{"label": "car", "x": 0, "y": 0, "w": 0, "h": 3}]})", 400},
      {"PUT", box_path, R"({"boxes": [{"label": "car", "x": 38, "y": 0, "w": 4, "h": 3}]})", 400},
      {"PUT", box_path, R"({"boxes": [{"label": "car", "x": -1, "y": 0, "w": 4, "h": 3}]})", 400},
      {"PUT", box_path, R"({"boxes": [{"label": "car", "x": 0, "y": 0, "w": 4}]})", 400},
      {"PUT", box_path, R"({"boxes": [{"label": "car", "x": "0", "y": 0, "w": 4, "h": 3}]})", 400},
      {"PUT", box_path, R"({"boxes": {"label": "car"}})", 400},
      {"GET", "/labeling-tasks/round1/annotations/0123456789abcdef", "", 404},
      {"GET", "/labeling-tasks/round1/annotations?status=done", "", 400},
      {"GET", "/labeling-tasks/round1/annotations?limit=0", "", 400},
      {"GET", "/labeling-tasks/round1/annotations?page_token=%25", "", 400},
      // Commit, exports, pre-labeling.
      {"POST", "/labeling-tasks/round1/commit", R"({"message": "x"})", 400},
      {"POST", "/labeling-tasks/nope/commit", "", 404},
      {"POST", "/labeling-tasks/round1/exports", "{}", 400},
      {"POST", "/labeling-tasks/round1/exports", R"({"format": "pdf"})", 400},
      {"POST", "/labeling-tasks/round1/exports", R"({"format": "coco"})", 400},
      {"POST", "/labeling-tasks/round1/exports", R"({"format": 3})", 400},
      {"POST", "/labeling-tasks/round1/exports", R"({"format": "csv", "params": 1})", 400},
      {"POST", "/labeling-tasks/round1/exports", R"({"format": "csv", "to": "s3"})", 400},
      {"POST", "/labeling-tasks/round1/prelabel", "{}", 400},
      {"POST", "/labeling-tasks/round1/prelabel", "[1]", 400},
      {"POST", "/labeling-tasks/round1/prelabel", R"({"model": "Bad Name"})", 400},
      {"POST", "/labeling-tasks/round1/prelabel", R"({"model": 3})", 400},
      {"POST", "/labeling-tasks/round1/prelabel", R"({"model": "m", "version": 0})", 400},
      {"POST", "/labeling-tasks/round1/prelabel", R"({"model": "m", "version": 1.5})", 400},
      {"POST", "/labeling-tasks/round1/prelabel", R"({"model": "m", "version": "no way"})", 400},
      {"POST", "/labeling-tasks/round1/prelabel", R"({"model": "m@2", "version": 1})", 400},
      {"POST", "/labeling-tasks/round1/prelabel", R"({"model": "m", "layer": 1})", 400},
      {"POST", "/labeling-tasks/boxes/prelabel", R"({"model": "m"})", 412},
      {"POST", "/labeling-tasks/nope/prelabel", R"({"model": "m"})", 404},
      // Resolved through the server's PrelabelModelLoader (src/server wires it).
      {"POST", "/labeling-tasks/round1/prelabel", R"({"model": "nope", "version": 1})", 404},
      {"POST", "/labeling-tasks/round1/prelabels/accept", "{}", 400},
      {"POST", "/labeling-tasks/round1/prelabels/accept", R"({"threshold": 0})", 400},
      {"POST", "/labeling-tasks/round1/prelabels/accept", R"({"threshold": -0.5})", 400},
      {"POST", "/labeling-tasks/round1/prelabels/accept", R"({"threshold": 1.5})", 400},
      {"POST", "/labeling-tasks/round1/prelabels/accept", R"({"threshold": "0.5"})", 400},
      {"POST", "/labeling-tasks/round1/prelabels/accept", R"({"threshold": true})", 400},
      {"POST", "/labeling-tasks/round1/prelabels/accept", R"({"threshold": 0.5, "version": 1})",
       400},
      {"POST", "/labeling-tasks/round1/prelabels/accept",
       R"({"threshold": 0.5, "model": "Bad Name"})", 400},
      {"POST", "/labeling-tasks/round1/prelabels/accept",
       R"({"threshold": 0.5, "model": "m", "version": "latest"})", 400},
      {"POST", "/labeling-tasks/round1/prelabels/accept", R"({"threshold": 0.5, "all": true})",
       400},
      {"POST", "/labeling-tasks/boxes/prelabels/accept", R"({"threshold": 0.5})", 412},
      {"POST", "/labeling-tasks/nope/prelabels/accept", R"({"threshold": 0.5})", 404},
  };
  for (const Case& c : cases) {
    auto r = Demo(c.method, c.path, c.body);
    EXPECT_EQ(r.status, c.status) << c.method << " " << c.path << " " << c.body.substr(0, 200)
                                  << "\n"
                                  << r.raw;
    ASSERT_TRUE(r.body.is_object() && r.body.contains("error")) << c.path << ": " << r.raw;
    EXPECT_TRUE(r.body["error"]["message"].is_string());
    EXPECT_EQ(r.raw.find(server_.data_dir().string()), std::string::npos) << "no paths in errors";
  }
  auto measure = Demo("GET", "/labeling-tasks/round1/queue?strategy=uncertainty&measure=vibes");
  EXPECT_NE(measure.raw.find("least_confidence, margin, entropy"), std::string::npos);

  // Nothing changed: two tasks, no annotations, no jobs; the server is alive.
  EXPECT_EQ(Demo("GET", "/labeling-tasks").body["items"].size(), 2u);
  EXPECT_TRUE(Demo("GET", "/labeling-tasks/round1/annotations").body["items"].empty());
  EXPECT_TRUE(Demo("GET", "/labeling-tasks/boxes/annotations").body["items"].empty());
  EXPECT_EQ(Demo("GET", "/jobs?limit=100").body["items"].size(), 2u) << "the two imports only";
  EXPECT_EQ(Call("GET", "/healthz").status, 200);
}

TEST_F(LabelingTest, ViewersReadEditorsWriteOthersSeeNothing) {
  Import("pets", "image_classification", PetsZip(), "image_folder");
  CreateTask("round1", "pets", "classification", {"cat", "dog"});
  const std::string sample =
      Demo("GET", "/labeling-tasks/round1/queue?limit=1").body["items"][0]["id"];
  const std::string viewer = User("vic", "viewer");
  const std::string stranger = User("eve", "");

  EXPECT_EQ(Demo("GET", "/labeling-tasks", "", viewer).status, 200);
  EXPECT_EQ(Demo("GET", "/labeling-tasks/round1", "", viewer).status, 200);
  EXPECT_EQ(Demo("GET", "/labeling-tasks/round1/annotations", "", viewer).status, 200);
  EXPECT_EQ(Demo("GET", "/labeling-tasks/round1/annotations/" + sample, "", viewer).status, 200);
  for (const auto& [method, path, body] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"POST", "/labeling-tasks",
            R"({"name": "t", "dataset": "pets", "kind": "classification", "labels": ["a"]})"},
           {"GET", "/labeling-tasks/round1/queue", ""},
           {"PUT", "/labeling-tasks/round1/annotations/" + sample, R"({"labels": ["cat"]})"},
           {"POST", "/labeling-tasks/round1/commit", ""},
           {"POST", "/labeling-tasks/round1/exports", R"({"format": "csv"})"},
           {"POST", "/labeling-tasks/round1/prelabel", R"({"model": "m"})"},
           {"POST", "/labeling-tasks/round1/prelabels/accept", R"({"threshold": 0.5})"},
           {"DELETE", "/labeling-tasks/round1", ""}}) {
    EXPECT_EQ(Demo(method, path, body, viewer).status, 403) << method << " " << path;
    EXPECT_EQ(Demo(method, path, body, stranger).status, 404) << method << " " << path;
  }
  EXPECT_EQ(Send(*client_, "GET", "/api/v1/projects/demo/labeling-tasks", "").status, 401);

  // Another project's task is not there.
  ASSERT_EQ(Call("POST", "/api/v1/projects", R"({"name":"other"})").status, 201);
  EXPECT_EQ(Call("GET", "/api/v1/projects/other/labeling-tasks/round1").status, 404);
  EXPECT_EQ(Call("PUT", "/api/v1/projects/other/labeling-tasks/round1/annotations/" + sample,
                 R"({"labels": ["cat"]})")
                .status,
            404);

  // Deleting the task removes it and its annotations.
  ASSERT_EQ(
      Demo("PUT", "/labeling-tasks/round1/annotations/" + sample, R"({"labels": ["cat"]})").status,
      200);
  EXPECT_EQ(Demo("DELETE", "/labeling-tasks/round1").status, 204);
  EXPECT_EQ(Demo("GET", "/labeling-tasks/round1").status, 404);
  EXPECT_EQ(Demo("GET", "/labeling-tasks/round1/annotations/" + sample).status, 404);
}

// The `easel label` commands against the same server.
TEST_F(LabelingTest, CliDrivesATask) {
  Import("pets", "image_classification", PetsZip(), "image_folder");
  TempDir home;
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.end(), {"-p", "demo"});
    CliResult r = RunCli(home.path(), server_.url(), admin_, std::move(args));
    return std::make_tuple(r.code, r.out, r.err);
  };
  auto [rc, out, err] = run({"label", "task", "create", "cli", "--dataset", "pets", "--kind",
                             "classification", "--labels", "cat,dog", "--seed", "3"});
  ASSERT_EQ(rc, 0) << out << err;
  EXPECT_NE(out.find("Created labeling task cli"), std::string::npos) << out;
  std::tie(rc, out, err) = run({"label", "queue", "cli", "--limit", "2", "--json"});
  ASSERT_EQ(rc, 0) << err;
  Json queue = Json::parse(out);
  ASSERT_EQ(queue["items"].size(), 2u);
  const std::string sample = queue["items"][0]["id"];
  std::tie(rc, out, err) =
      run({"label", "annotate", "cli", sample, "--label", "dog", "--status", "reviewed"});
  ASSERT_EQ(rc, 0) << err;
  std::tie(rc, out, err) = run({"label", "annotate", "cli", sample, "--label", "cow"});
  EXPECT_EQ(rc, 1) << "the server's 400 is a failed command";
  EXPECT_NE(err.find("INVALID_ARGUMENT"), std::string::npos) << err;
  std::tie(rc, out, err) = run({"label", "task", "show", "cli"});
  ASSERT_EQ(rc, 0) << err;
  EXPECT_NE(out.find("1 reviewed"), std::string::npos) << out;
  std::tie(rc, out, err) = run({"label", "task", "list", "--json"});
  EXPECT_EQ(Json::parse(out)["items"].size(), 1u);
  std::tie(rc, out, err) = run({"label", "commit", "cli", "--json"});
  ASSERT_EQ(rc, 0) << err;
  EXPECT_EQ(Json::parse(out)["version"], 2);
  std::tie(rc, out, err) = run({"label", "export", "cli", "--format", "csv", "--wait", "--json"});
  ASSERT_EQ(rc, 0) << out << err;
  EXPECT_EQ(Json::parse(out)["format"], "image_csv");
  std::tie(rc, out, err) = run({"label", "annotate", "cli", sample, "--box", "cat,1,2,x,4"});
  EXPECT_EQ(rc, 2) << "a malformed --box is a usage error";
}

}  // namespace
}  // namespace easel::testing
