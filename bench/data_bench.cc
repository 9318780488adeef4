// Dataset import throughput: a 1,000,000-row CSV and a 10,000-image folder (as a tar), each
// uploaded to a real `easel serve` and imported by its `import` job, timed from the first
// upload byte to the job's success. The anchor is `sha256sum` over the same files in the same
// run: an import must at least hash every byte, so that is its limit. Also reports the import
// worker's peak RSS (it logs it), which for the CSV must stay well under 3x the file size:
// imports stream.
//
//   easel_data_bench --easel build/easel [--quick]

#include <archive.h>
#include <archive_entry.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <random>
#include <regex>
#include <stdexcept>
#include <thread>

#include "easel_server.h"
#include "process.h"
#include "run_guarded.h"

namespace easel::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double Since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A tabular CSV: an id, eight numeric columns, a categorical, a boolean, a date and a label.
void WriteCsv(const fs::path& path, int rows) {
  std::ofstream out(path);
  out << "id,f1,f2,f3,f4,f5,f6,f7,f8,city,flag,day,label\n";
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(-100, 100);
  const char* cities[] = {"Paris", "Oslo", "Lima", "Pune", "Kyiv", "Quito"};
  char buf[512];
  for (int i = 0; i < rows; ++i) {
    int n = std::snprintf(buf, sizeof buf,
                          "%d,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%s,%s,2024-%02d-%02d,%s\n", i,
                          u(rng), u(rng), u(rng), u(rng), u(rng), u(rng), u(rng), u(rng),
                          cities[rng() % 6], rng() % 2 ? "true" : "false",
                          static_cast<int>(rng() % 12) + 1, static_cast<int>(rng() % 28) + 1,
                          rng() % 3 ? "yes" : "no");
    out.write(buf, n);
  }
}

