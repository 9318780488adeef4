// The image_classifier trainer on Fashion-MNIST (Debian's dataset-fashion-mnist), two questions:
//
// 1. Throughput: is easel's C++ training step as fast as PyTorch's? The same ResNet (easel's
//    nets.cc vs bench/image_classifier_reference.py's re-statement of it), the same batches
//    of the same tensors (IDX pixels upscaled to --size with the same torch ops, no decoding on
//    either side), the same optimizer and thread count, --steps optimizer steps after --warmup.
//    easel runs TrainStep() from trainers/torch_image/epoch.h, the step Train() itself runs.
//    The two sides alternate (easel, python, easel, python) and the best of each is kept;
//    ratio = easel / python samples per second.
// 2. Accuracy: the full easel path (PNG files → transform pipeline → loader threads → Train →
//    Load → Predict) on the 60,000 training images, test accuracy on the 10,000. With
//    --python-accuracy the reference trains the same net with the same recipe on tensors (no
//    decoding) as an anchor for accuracy and time.
//
//   easel_image_classifier_bench [--threads 2] [--steps 100] [--rounds 3] [--epochs 3] [--width
//   0.25]
//       [--train-limit N] [--skip-throughput] [--skip-accuracy] [--python-accuracy] [--quick]
//
// Needs /usr/bin/python3 with python3-torch for the anchors (exit 2 when missing).

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>
#include <torch/nn/functional/upsampling.h>
#include <torch/torch.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>

#include "common/json.h"
#include "run_guarded.h"
#include "train/trainers/torch_common/optim.h"
#include "train/trainers/torch_common/torch_util.h"
#include "train/trainers/torch_image/epoch.h"
#include "train/trainers/torch_image/image_classifier.h"
#include "train/trainers/torch_image/nets.h"

#ifndef EASEL_SOURCE_DIR
#define EASEL_SOURCE_DIR "."
#endif

namespace easel::bench {
namespace {

namespace fs = std::filesystem;
namespace ti = train::torch_image;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string data = "/usr/share/datasets/fashion-mnist";
  std::string python = "/usr/bin/python3";
  std::string reference = EASEL_SOURCE_DIR "/bench/image_classifier_reference.py";
  std::string arch = "resnet18";
  double width = 0.25;
  int size = 32;
  int batch = 32;
  int threads = 2;
  int steps = 100;
  int warmup = 5;
  int rounds = 3;
  int epochs = 3;
  int accuracy_batch = 64;
  double lr = 3e-3;
  int workers = 2;
  int train_limit = 0;
  bool skip_throughput = false;
  bool skip_accuracy = false;
  bool python_accuracy = false;
  bool quick = false;
};

double Since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string ReadGzip(const fs::path& path) {
  archive* a = archive_read_new();
  archive_read_support_filter_gzip(a);
  archive_read_support_format_raw(a);
  std::string out;
  archive_entry* entry = nullptr;
  if (archive_read_open_filename(a, path.c_str(), 1 << 16) == ARCHIVE_OK &&
      archive_read_next_header(a, &entry) == ARCHIVE_OK) {
    std::vector<char> buf(1 << 20);
    la_ssize_t n;
    while ((n = archive_read_data(a, buf.data(), buf.size())) > 0) out.append(buf.data(), n);
  }
  archive_read_free(a);
  return out;
}

uint32_t BigEndian(const std::string& s, size_t at) {
  auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(s[at + i])); };
  return b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
}

// One IDX split: N images of 28×28 u8 and N labels.
struct Split {
  int n = 0, rows = 0, cols = 0;
  std::string pixels;
  std::vector<int64_t> labels;
};

Split ReadSplit(const std::string& root, const std::string& prefix) {
  std::string images = ReadGzip(fs::path(root) / (prefix + "-images-idx3-ubyte.gz"));
  std::string labels = ReadGzip(fs::path(root) / (prefix + "-labels-idx1-ubyte.gz"));
  if (images.size() < 16 || labels.size() < 8 || BigEndian(images, 0) != 2051 ||
      BigEndian(labels, 0) != 2049) {
    throw std::runtime_error("cannot read Fashion-MNIST '" + prefix + "' under " + root);
  }
  Split s;
  s.n = static_cast<int>(BigEndian(images, 4));
  s.rows = static_cast<int>(BigEndian(images, 8));
  s.cols = static_cast<int>(BigEndian(images, 12));
  s.pixels = images.substr(16);
  for (int i = 0; i < s.n; ++i) s.labels.push_back(static_cast<uint8_t>(labels[8 + i]));
  return s;
}

