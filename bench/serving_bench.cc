// Does an easel endpoint serve a model about as fast as the model itself runs? Two models,
// trained in the run through the server: xgboost on sklearn's breast cancer data (30 numeric
// features, Debian's python3-sklearn) and a small image_classifier on a few hundred
// Fashion-MNIST images (Debian's dataset-fashion-mnist; it only has to exist, not to be good).
// Each gets three endpoints over the same version, --instances model instances each (default
// 1): max_batch_size 32 with no queue delay (the default), 32 with --delay-us, and 1 (batching
// off).
//
// Load: N keep-alive connections, each with one request in flight (HTTP: a client thread
// each; gRPC: one thread drives them all), send requests of --rows-per-request rows (images;
// default 1) back to back for --seconds; over HTTP with a JSON body (tabular only: JSON cannot
// carry encoded images), HTTP with the binary tensor extension, gRPC with raw_input_contents, and
// HTTP with one JSON object per row ("rows", tabular only, as `easel predict` sends a CSV). Every
// connection's first answer is checked against the in-process prediction. With R rows per request,
// the batching endpoints take up to 32·R rows per model call (at most 4096, the API's limit) and
// the one without batching R (one request per call).
//
// The limit: the same version's files loaded in this process and called in a loop on one
// thread, on batches of the sizes the server's batches had (from /v2/models/{name}/stats
// before and after the run): raw rows/s = rows ÷ the time those calls take here, with the
// faster of every core and one thread (see serving_local.h). With
// several instances the headline adds the stricter ratio against that many one-thread loops
// side by side, each as fast as its CPU time. For the tabular model a call includes the stored
// pipeline on the columns' numbers, as the server runs it on column tensors. ratio = served rows/s
// ÷ raw rows/s. Overhead per request = p50 latency at concurrency 1 − one raw call of a request's
// rows; it is also shown beyond the protocol's bare round trip (GET /v2/health/live, rpc
// ServerLive) from the same client, which is what this machine's loopback network, kernel and
// client cost before any serving work.
//
// Bulk pass (with one row per request): the tabular version again, on endpoints of its own, with
// requests of --bulk-rows rows (default 4096, the API's largest batch; 0: no bulk pass) over
// HTTP binary and gRPC. One-row requests cannot come near the raw loop, whose one-row call takes
// about a microsecond against a loopback round trip of tens; these show what serving costs
// beyond the model once a request's protocol work is spread over many rows.
//
// Batch predictions: the breast cancer rows repeated --batch-copies times (default 200, 113,800
// rows; --quick 20) imported as a dataset, and a batch_predict job of the tabular version over
// it (1024 rows per model call, CSV out). Its rows/s over the job's run (model loading, reading
// the dataset, writing and storing the output included) against the raw loop's at 1024 rows.
//
//   easel_serving_bench --easel build/easel [--seconds 3] [--delay-us 500] [--images 400]
//                       [--instances 1] [--rows-per-request 1] [--bulk-rows 4096] [--quick]
//                       [--only tabular|image]
//                       [--protocol http-json|http-binary|grpc|http-rows]

#include <archive.h>
#include <archive_entry.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <opencv2/imgcodecs.hpp>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "common/time.h"
#include "easel_server.h"
#include "process.h"
#include "run_guarded.h"
#include "serving_load.h"
#include "serving_local.h"

namespace easel::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const std::string kProject = "/api/v1/projects/bench";
const fs::path kSklearnData = "/usr/lib/python3/dist-packages/sklearn/datasets/data";

struct Options {
  std::string easel;
  std::string fashion = "/usr/share/datasets/fashion-mnist";
  double seconds = 3;
  int delay_us = 500;
  int images = 400;
  int instances = 1;
  int rows_per_request = 1;
  int bulk_rows = 4096;  // the tabular model's bulk pass (0: none; only with 1 row per request)
  int batch_copies = 0;  // of the breast cancer rows, for the batch prediction (0: 200, quick 20)
  bool quick = false;
  std::string only;      // "tabular" or "image": that model alone
  std::optional<Protocol> protocol;  // that protocol alone
};

double Since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::vector<std::string> Split(const std::string& line, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  for (std::string cell; std::getline(ss, cell, sep);) out.push_back(cell);
  return out;
}

// sklearn's CSV ("n_samples,n_features,class names...", rows ending in the class index) as a
// CSV with a header f0..f{k-1},label and the class name, and its feature cells by column.
struct Table {
  std::string csv;
  std::vector<std::map<std::string, std::string>> rows;
};