// 10 classes of small PNGs, written as files (for sha256sum) and as one tar (the upload).
std::vector<fs::path> WriteImages(const fs::path& dir, const fs::path& tar_path, int count) {
  std::vector<fs::path> files;
  struct archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  if (archive_write_open_filename(a, tar_path.c_str()) != ARCHIVE_OK) {
    throw std::runtime_error("cannot write " + tar_path.string());
  }
  std::mt19937 rng(11);
  for (int i = 0; i < count; ++i) {
    const int label = i % 10;
    cv::Mat img(64, 64, CV_8UC3);
    cv::randu(img, cv::Scalar(0, 0, 0), cv::Scalar(255, 255, 255));
    cv::GaussianBlur(img, img, cv::Size(7, 7), 0);
    cv::circle(img, {32, 32}, 6 + label * 2, cv::Scalar(label * 25, 255 - label * 25, 128), -1);
    std::vector<uchar> png;
    cv::imencode(".png", img, png);
    const std::string rel = "digits/class_" + std::to_string(label) + "/img_" + std::to_string(i) + ".png";
    fs::create_directories((dir / rel).parent_path());
    std::ofstream(dir / rel, std::ios::binary).write(reinterpret_cast<const char*>(png.data()),
                                                     static_cast<std::streamsize>(png.size()));
    files.push_back(dir / rel);
    struct archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, rel.c_str());
    archive_entry_set_size(e, static_cast<la_int64_t>(png.size()));
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_write_header(a, e);
    archive_write_data(a, png.data(), png.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  return files;
}

struct ImportRun {
  double seconds = 0;
  int64_t samples = 0;
  long peak_rss_kib = 0;
};

ImportRun Import(EaselServer& server, const std::string& dataset, const fs::path& file) {
  const std::string base = "/api/v1/projects/bench/datasets/" + dataset;
  const uint64_t size = fs::file_size(file);
  auto start = Clock::now();
  std::ifstream in(file, std::ios::binary);
  std::vector<char> buf(1 << 20);
  auto res = server.client().Post(
      base + "/imports?file_name=" + file.filename().string(), server.headers(), size,
      [&](size_t offset, size_t length, httplib::DataSink& sink) {
        in.seekg(static_cast<std::streamoff>(offset));
        in.read(buf.data(), static_cast<std::streamsize>(std::min(length, buf.size())));
        return in.gcount() > 0 && sink.write(buf.data(), static_cast<size_t>(in.gcount()));
      },
      "application/octet-stream");
  if (!res || res->status != 202) {
    server.CheckAlive();
    throw std::runtime_error("import upload failed: " + (res ? res->body : httplib::to_string(res.error())));
  }
  const std::string job = Json::parse(res->body).value("job_id", "");
  Json state;
  while (true) {
    state = server.Send("GET", "/api/v1/projects/bench/jobs/" + job, nullptr, 200);
    const std::string s = state.value("state", "");
    if (s == "succeeded") break;
    if (s == "failed" || s == "cancelled") throw std::runtime_error("import " + s + ": " + state.dump());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ImportRun run;
  run.seconds = Since(start);
  run.samples = state["result"].value("num_samples", int64_t{0});
  auto logs = server.client().Get("/api/v1/projects/bench/jobs/" + job + "/logs", server.headers());
  std::smatch m;
  static const std::regex kRss("peak RSS ([0-9]+) KiB");
  if (logs && std::regex_search(logs->body, m, kRss)) run.peak_rss_kib = std::stol(m[1]);
  return run;
}

double Sha256sum(const std::string& binary, const std::vector<fs::path>& files) {
  std::vector<std::string> argv = {binary};
  for (const fs::path& f : files) argv.push_back(f.string());
  auto start = Clock::now();
  if (int code = Run({.argv = argv}); code != 0) throw std::runtime_error("sha256sum failed");
  return Since(start);
}

void Report(const char* what, uint64_t bytes, const ImportRun& easel, double anchor_s) {
  const double mb = static_cast<double>(bytes) / 1e6;
  std::printf("  %-28s %9.1f MB  easel %6.2f s (%6.1f MB/s, %lld samples, peak RSS %.0f MiB)"
              "  sha256sum %5.2f s (%6.1f MB/s)  ratio %.2f\n",
              what, mb, easel.seconds, mb / easel.seconds, static_cast<long long>(easel.samples),
              static_cast<double>(easel.peak_rss_kib) / 1024.0, anchor_s, mb / anchor_s,
              anchor_s / easel.seconds);
}

int Main(int argc, char** argv) {
  std::string easel;
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--easel" && i + 1 < argc) {
      easel = argv[++i];
    } else if (a == "--quick") {
      quick = true;
    } else {
      std::fprintf(stderr, "usage: easel_data_bench --easel PATH [--quick]\n");
      return 2;
    }
  }
  if (easel.empty()) throw std::runtime_error("--easel PATH is required");
  InstallSignalForwarding();
  const int rows = quick ? 100'000 : 1'000'000;
  const int images = quick ? 1'000 : 10'000;
  ScratchDir scratch("easel-data-bench");
  std::printf("Dataset import (%d-row CSV, %d-image folder)\n", rows, images);
  const fs::path csv = scratch.path() / "table.csv";
  WriteCsv(csv, rows);
  const fs::path tar = scratch.path() / "images.tar";
  std::vector<fs::path> image_files = WriteImages(scratch.path() / "images", tar, images);
  uint64_t image_bytes = 0;
  for (const fs::path& f : image_files) image_bytes += fs::file_size(f);

  EaselServer server(easel, scratch.path(), {});
  server.Send("POST", "/api/v1/projects", {{"name", "bench"}}, 201);
  const std::string sha = "/usr/bin/sha256sum";
  for (int round = 1; round <= 2; ++round) {
    const std::string n = std::to_string(round);
    server.Send("POST", "/api/v1/projects/bench/datasets", {{"name", "table" + n}, {"type", "tabular"}}, 201);
    server.Send("POST", "/api/v1/projects/bench/datasets",
                {{"name", "images" + n}, {"type", "image_classification"}}, 201);
    std::printf(" round %d\n", round);
    const double csv_sha = Sha256sum(sha, {csv});
    Report("CSV import", fs::file_size(csv), Import(server, "table" + n, csv), csv_sha);
    const double img_sha = Sha256sum(sha, image_files);
    Report("image folder import", image_bytes, Import(server, "images" + n, tar), img_sha);
  }
  std::printf("  (ratio = easel throughput / sha256sum throughput over the same files; the CSV"
              " is %.0f MiB, so peak RSS must stay well under %.0f MiB)\n",
              static_cast<double>(fs::file_size(csv)) / 1048576.0,
              3 * static_cast<double>(fs::file_size(csv)) / 1048576.0);
  return 0;
}

}  // namespace
}  // namespace easel::bench

int main(int argc, char** argv) {
  return easel::bench::RunGuarded("easel_data_bench",
                                  [&] { return easel::bench::Main(argc, argv); });
}