// The same ops as image_classifier_reference.py's to_input().
torch::Tensor ToInput(const Split& s, int size) {
  torch::Tensor x =
      torch::from_blob(const_cast<char*>(s.pixels.data()), {s.n, 1, s.rows, s.cols}, torch::kUInt8)
          .to(torch::kFloat32);
  if (s.cols != size) {
    namespace F = torch::nn::functional;
    x = F::interpolate(x, F::InterpolateFuncOptions()
                              .size(std::vector<int64_t>{size, size})
                              .mode(torch::kBilinear)
                              .align_corners(false))
            .round()
            .clamp(0, 255);
  }
  return (x / 255.0 - 0.5) / 0.5;
}

Json RunPython(const Options& o, const std::vector<std::string>& args) {
  std::string cmd = o.python + " " + o.reference;
  for (const std::string& a : args) cmd += " " + a;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run " + cmd);
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  if (pclose(pipe) != 0) throw std::runtime_error("the reference failed: " + cmd);
  Result<Json> json = ParseJson(out.substr(out.rfind('{')));
  if (!json.ok()) throw std::runtime_error("unreadable reference output: " + out);
  return *json;
}

// easel's side of measurement 1: samples/s of TrainStep over `steps` batches.
double EaselThroughput(const Options& o, const torch::Tensor& x, const torch::Tensor& y) {
  train::torch_util::ConfigureThreads(train::Resources{.threads = o.threads});
  torch::manual_seed(1);
  auto net = ti::BuildNet(ti::NetConfig{.arch = o.arch,
                                        .width = o.width,
                                        .input_size = o.size,
                                        .channels = 1,
                                        .num_classes = 10})
                 .value();
  train::torch_util::OptimConfig oc;
  oc.lr = o.lr;
  oc.weight_decay = 1e-4;
  auto optimizer = train::torch_util::MakeOptimizer(net->parameters(), oc).value();
  net->train();
  std::vector<torch::Tensor> images, labels;
  for (int i = 0; i < o.warmup + o.steps; ++i) {
    torch::Tensor idx = torch::randint(0, x.size(0), {o.batch}, torch::kInt64);
    images.push_back(x.index_select(0, idx).contiguous());
    labels.push_back(y.index_select(0, idx).contiguous());
  }
  for (int i = 0; i < o.warmup; ++i) ti::TrainStep(*net, *optimizer, images[i], labels[i], 0.0);
  auto start = Clock::now();
  torch::Tensor loss;
  for (int i = o.warmup; i < o.warmup + o.steps; ++i) {
    loss = ti::TrainStep(*net, *optimizer, images[i], labels[i], 0.0);
  }
  loss.item<double>();
  return static_cast<double>(o.steps) * o.batch / Since(start);
}

void Throughput(const Options& o) {
  Split train = ReadSplit(o.data, "train");
  torch::Tensor x = ToInput(train, o.size);
  torch::Tensor y = torch::tensor(train.labels, torch::kInt64);
  double easel = 0, python = 0;
  std::vector<std::string> args = {"throughput",
                                   "--arch " + o.arch,
                                   fmt::format("--width {}", o.width),
                                   fmt::format("--size {}", o.size),
                                   fmt::format("--batch {}", o.batch),
                                   fmt::format("--threads {}", o.threads),
                                   fmt::format("--steps {}", o.steps),
                                   fmt::format("--warmup {}", o.warmup),
                                   fmt::format("--lr {}", o.lr)};
  for (int round = 1; round <= o.rounds; ++round) {
    double e = EaselThroughput(o, x, y);
    double p = RunPython(o, args)["samples_per_s"].get<double>();
    std::printf("  round %d: easel %.1f samples/s, python %.1f samples/s\n", round, e, p);
    std::fflush(stdout);
    easel = std::max(easel, e);
    python = std::max(python, p);
  }
  std::printf(
      "throughput (%s width %.2f, %d px, batch %d, %d threads, %d steps, best of %d): easel %.1f "
      "samples/s, python %.1f samples/s, easel/python %.3f\n",
      o.arch.c_str(), o.width, o.size, o.batch, o.threads, o.steps, o.rounds, easel, python,
      easel / python);
}