Table ReadSklearn(const std::string& file) {
  std::ifstream in(kSklearnData / file);
  std::string line;
  if (!std::getline(in, line)) throw std::runtime_error("cannot read " + file);
  const std::vector<std::string> meta = Split(line, ',');
  const int features = std::stoi(meta.at(1));
  Table t;
  std::vector<std::string> names;
  for (int i = 0; i < features; ++i) {
    names.push_back("f");
    names.back() += std::to_string(i);
    t.csv += names.back() + ",";
  }
  t.csv += "label\n";
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const std::vector<std::string> cells = Split(line, ',');
    auto& row = t.rows.emplace_back();
    for (int i = 0; i < features; ++i) row[names[i]] = cells.at(i);
    t.csv += line.substr(0, line.rfind(',') + 1) + meta.at(2 + std::stoi(cells.back())) + "\n";
  }
  return t;
}

// One Fashion-MNIST IDX split (28×28 u8 images), the first `limit` images as PNG files.
struct Images {
  std::vector<std::string> png;
  std::vector<int> labels;
};

Images ReadFashion(const fs::path& dir, const std::string& prefix, int limit) {
  auto gunzip = [](const fs::path& path) {
    FILE* pipe = ::popen(("gzip -dc '" + path.string() + "' 2>/dev/null").c_str(), "r");
    std::string out;
    char buf[1 << 16];
    while (size_t n = std::fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
    if (::pclose(pipe) != 0) throw std::runtime_error("cannot read " + path.string());
    return out;
  };
  const std::string images = gunzip(dir / (prefix + "-images-idx3-ubyte.gz"));
  const std::string labels = gunzip(dir / (prefix + "-labels-idx1-ubyte.gz"));
  auto u32 = [&](size_t at) {
    auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(images[at + i])); };
    return b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
  };
  if (images.size() < 16 || u32(0) != 2051) throw std::runtime_error("not an IDX image file");
  const int n = std::min<int>(limit, static_cast<int>(u32(4)));
  const int rows = static_cast<int>(u32(8)), cols = static_cast<int>(u32(12));
  Images out;
  for (int i = 0; i < n; ++i) {
    cv::Mat image(rows, cols, CV_8UC1,
                  const_cast<char*>(images.data()) + 16 + static_cast<size_t>(i) * rows * cols);
    std::vector<uint8_t> png;
    cv::imencode(".png", image, png);
    out.png.emplace_back(png.begin(), png.end());
    out.labels.push_back(static_cast<uint8_t>(labels.at(8 + i)));
  }
  return out;
}