class PrintingHooks : public train::TrainHooks {
 public:
  bool cancelled() const override { return false; }
  void ReportEpoch(const train::EpochMetrics& m) override {
    std::printf("  epoch %ld/%ld: train loss %.4f, lr %.2g, %.0f samples/s\n",
                static_cast<long>(m.epoch), static_cast<long>(m.epochs), m.train_loss,
                m.learning_rate, m.samples_per_s);
    std::fflush(stdout);
    samples_per_s = m.samples_per_s;
  }
  void Log(std::string_view line) override {
    std::printf("  log: %.*s\n", static_cast<int>(line.size()), line.data());
  }
  Status SaveCheckpoint(std::string_view) override { return OkStatus(); }
  Result<std::optional<std::string>> LoadCheckpoint() override {
    return std::optional<std::string>();
  }
  double samples_per_s = 0;
};

std::vector<train::ImageItem> WritePngs(const Split& s, const fs::path& dir,
                                        const std::string& prefix, int limit) {
  std::vector<train::ImageItem> items;
  int n = limit > 0 ? std::min(limit, s.n) : s.n;
  for (int i = 0; i < n; ++i) {
    cv::Mat image(s.rows, s.cols, CV_8UC1,
                  const_cast<char*>(s.pixels.data()) + static_cast<size_t>(i) * s.rows * s.cols);
    std::string id = fmt::format("{}{}", prefix, i);
    fs::path path = dir / (id + ".png");
    if (!cv::imwrite(path.string(), image))
      throw std::runtime_error("cannot write " + path.string());
    items.push_back(
        {.sample_id = id, .path = path.string(), .label = static_cast<int>(s.labels[i])});
  }
  return items;
}

void Accuracy(const Options& o) {
  fs::path dir = fs::temp_directory_path() / fmt::format("easel-fmnist-{}", getpid());
  fs::create_directories(dir);
  struct Cleanup {
    fs::path dir;
    ~Cleanup() { fs::remove_all(dir); }
  } cleanup{dir};
  auto start = Clock::now();
  train::ImageProblem problem;
  problem.classes = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                     "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  problem.train = WritePngs(ReadSplit(o.data, "train"), dir, "train", o.train_limit);
  problem.test = WritePngs(ReadSplit(o.data, "t10k"), dir, "test", 0);
  std::printf("accuracy: wrote %zu + %zu PNG files in %.1f s\n", problem.train.size(),
              problem.test.size(), Since(start));
  Json params{{"arch", o.arch},    {"width", o.width},      {"input_size", o.size},
              {"grayscale", true}, {"epochs", o.epochs},    {"batch_size", o.accuracy_batch},
              {"augment", false},  {"learning_rate", o.lr}, {"workers", o.workers}};
  PrintingHooks hooks;
  train::Resources resources{.device = "cpu", .threads = o.threads};
  start = Clock::now();
  Result<train::ModelFiles> files = ti::Train(problem, params, 1, resources, hooks);
  if (!files.ok()) throw std::runtime_error(files.status().ToString());
  double train_seconds = Since(start);

  auto predictor = ti::Load(*files, resources).value();
  start = Clock::now();
  size_t hits = 0;
  for (size_t begin = 0; begin < problem.test.size(); begin += 256) {
    size_t end = std::min(problem.test.size(), begin + 256);
    std::vector<std::string> bytes;
    for (size_t i = begin; i < end; ++i) {
      std::ifstream in(problem.test[i].path, std::ios::binary);
      bytes.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    std::vector<std::string_view> views(bytes.begin(), bytes.end());
    std::vector<float> probs = predictor->Predict(views).value();
    for (size_t i = begin; i < end; ++i) {
      const float* row = probs.data() + (i - begin) * 10;
      hits += std::max_element(row, row + 10) - row == problem.test[i].label;
    }
  }
  double accuracy = static_cast<double>(hits) / problem.test.size();
  std::printf(
      "accuracy (easel, %s width %.2f, %d px, %d epochs on %zu images, batch %d, %d threads, %d "
      "decode workers): test accuracy %.4f on %zu images; training %.0f s (%.0f samples/s in the "
      "last epoch, decoding included); prediction %.0f images/s\n",
      o.arch.c_str(), o.width, o.size, o.epochs, problem.train.size(), o.accuracy_batch, o.threads,
      o.workers, accuracy, problem.test.size(), train_seconds, hooks.samples_per_s,
      problem.test.size() / Since(start));
  std::fflush(stdout);

  if (o.python_accuracy) {
    std::vector<std::string> args = {"accuracy",
                                     "--arch " + o.arch,
                                     fmt::format("--width {}", o.width),
                                     fmt::format("--size {}", o.size),
                                     fmt::format("--batch {}", o.accuracy_batch),
                                     fmt::format("--threads {}", o.threads),
                                     fmt::format("--epochs {}", o.epochs),
                                     fmt::format("--lr {}", o.lr)};
    if (o.train_limit > 0) args.push_back(fmt::format("--train-limit {}", o.train_limit));
    Json r = RunPython(o, args);
    std::printf(
        "accuracy (python anchor, same net and recipe, tensors without decoding): test accuracy "
        "%.4f; training %.0f s; easel/python time %.2f\n",
        r["test_accuracy"].get<double>(), r["train_seconds"].get<double>(),
        train_seconds / r["train_seconds"].get<double>());
  }
}

}  // namespace
}  // namespace easel::bench