// An image_folder zip: class/NNNN.png.
std::string ImageFolderZip(const Images& images, const std::vector<std::string>& classes) {
  std::string out;
  archive* a = archive_write_new();
  archive_write_set_format_zip(a);
  archive_write_open(
      a, &out, nullptr,
      [](archive*, void* ctx, const void* buf, size_t n) -> la_ssize_t {
        static_cast<std::string*>(ctx)->append(static_cast<const char*>(buf), n);
        return static_cast<la_ssize_t>(n);
      },
      nullptr);
  for (size_t i = 0; i < images.png.size(); ++i) {
    const std::string name = classes.at(images.labels[i]) + "/" + std::to_string(i) + ".png";
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_size(e, static_cast<la_int64_t>(images.png[i].size()));
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_write_header(a, e);
    archive_write_data(a, images.png[i].data(), images.png[i].size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

// ---- the server ----

Json WaitJob(EaselServer& server, const std::string& id) {
  const auto start = Clock::now();
  for (;;) {
    Json job = server.Send("GET", kProject + "/jobs/" + id, nullptr, 200);
    const std::string state = job.value("state", "");
    if (state == "succeeded") return job;
    if (state == "failed" || state == "cancelled" || Since(start) > 1800) {
      throw std::runtime_error("job " + id + " " + state + ": " + job.dump() + "\n" +
                               server.LogTail());
    }
    server.CheckAlive();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

void Import(EaselServer& server, const std::string& dataset, const std::string& type,
            const std::string& file_name, const std::string& body) {
  server.Send("POST", kProject + "/datasets", {{"name", dataset}, {"type", type}}, 201);
  auto res =
      server.client().Post(kProject + "/datasets/" + dataset + "/imports?file_name=" + file_name +
                               (type == "tabular" ? "" : "&format=image_folder"),
                           server.headers(), body, "application/octet-stream");
  if (!res || res->status != 202) {
    server.CheckAlive();
    throw std::runtime_error("importing " + file_name +
                             " failed: " + (res ? res->body : httplib::to_string(res.error())));
  }
  WaitJob(server, Json::parse(res->body).value("job_id", ""));
}

int Train(EaselServer& server, const Json& spec) {
  Json job = server.Send("POST", kProject + "/jobs", {{"kind", "train"}, {"spec", spec}}, 202);
  Json done = WaitJob(server, job.value("id", ""));
  return done["result"].value("version", 1);
}

// The version's files as downloaded, and its format.
std::pair<train::ModelFiles, std::string> Download(EaselServer& server, const std::string& model,
                                                   int version) {
  const std::string path = kProject + "/models/" + model + "/versions/" + std::to_string(version);
  Json v = server.Send("GET", path, nullptr, 200);
  train::ModelFiles files;
  for (const Json& f : v["files"]) {
    const std::string name = f["name"];
    auto res = server.client().Get(path + "/files/" + name, server.headers());
    if (!res || res->status != 200)
      throw std::runtime_error("cannot download " + path + "/" + name);
    files[name] = res->body;
  }
  return {files, v.value("format", "")};
}

struct Batching {
  std::string suffix;  // of the endpoint's name
  int max_batch_size;
  int delay_us;
  bool on = true;  // off: max_batch_size is one request's rows
  std::string Label() const {
    return on ? std::to_string(max_batch_size) + "/" + std::to_string(delay_us) + "us" : "off";
  }
};

// Model calls since the server started, by batch size: (calls, compute ns).
using BatchMix = std::map<size_t, std::pair<int64_t, int64_t>>;

BatchMix Batches(EaselServer& server, const std::string& endpoint) {
  Json stats = server.Send("GET", "/v2/models/" + endpoint + "/stats", nullptr, 200);
  BatchMix mix;
  for (const Json& b : stats.at("model_stats").at(0).value("batch_stats", Json::array())) {
    mix[b["batch_size"].get<size_t>()] = {b["compute_infer"]["count"].get<int64_t>(),
                                          b["compute_infer"]["ns"].get<int64_t>()};
  }
  return mix;
}

// ---- one model under load ----

struct Subject {
  std::string title;
  std::string endpoint;  // the base name; configs add their suffix
  std::vector<Protocol> protocols;
  size_t rows_per_request = 1;
  std::string model;  // the registered model and version served
  int version = 0;
  std::vector<RowRequest> single;            // one request per row of `local`
  std::vector<RowRequest> requests;          // request i: rows i, i + 1, … (wrapping)
  std::vector<std::vector<float>> expected;  // request i's probabilities, in this process
  double tolerance = 1e-6;
  std::shared_ptr<LocalModel> local;   // its row i is the single-row request i
  double raw_one_us = 0;               // one call of one request's rows, once measured
  int instances = 1;                   // model instances per endpoint
  std::map<Protocol, double> ping_us;  // p50 of the protocol's bare round trip
};

struct Measured {
  Protocol protocol = Protocol::kHttpJson;
  std::string config;
  int concurrency = 0;
  LoadResult load;
  double rows_per_s = 0, raw_rows_per_s = 0, ratio = 0, mean_batch = 0, busy = 0;
  double call_slowdown = 0;  // the server's compute time ÷ the raw calls' on the same batches
  // With several instances: served rows/s ÷ that many one-thread loops side by side, each as
  // fast as one thread's CPU time allows (the stricter limit); else the same as ratio.
  double parallel_ratio = 0;
  double server_cpu = 0, client_cpu = 0;  // percent of one core
  bool ok() const { return load.errors == 0 && load.requests > 0; }
};

Measured Measure(EaselServer& server, Subject& s, const ServerTarget& target, Protocol protocol,
                 const Batching& config, int concurrency, double seconds) {
  const std::string endpoint = s.endpoint + config.suffix;
  RequestSet set(protocol, target, endpoint, s.requests);
  BatchMix before;
  double server_cpu = 0, client_cpu = 0;
  Clock::time_point start;
  LoadOptions o;
  o.requests = &set;
  o.concurrency = concurrency;
  o.seconds = seconds;
  o.check = [&s](size_t i, const std::vector<float>& p) -> std::string {
    const std::vector<float>& want = s.expected.at(i);
    float worst = p.size() == want.size() ? 0.0f : INFINITY;
    for (size_t k = 0; k < p.size() && k < want.size(); ++k) {
      worst = std::max(worst, std::abs(p[k] - want[k]));
    }
    if (worst <= s.tolerance) return "";
    return "request " + std::to_string(i) + ": served probabilities differ from the in-process " +
           "prediction by " + std::to_string(worst);
  };
  o.before_start = [&] {
    before = Batches(server, endpoint);
    server_cpu = ProcessCpuSeconds(server.pid());
    client_cpu = SelfCpuSeconds();
    start = Clock::now();
  };
  Measured m{.protocol = protocol, .config = config.Label(), .concurrency = concurrency};
  m.load = RunLoad(o);
  const double wall = Since(start);
  m.server_cpu = 100 * (ProcessCpuSeconds(server.pid()) - server_cpu) / wall;
  m.client_cpu = 100 * (SelfCpuSeconds() - client_cpu) / wall;
  server.CheckAlive();
  if (m.load.requests == 0) return m;
  m.rows_per_s = static_cast<double>(m.load.requests * s.rows_per_request) / m.load.seconds;
  int64_t calls = 0, rows = 0, ns = 0;
  double raw_seconds = 0, one_thread_seconds = 0;
  for (const auto& [size, after] : Batches(server, endpoint)) {
    auto b = before.find(size);
    const int64_t c = after.first - (b == before.end() ? 0 : b->second.first);
    if (c == 0) continue;
    calls += c;
    rows += c * static_cast<int64_t>(size);
    ns += after.second - (b == before.end() ? 0 : b->second.second);
    raw_seconds += c * s.local->BestSecondsPerCall(size);
    one_thread_seconds += c * s.local->SecondsPerCall(size, 1);
  }
  if (calls == 0) throw std::runtime_error("the stats of '" + endpoint + "' show no model call");
  m.mean_batch = static_cast<double>(rows) / calls;
  m.raw_rows_per_s = rows / raw_seconds;
  m.ratio = m.rows_per_s / m.raw_rows_per_s;
  m.parallel_ratio =
      s.instances > 1 ? m.rows_per_s * one_thread_seconds / s.instances / rows : m.ratio;
  m.busy = ns / 1e9 / wall;
  m.call_slowdown = ns / 1e9 / raw_seconds;
  return m;
}

void PrintHeader() {
  std::printf("  %-11s %-9s %4s %8s %6s %10s %6s %8s %8s %6s %5s %7s %7s\n", "protocol", "batching",
              "conc", "rows/s", "batch", "raw rows/s", "ratio", "p50 us", "p99 us", "call x",
              "busy", "srv cpu", "cli cpu");
}

void PrintRow(const Measured& m) {
  std::printf("  %-11s %-9s %4d %8.0f %6.2f %10.0f %6.3f %8.0f %8.0f %6.1f %4.0f%% %6.0f%% %6.0f%%",
              ProtocolName(m.protocol), m.config.c_str(), m.concurrency, m.rows_per_s, m.mean_batch,
              m.raw_rows_per_s, m.ratio, m.load.p50_us, m.load.p99_us, m.call_slowdown,
              100 * m.busy, m.server_cpu, m.client_cpu);
  if (!m.ok()) {
    std::printf("  FAILED: %lld errors, %lld answered; first: %s", (long long)m.load.errors,
                (long long)m.load.requests, m.load.first_error.c_str());
  }
  std::printf("\n");
  std::fflush(stdout);
}

const Measured* Find(const std::vector<Measured>& all, Protocol p, const std::string& config,
                     int concurrency) {
  for (const Measured& m : all) {
    if (m.protocol == p && m.config == config && m.concurrency == concurrency && m.ok()) return &m;
  }
  return nullptr;
}

// served ÷ served: "1.23" or "n/a" when either run failed.
std::string Gain(const Measured* on, const Measured* off) {
  if (on == nullptr || off == nullptr) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", on->rows_per_s / off->rows_per_s);
  return buf;
}

// p50 of the protocol's cheapest request (GET /v2/health/live, rpc ServerLive) from one client
// thread on the same kind of connection: what any request costs before a model is involved.
double PingP50(const Subject& s, const ServerTarget& target, Protocol protocol, double seconds) {
  RequestSet set(protocol, target, s.endpoint, s.requests);
  LoadOptions o;
  o.requests = &set;
  o.seconds = seconds;
  o.ping = true;
  const LoadResult r = RunLoad(o);
  return r.requests > 0 && r.errors == 0 ? r.p50_us : NAN;
}

// Runs the load of (a), (b) and (c) on one model, printing as it goes.
std::vector<Measured> RunSubject(EaselServer& server, const ServerTarget& target, Subject& s,
                                 const std::vector<Batching>& configs, double seconds) {
  std::printf("\n%s\n", s.title.c_str());
  PrintHeader();
  std::vector<Measured> all;
  for (Protocol p : s.protocols) {
    for (int c : {1, 8, 32}) {
      all.push_back(Measure(server, s, target, p, configs[0], c, seconds));
      PrintRow(all.back());
    }
  }
  for (Protocol p : s.protocols) {
    for (size_t k = 1; k < configs.size(); ++k) {
      all.push_back(Measure(server, s, target, p, configs[k], 32, seconds));
      PrintRow(all.back());
    }
  }
  s.raw_one_us = s.local->BestSecondsPerCall(s.rows_per_request) * 1e6;
  std::printf(
      "  overhead per request = p50 at concurrency 1 - one raw call of %zu row(s) (%.0f us):",
      s.rows_per_request, s.raw_one_us);
  for (Protocol p : s.protocols) {
    const Measured* m = Find(all, p, configs[0].Label(), 1);
    std::printf("  %s %s", ProtocolName(p),
                m ? std::to_string(std::lround(m->load.p50_us - s.raw_one_us)).c_str() : "n/a");
  }
  std::printf(
      " us\n  of which a bare round trip (GET /v2/health/live, rpc ServerLive) at "
      "concurrency 1:");
  for (Protocol p : s.protocols) {
    s.ping_us[p] = PingP50(s, target, p, seconds);
    std::printf("  %s %.0f", ProtocolName(p), s.ping_us[p]);
  }
  std::printf(" us\n  overhead beyond the round trip:");
  for (Protocol p : s.protocols) {
    const Measured* m = Find(all, p, configs[0].Label(), 1);
    std::printf(
        "  %s %s", ProtocolName(p),
        m ? std::to_string(std::lround(m->load.p50_us - s.raw_one_us - s.ping_us[p])).c_str()
          : "n/a");
  }
  std::printf(" us\n  raw call here, every core (wall) / 1 thread (cpu):");
  for (size_t n : std::set<size_t>{1, 32, static_cast<size_t>(configs[0].max_batch_size)}) {
    std::printf("  batch %zu: %.0f / %.0f us", n, s.local->SecondsPerCall(n, 0) * 1e6,
                s.local->SecondsPerCall(n, 1) * 1e6);
  }
  std::printf("\n  batching gain at concurrency 32 (%s / off, %s / off):",
              configs[1].Label().c_str(), configs[0].Label().c_str());
  for (Protocol p : s.protocols) {
    const Measured* off = Find(all, p, configs[2].Label(), 32);
    std::printf("  %s %s, %s", ProtocolName(p),
                Gain(Find(all, p, configs[1].Label(), 32), off).c_str(),
                Gain(Find(all, p, configs[0].Label(), 32), off).c_str());
  }
  std::printf("\n");
  std::fflush(stdout);
  return all;
}

void CreateEndpoints(EaselServer& server, const std::string& name, const std::string& model,
                     int version, const std::vector<Batching>& configs, int instances) {
  for (const Batching& b : configs) {
    server.Send("POST", kProject + "/endpoints",
                {{"name", name + b.suffix},
                 {"routes", {{{"model", model}, {"version", version}}}},
                 {"instances", instances},
                 {"max_batch_size", b.max_batch_size},
                 {"max_queue_delay_us", b.delay_us}},
                201);
  }
}

// Requests of `rows` rows each made of the single-row ones (row i of s.local is single[i]),
// with their answers in this process.
void SetRequests(Subject& s, std::vector<RowRequest> single, size_t rows) {
  s.single = std::move(single);
  const std::vector<RowRequest>& single_rows = s.single;
  s.rows_per_request = rows;
  s.requests = Stack(single_rows, rows);
  s.expected.clear();
  std::vector<std::vector<float>> one;
  for (size_t i = 0; i < single_rows.size(); ++i) one.push_back(s.local->Run(i, 1));
  for (size_t i = 0; i < single_rows.size(); ++i) {
    std::vector<float>& want = s.expected.emplace_back();
    for (size_t k = 0; k < rows; ++k) {
      const std::vector<float>& p = one[(i + k) % one.size()];
      want.insert(want.end(), p.begin(), p.end());
    }
  }
}

std::string FloatText(float v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}

Subject TabularSubject(EaselServer& server, const Options& o,
                       const std::vector<Batching>& configs) {
  const auto start = Clock::now();
  const Table table = ReadSklearn("breast_cancer.csv");
  Import(server, "cancer", "tabular", "breast_cancer.csv", table.csv);
  const int version = Train(server, {{"algorithm", "xgboost"},
                                     {"dataset", {{"name", "cancer"}}},
                                     {"target", "label"},
                                     {"model_name", "cancer-gbm"}});
  CreateEndpoints(server, "cancer", "cancer-gbm", version, configs, o.instances);
  const double setup = Since(start);
  auto [files, format] = Download(server, "cancer-gbm", version);
  const Json meta = server.Send("GET", "/v2/models/cancer", nullptr, 200);

  Subject s;
  s.endpoint = "cancer";
  s.model = "cancer-gbm";
  s.version = version;
  s.instances = o.instances;
  s.protocols = {Protocol::kHttpJson, Protocol::kHttpBinary, Protocol::kGrpc, Protocol::kHttpRows};
  // What the server makes of each FP32 value: the shortest text that reads back as it.
  std::vector<std::map<std::string, std::string>> cells;
  std::vector<RowRequest> single;
  for (const auto& row : table.rows) {
    RowRequest& request = single.emplace_back();
    auto& served = cells.emplace_back();
    for (const Json& input : meta.at("inputs")) {
      const std::string name = input.at("name");
      auto cell = row.find(name);
      if (cell == row.end()) throw std::runtime_error("the model reads '" + name + "'?");
      const float v = std::stof(cell->second);
      request.push_back({.name = name,
                         .datatype = "FP32",
                         .raw = std::string(reinterpret_cast<const char*>(&v), 4),
                         .json = Json(std::stod(cell->second))});
      served[name] = FloatText(v);
    }
  }
  s.local = LoadTabular(format, files, std::move(cells));
  const size_t source_rows = single.size();
  SetRequests(s, std::move(single), o.rows_per_request);
  char title[256];
  std::snprintf(title, sizeof title,
                "xgboost on breast cancer (%zu rows, %zu features, 2 classes; trained and "
                "deployed in %.0f s), %zu row(s) per request",
                source_rows, meta.at("inputs").size(), setup, s.rows_per_request);
  s.title = title;
  return s;
}

// The bulk pass: the tabular subject's version (and in-process model) on endpoints of its own,
// `configs` for requests of `rows` rows each, over the protocols that carry them in binary
// (HTTP binary, gRPC).
Subject BulkSubject(EaselServer& server, const Subject& tabular,
                    const std::vector<Batching>& configs, size_t rows) {
  Subject s = tabular;
  s.endpoint = "cancer-bulk";
  CreateEndpoints(server, s.endpoint, s.model, s.version, configs, s.instances);
  std::erase_if(s.protocols,
                [](Protocol p) { return p != Protocol::kHttpBinary && p != Protocol::kGrpc; });
  SetRequests(s, tabular.single, rows);
  s.ping_us.clear();
  s.title = "the same xgboost version in bulk: " + std::to_string(rows) + " rows (" +
            std::to_string(rows * s.single.front().size() * 4 / 1024) + " KiB of FP32) per request";
  return s;
}

// Seconds since the epoch of a job timestamp (RFC 3339, as the API writes them).
double JobTime(const std::string& stamp) {
  std::optional<int64_t> millis = ParseRfc3339(stamp);
  if (!millis) throw std::runtime_error("not a job timestamp: " + stamp);
  return *millis / 1e3;
}

struct BatchRun {
  int64_t rows = 0;
  double seconds = 0;  // the job's run, started_at to finished_at
  double raw_rows_per_s = 0;
};

// The tabular version's batch_predict job over the breast cancer rows repeated `copies` times.
BatchRun BatchPredict(EaselServer& server, const Subject& s, const std::string& model, int copies) {
  const Table table = ReadSklearn("breast_cancer.csv");
  const size_t header = table.csv.find('\n') + 1;
  std::string csv = table.csv;
  for (int i = 1; i < copies; ++i) csv.append(table.csv, header);
  Import(server, "cancer-copies", "tabular", "cancer_copies.csv", csv);
  const Json job = server.Send(
      "POST", kProject + "/jobs",
      {{"kind", "batch_predict"},
       {"spec",
        {{"model", model}, {"dataset", {{"name", "cancer-copies"}}}, {"batch_size", 1024}}}},
      202);
  const Json done = WaitJob(server, job.value("id", ""));
  BatchRun r;
  r.rows = done["result"].value("rows", int64_t{0});
  r.seconds = JobTime(done.value("finished_at", "")) - JobTime(done.value("started_at", ""));
  r.raw_rows_per_s = 1024 / s.local->BestSecondsPerCall(1024);
  return r;
}

Subject ImageSubject(EaselServer& server, const Options& o, const std::vector<Batching>& configs) {
  const auto start = Clock::now();
  const std::vector<std::string> classes = {"tshirt", "trouser", "pullover", "dress", "coat",
                                            "sandal", "shirt",   "sneaker",  "bag",   "boot"};
  const Images train = ReadFashion(o.fashion, "train", o.images);
  Import(server, "fashion", "image_classification", "fashion.zip", ImageFolderZip(train, classes));
  const Json params = {{"arch", "resnet18"}, {"width", 0.25},         {"input_size", 32},
                       {"grayscale", true},  {"epochs", 1},           {"batch_size", 32},
                       {"augment", false},   {"learning_rate", 0.003}};
  const int version = Train(server, {{"algorithm", "image_classifier"},
                                     {"dataset", {{"name", "fashion"}}},
                                     {"model_name", "fashion-net"},
                                     {"params", params}});
  CreateEndpoints(server, "fashion", "fashion-net", version, configs, o.instances);
  const double setup = Since(start);
  auto [files, format] = Download(server, "fashion-net", version);
  const Json meta = server.Send("GET", "/v2/models/fashion", nullptr, 200);
  const std::string input = meta.at("inputs").at(0).at("name");

  Subject s;
  s.endpoint = "fashion";
  s.instances = o.instances;
  // JSON cannot carry encoded images: BYTES data in JSON must be (UTF-8) strings.
  s.protocols = {Protocol::kHttpBinary, Protocol::kGrpc};
  Images test = ReadFashion(o.fashion, "t10k", 64);
  std::vector<RowRequest> single;
  for (const std::string& png : test.png) {
    const uint32_t n = static_cast<uint32_t>(png.size());  // little-endian hosts only
    single.push_back({{.name = input,
                       .datatype = "BYTES",
                       .raw = std::string(reinterpret_cast<const char*>(&n), 4) + png}});
  }
  s.local = LoadImage(format, files, std::move(test.png));
  SetRequests(s, std::move(single), o.rows_per_request);
  s.tolerance = 1e-4;  // convolutions may sum in another order at another batch size
  char title[256];
  std::snprintf(title, sizeof title,
                "image_classifier (resnet18 width 0.25, 32 px, 1 epoch on %zu Fashion-MNIST "
                "images; trained and deployed in %.0f s), %zu 28x28 PNG(s) per request",
                train.png.size(), setup, s.rows_per_request);
  s.title = title;
  return s;
}

// The 1, 5 and 15 minute load averages: how much else this machine was doing.
std::string LoadAverage() {
  const std::vector<std::string> fields = Split(ReadFile("/proc/loadavg"), ' ');
  return fields.size() < 3 ? "?" : fields[0] + " " + fields[1] + " " + fields[2];
}

int RunBench(const Options& o) {
  InstallSignalForwarding();
  ::signal(SIGPIPE, SIG_IGN);
  ScratchDir scratch("easel-serving-bench");
  // 64 HTTP threads: the idle admin connection must not take a slot the 32 clients need.
  EaselServer server(o.easel, scratch.path(),
                     {"--grpc-listen", "127.0.0.1:0", "--http-threads", "64"});
  std::smatch m;
  const std::string log = server.Log();
  if (!std::regex_search(log, m, std::regex(R"(grpc listening on 127\.0\.0\.1:(\d+))"))) {
    throw std::runtime_error("easel serve did not say where gRPC listens:\n" + server.LogTail());
  }
  const ServerTarget target{server.port(), std::stoi(m[1]), server.token()};
  server.Send("POST", "/api/v1/projects", {{"name", "bench"}}, 201);
  const int r = o.rows_per_request;
  const int batch = std::min(32 * r, 4096);  // the API's largest max_batch_size
  const std::vector<Batching> configs = {
      {"", batch, 0}, {"-delay", batch, o.delay_us}, {"-nobatch", r, 0, false}};
  std::printf(
      "serving: requests of %d row(s) (rows/s = requests/s x %d) over N keep-alive "
      "connections, each with one request in flight, %.1f s per run; %d instance(s) per endpoint; "
      "batching = max_batch_size/max_queue_delay_us (off: one request per call); raw = the same "
      "version in this process called "
      "from 1 thread, with "
      "the faster of every core (wall time) and 1 thread (its CPU time), on batches of "
      "the sizes the server ran; "
      "ratio = rows/s / raw rows/s; call x = the server's time in model calls / the raw calls' on "
      "the same batches; busy = the instances' time in model calls / the run (up to 100%% each); "
      "cpu in %% of one core (%u cores); load average %s\n",
      r, r, o.seconds, o.instances, std::thread::hardware_concurrency(), LoadAverage().c_str());
  std::fflush(stdout);

  const double block = o.quick ? 0.1 : 0.5;
  auto measure = [&](std::optional<Subject>& s) -> std::vector<Measured> {
    if (!s) return {};
    if (o.protocol) std::erase_if(s->protocols, [&](Protocol p) { return p != *o.protocol; });
    s->local->set_block_seconds(block);
    return RunSubject(server, target, *s, configs, o.seconds);
  };
  std::optional<Subject> tabular, image;  // each set up after the one before has run
  if (o.only != "image") tabular = TabularSubject(server, o, configs);
  const std::vector<Measured> t = measure(tabular);
  if (tabular) {
    const BatchRun b = BatchPredict(server, *tabular, "cancer-gbm",
                                    o.batch_copies > 0 ? o.batch_copies
                                    : o.quick          ? 20
                                                       : 200);
    std::printf(
        "\nbatch predictions of the xgboost version: %lld rows in %.2f s, %.0f rows/s; raw "
        "%.0f rows/s at 1024 rows per call; ratio %.3f\n",
        static_cast<long long>(b.rows), b.seconds, b.rows / b.seconds, b.raw_rows_per_s,
        b.rows / b.seconds / b.raw_rows_per_s);
    std::fflush(stdout);
  }
  // Requests as large as the API's largest batch, which batching cannot join: what serving
  // costs beyond the model when a request's protocol work is spread over many rows.
  std::vector<Measured> bulk;
  const std::vector<Batching> bulk_configs = {{"", o.bulk_rows, 0},
                                              {"-delay", o.bulk_rows, o.delay_us},
                                              {"-nobatch", o.bulk_rows, 0, false}};
  if (tabular && r == 1 && o.bulk_rows > 0) {
    Subject s = BulkSubject(server, *tabular, bulk_configs, o.bulk_rows);
    if (!s.protocols.empty()) bulk = RunSubject(server, target, s, bulk_configs, o.seconds);
  }
  if (o.only != "tabular") image = ImageSubject(server, o, configs);
  const std::vector<Measured> i = measure(image);

  std::printf("\nheadline (targets from the issue)");
  if (tabular) {
    std::printf("\n  tabular overhead per request of %d row(s) (target < 200 us at 1 row):", r);
    for (Protocol p : tabular->protocols) {
      const Measured* m = Find(t, p, configs[0].Label(), 1);
      if (m) {
        std::printf("  %s %.0f us (%.0f beyond a bare round trip)", ProtocolName(p),
                    m->load.p50_us - tabular->raw_one_us,
                    m->load.p50_us - tabular->raw_one_us - tabular->ping_us[p]);
      }
    }
  }
  std::printf("\n  throughput ratio at concurrency 32, batching %s (target >= 0.8):",
              configs[1].Label().c_str());
  for (const auto* run : {&t, &i}) {
    if (!(run == &t ? tabular : image)) continue;
    std::printf("  %s", run == &t ? "xgboost" : tabular ? "| image" : "image");
    for (const Measured& m : *run) {
      if (m.config == configs[1].Label() && m.ok()) {
        std::printf("  %s %.2f", ProtocolName(m.protocol), m.ratio);
        if (o.instances > 1) std::printf(" (%.2f)", m.parallel_ratio);
      }
    }
  }
  if (!bulk.empty()) {
    std::printf("\n  the same at %d rows per request, batching %s:", o.bulk_rows,
                bulk_configs[1].Label().c_str());
    for (const Measured& m : bulk) {
      if (m.config == bulk_configs[1].Label() && m.ok()) {
        std::printf("  %s %.2f", ProtocolName(m.protocol), m.ratio);
        if (o.instances > 1) std::printf(" (%.2f)", m.parallel_ratio);
      }
    }
  }
  if (o.instances > 1) {
    std::printf("\n  (in parentheses: against %d one-thread loops side by side)", o.instances);
  }
  if (image) {
    std::printf("\n  image classifier batching gain at concurrency 32 (%s / off):",
                configs[1].Label().c_str());
    for (Protocol p : image->protocols) {
      std::printf(
          "  %s %s", ProtocolName(p),
          Gain(Find(i, p, configs[1].Label(), 32), Find(i, p, configs[2].Label(), 32)).c_str());
    }
  }
  std::printf("\n  load average at the end: %s\n", LoadAverage().c_str());
  int failed = 0;
  for (const std::vector<Measured>* run : {&t, &std::as_const(bulk), &i}) {
    for (const Measured& m : *run) failed += m.ok() ? 0 : 1;
  }
  if (failed > 0) {
    std::fprintf(stderr,
                 "easel_serving_bench: %d runs had failed requests (marked FAILED above; their "
                 "figures are not results). Server log:\n%s\n",
                 failed, server.LogTail(4000).c_str());
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace easel::bench

int main(int argc, char** argv) {
  easel::bench::Options o;
  CLI::App app{"easel endpoints under load against the same models in-process"};
  app.add_option("--easel", o.easel, "the easel binary")->required();
  app.add_option("--fashion-mnist", o.fashion, "Fashion-MNIST directory (IDX .gz files)");
  app.add_option("--seconds", o.seconds, "length of each load run");
  app.add_option("--delay-us", o.delay_us, "max_queue_delay_us of the batching endpoint");
  app.add_option("--instances", o.instances, "model instances per endpoint");
  app.add_option("--rows-per-request", o.rows_per_request, "rows (images) in each request")
      ->check(CLI::Range(1, 4096));
  app.add_option("--bulk-rows", o.bulk_rows,
                 "rows per request of the tabular model's bulk pass (0: none)")
      ->check(CLI::Range(0, 4096));
  app.add_option("--images", o.images, "Fashion-MNIST training images for the image model");
  app.add_option("--batch-copies", o.batch_copies,
                 "copies of the breast cancer rows the batch prediction reads")
      ->check(CLI::Range(1, 100000));
  app.add_flag("--quick", o.quick, "a smoke run: 1 s runs, 200 training images");
  app.add_option("--only", o.only, "one model alone: quicker comparisons of one path")
      ->check(CLI::IsMember({"tabular", "image"}));
  using easel::bench::Protocol;
  const std::map<std::string, Protocol> protocols = {{"http-json", Protocol::kHttpJson},
                                                     {"http-binary", Protocol::kHttpBinary},
                                                     {"grpc", Protocol::kGrpc},
                                                     {"http-rows", Protocol::kHttpRows}};
  std::string protocol;
  app.add_option("--protocol", protocol,
                 "one protocol alone (the image model has no JSON; http-rows: one JSON object "
                 "per row, tabular only)")
      ->check(CLI::IsMember(protocols));
  CLI11_PARSE(app, argc, argv);
  if (!protocol.empty()) o.protocol = protocols.at(protocol);
  if (o.only == "image" &&
      (o.protocol == Protocol::kHttpJson || o.protocol == Protocol::kHttpRows)) {
    std::fprintf(stderr,
                 "easel_serving_bench: the image model has no http-json or http-rows runs (JSON "
                 "cannot carry encoded images)\n");
    return 2;
  }
  if (o.quick) {
    o.seconds = 1;
    o.images = 200;
  }
  for (const std::string& need :
       {o.easel, (easel::bench::kSklearnData / "breast_cancer.csv").string(),
        o.fashion + "/train-images-idx3-ubyte.gz"}) {
    if (!std::filesystem::exists(need)) {
      std::fprintf(stderr,
                   "easel_serving_bench: needs %s (python3-sklearn, dataset-fashion-mnist)\n",
                   need.c_str());
      return 2;
    }
  }
  return easel::bench::RunGuarded("easel_serving_bench", [&] { return easel::bench::RunBench(o); });
}