int main(int argc, char** argv) {
  easel::bench::Options o;
  CLI::App app{"image_classifier trainer on Fashion-MNIST: step throughput vs PyTorch, accuracy"};
  app.add_option("--data", o.data, "Fashion-MNIST directory (IDX .gz files)");
  app.add_option("--python", o.python, "Python with python3-torch");
  app.add_option("--reference", o.reference, "bench/image_classifier_reference.py");
  app.add_option("--arch", o.arch, "resnet18 | resnet34 | resnet50 | mobilenet_v2");
  app.add_option("--width", o.width, "width multiplier");
  app.add_option("--size", o.size, "input size in pixels");
  app.add_option("--batch", o.batch, "throughput: batch size");
  app.add_option("--threads", o.threads, "intra-op threads, both sides");
  app.add_option("--steps", o.steps, "throughput: timed steps");
  app.add_option("--warmup", o.warmup, "throughput: untimed steps first");
  app.add_option("--rounds", o.rounds, "throughput: alternations of easel and python");
  app.add_option("--epochs", o.epochs, "accuracy: epochs");
  app.add_option("--accuracy-batch", o.accuracy_batch, "accuracy: batch size");
  app.add_option("--lr", o.lr, "AdamW learning rate (cosine schedule)");
  app.add_option("--workers", o.workers, "accuracy: decode workers");
  app.add_option("--train-limit", o.train_limit, "accuracy: first N training images (0: all)");
  app.add_flag("--skip-throughput", o.skip_throughput);
  app.add_flag("--skip-accuracy", o.skip_accuracy);
  app.add_flag("--python-accuracy", o.python_accuracy, "accuracy: also train the python anchor");
  app.add_flag("--quick", o.quick, "a smoke run: 20 steps, 1 epoch on 6,000 images");
  CLI11_PARSE(app, argc, argv);
  if (o.quick) {
    o.steps = 20;
    o.epochs = 1;
    o.train_limit = 6000;
  }
  if (!std::filesystem::exists(o.python) || !std::filesystem::exists(o.reference)) {
    std::fprintf(stderr, "needs %s and %s\n", o.python.c_str(), o.reference.c_str());
    return 2;
  }
  return easel::bench::RunGuarded("image_classifier_bench", [&] {
    if (!o.skip_throughput) easel::bench::Throughput(o);
    if (!o.skip_accuracy) easel::bench::Accuracy(o);
    return 0;
  });
}
