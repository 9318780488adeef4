#include "data/images/image_import.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "common/cores.h"
#include "data/images/image_decode.h"
#include "data/images/image_paths.h"
#include "data/images/image_probe.h"

namespace easel::data {
namespace {

// Caps the pixels being decoded at once across the pool, so four threads never hold four
// 90 MP images in memory; small images never wait on each other.
class PixelBudget {
 public:
  explicit PixelBudget(uint64_t limit) : limit_(limit) {}

  // Holds `pixels` of the budget for its lifetime.
  class Lease {
   public:
    Lease(PixelBudget& budget, uint64_t pixels) : budget_(budget), pixels_(pixels) {
      budget_.Acquire(pixels_);
    }
    ~Lease() { budget_.Release(pixels_); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

   private:
    PixelBudget& budget_;
    uint64_t pixels_;
  };

 private:
  void Acquire(uint64_t pixels) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return in_use_ == 0 || in_use_ + pixels <= limit_; });
    in_use_ += pixels;
  }
  void Release(uint64_t pixels) {
    {
      std::lock_guard lock(mu_);
      in_use_ -= pixels;
    }
    cv_.notify_all();
  }

  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t limit_;
  uint64_t in_use_ = 0;
};

struct Checked {
  bool done = false;
  Status status;  // INVALID_ARGUMENT: the file is refused; others stop the import
  ImageHeader header;
};

// Probe, limits and decode check of one file; runs on a pool thread.
Checked CheckFile(const SourceFiles& files, const SourceFile& file,
                  const ImageImportOptions& options, PixelBudget& budget) {
  Checked out;
  if (file.size > options.max_image_bytes) {
    // Still probe (a few small reads), so an oversized bomb says what it is.
    Result<ImageHeader> header = ProbeImageFile(files, file);
    if (header.ok()) out.status = CheckPixelLimit(*header, options.max_pixels);
    if (out.status.ok()) {
      out.status = InvalidArgument(fmt::format("file too large: {} bytes exceeds the limit of {}",
                                               file.size, options.max_image_bytes));
    }
    return out;
  }
  Result<std::string> bytes = files.ReadAll(file, options.max_image_bytes);
  if (!bytes.ok()) {
    out.status = bytes.status();
    return out;
  }
  Result<ImageHeader> header = ProbeImageBytes(*bytes);
  if (!header.ok()) {
    out.status = header.status();
    return out;
  }
  out.header = *header;
  out.status = CheckPixelLimit(out.header, options.max_pixels);
  if (!out.status.ok() || !options.verify_decode) return out;
  uint64_t pixels = static_cast<uint64_t>(header->width) * static_cast<uint64_t>(header->height);
  PixelBudget::Lease lease(budget, pixels);
  out.status = CheckImageDecodes(*bytes, out.header);
  return out;
}

std::string FormatNumber(double v) { return fmt::format("{:g}", v); }

int ThreadCount(const ImageImportOptions& options) {
  if (options.decode_threads > 0) return options.decode_threads;
  return std::clamp(UsableCores(), 2, 4);
}

// Turns a checked image into a sample (or its rejection) on the importing thread.
Status Emit(const PendingImage& image, const Checked& checked, ImportSink& sink) {
  const std::string& path = image.source->path;
  if (!checked.status.ok()) {
    sink.Reject(path, checked.status.message());
    return OkStatus();
  }
  const ImageHeader& h = checked.header;
  if (image.declared_width > 0 && image.declared_height > 0 &&
      (image.declared_width != h.width || image.declared_height != h.height)) {
    sink.Reject(path,
                fmt::format("{} gives the size {}x{} but the image is {}x{}", image.declared_by,
                            image.declared_width, image.declared_height, h.width, h.height));
    return OkStatus();
  }
  Sample sample;
  sample.file = image.file;
  sample.blob = image.source->digest;
  sample.size = image.source->size;
  sample.labels = image.labels;
  for (const PendingBox& pending : image.boxes) {
    Result<Box> box = PlaceBox(pending, h.width, h.height);
    if (!box.ok()) {
      sink.Reject(pending.origin, box.status().message());
      continue;
    }
    sample.boxes.push_back(std::move(*box));
  }
  sample.meta = Json{{"width", h.width}, {"height", h.height}, {"format", ToString(h.format)}};
  return sink.Add(std::move(sample));
}

}  // namespace

Json ImageParamsSchema(Json extra) {
  Json schema = {
      {"max_pixels",
       {{"type", "integer"},
        {"default", kDefaultMaxPixels},
        {"description", "Refuse images with more pixels than this (read from the header)."}}},
      {"max_image_bytes",
       {{"type", "integer"},
        {"default", ImageImportOptions{}.max_image_bytes},
        {"description", "Refuse image files larger than this many bytes."}}},
      {"max_annotation_bytes",
       {{"type", "integer"},
        {"default", ImageImportOptions{}.max_annotation_bytes},
        {"description", "Refuse annotation files (JSON, XML, label lists) larger than this."}}},
      {"decode_threads",
       {{"type", "integer"},
        {"default", 0},
        {"description", "Threads decoding images to check them; 0 picks 2 to 4."}}},
      {"verify_decode",
       {{"type", "boolean"},
        {"default", true},
        {"description", "Decode every image to check it; false only reads the headers."}}},
  };
  for (auto& [name, spec] : extra.items()) schema[name] = spec;
  return schema;
}

Result<ImageImportOptions> ParseImageImportOptions(const Json& params, const Json& schema) {
  ImageImportOptions o;
  if (params.is_null()) return o;
  if (!params.is_object()) return InvalidArgument("params must be a JSON object");
  for (auto& [name, value] : params.items()) {
    if (!schema.contains(name)) {
      std::string known;
      for (auto& [k, v] : schema.items()) known += (known.empty() ? "" : ", ") + k;
      return InvalidArgument(fmt::format("unknown parameter '{}'; known: {}", name, known));
    }
  }
  constexpr int64_t kMaxBytes = int64_t{1} << 50;
  EASEL_ASSIGN_OR_RETURN(auto max_pixels, GetOptionalInt(params, "max_pixels", 1, kMaxBytes));
  EASEL_ASSIGN_OR_RETURN(auto max_image, GetOptionalInt(params, "max_image_bytes", 1, kMaxBytes));
  EASEL_ASSIGN_OR_RETURN(auto max_ann,
                         GetOptionalInt(params, "max_annotation_bytes", 1, kMaxBytes));
  EASEL_ASSIGN_OR_RETURN(auto threads, GetOptionalInt(params, "decode_threads", 0, 16));
  EASEL_ASSIGN_OR_RETURN(auto verify, GetOptionalBool(params, "verify_decode"));
  if (max_pixels) o.max_pixels = static_cast<uint64_t>(*max_pixels);
  if (max_image) o.max_image_bytes = static_cast<uint64_t>(*max_image);
  if (max_ann) o.max_annotation_bytes = static_cast<uint64_t>(*max_ann);
  if (threads) o.decode_threads = static_cast<int>(*threads);
  if (verify) o.verify_decode = *verify;
  return o;
}

Status CheckBoxNumbers(double x, double y, double w, double h) {
  if (!std::isfinite(x) || !std::isfinite(y) || !std::isfinite(w) || !std::isfinite(h)) {
    return InvalidArgument("box coordinates are not finite numbers");
  }
  if (w < 0 || h < 0) {
    return InvalidArgument(
        fmt::format("box with negative size (w={}, h={})", FormatNumber(w), FormatNumber(h)));
  }
  if (w == 0 || h == 0) {
    return InvalidArgument(fmt::format("empty box (w={}, h={})", FormatNumber(w), FormatNumber(h)));
  }
  return OkStatus();
}

Result<Box> PlaceBox(const PendingBox& pending, int64_t width, int64_t height) {
  Box b = pending.box;
  EASEL_RETURN_IF_ERROR(CheckBoxNumbers(b.x, b.y, b.w, b.h));
  const double W = static_cast<double>(width), H = static_cast<double>(height);
  if (pending.normalized) {
    // YOLO: centre and size as fractions of the image.
    double w = b.w * W, h = b.h * H;
    b = Box{std::move(b.label), b.x * W - w / 2, b.y * H - h / 2, w, h};
  }
  double x0 = b.x, y0 = b.y, x1 = b.x + b.w, y1 = b.y + b.h;
  auto outside = [&] {
    return InvalidArgument(fmt::format("box [{}, {}, {}, {}] outside the {}x{} image",
                                       FormatNumber(b.x), FormatNumber(b.y), FormatNumber(b.w),
                                       FormatNumber(b.h), width, height));
  };
  if (x0 < -kBoxTolerance || y0 < -kBoxTolerance || x1 > W + kBoxTolerance ||
      y1 > H + kBoxTolerance) {
    return outside();
  }
  x0 = RoundBoxCoordinate(std::clamp(x0, 0.0, W));
  y0 = RoundBoxCoordinate(std::clamp(y0, 0.0, H));
  x1 = RoundBoxCoordinate(std::clamp(x1, 0.0, W));
  y1 = RoundBoxCoordinate(std::clamp(y1, 0.0, H));
  // Rounding the corners first keeps x + w exact for formats that store corners (VOC).
  Box placed{b.label, x0, y0, RoundBoxCoordinate(x1 - x0), RoundBoxCoordinate(y1 - y0)};
  if (placed.w <= 0 || placed.h <= 0) return outside();
  return placed;
}

Status ImportImages(const SourceFiles& files, std::vector<PendingImage> images,
                    const ImageImportOptions& options, ImportSink& sink) {
  std::stable_sort(images.begin(), images.end(),
                   [](const PendingImage& a, const PendingImage& b) { return a.file < b.file; });
  // A file name used twice (two COCO entries, two folders flattened by YOLO's split folders):
  // the first in order wins, the others are refused by name.
  std::vector<PendingImage> unique;
  unique.reserve(images.size());
  for (PendingImage& image : images) {
    if (!unique.empty() && unique.back().file == image.file) {
      sink.Reject(image.source->path, fmt::format("another image already has the name '{}' ({})",
                                                  image.file, unique.back().source->path));
      continue;
    }
    unique.push_back(std::move(image));
  }
  images = std::move(unique);

  const size_t n = images.size();
  std::vector<Checked> results(n);
  std::mutex mu;
  std::condition_variable done_cv;
  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};
  PixelBudget budget(std::max<uint64_t>(options.max_pixels, 1));

  auto work = [&] {
    while (!stop.load()) {
      size_t i = next.fetch_add(1);
      if (i >= n) return;
      Checked c;
      try {
        c = CheckFile(files, *images[i].source, options, budget);
      } catch (const std::exception& e) {  // std::bad_alloc for a file too big for memory now
        c.status =
            ResourceExhausted(fmt::format("checking {}: {}", images[i].source->path, e.what()));
      }
      {
        std::lock_guard lock(mu);
        results[i] = std::move(c);
        results[i].done = true;
      }
      done_cv.notify_all();
    }
  };
  std::vector<std::thread> pool;
  // Every way out of this function (errors, cancellation, exceptions) stops and joins the pool.
  struct JoinOnExit {
    std::atomic<bool>& stop;
    std::vector<std::thread>& pool;
    ~JoinOnExit() {
      stop.store(true);
      for (std::thread& t : pool) t.join();
    }
  } join_on_exit{stop, pool};
  int threads = static_cast<int>(std::min<size_t>(ThreadCount(options), std::max<size_t>(n, 1)));
  for (int t = 0; t < threads; ++t) pool.emplace_back(work);

  // The importing thread hands results to the sink in order, as they become ready.
  for (size_t i = 0; i < n; ++i) {
    Checked c;
    {
      std::unique_lock lock(mu);
      while (!results[i].done) {
        done_cv.wait_for(lock, std::chrono::milliseconds(200));
        if (!results[i].done && sink.cancelled()) {
          return Cancelled("import cancelled");
        }
      }
      c = std::move(results[i]);
    }
    if (sink.cancelled()) return Cancelled("import cancelled");
    if (!c.status.ok() && c.status.code() != StatusCode::kInvalidArgument) {
      return c.status;  // the blob store failed, not the file
    }
    EASEL_RETURN_IF_ERROR(Emit(images[i], c, sink));
    if ((i + 1) % 64 == 0 || i + 1 == n) {
      sink.Progress(static_cast<double>(i + 1) / n,
                    fmt::format("checked {} of {} images", i + 1, n));
    }
  }
  return OkStatus();
}

std::vector<const SourceFile*> VisibleFiles(const SourceFiles& files) {
  std::vector<const SourceFile*> out;
  for (const SourceFile& f : files.files()) {
    if (!IsHiddenPath(f.path)) out.push_back(&f);
  }
  return out;
}

PathSuffixIndex::PathSuffixIndex(const std::vector<const SourceFile*>& files) {
  for (const SourceFile* f : files) {
    if (!HasImageExtension(f->path)) continue;
    std::string_view path = f->path;
    size_t start = 0;
    while (true) {
      auto [it, inserted] = by_suffix_.emplace(std::string(path.substr(start)), f);
      if (!inserted) it->second = nullptr;
      size_t slash = path.find('/', start);
      if (slash == std::string_view::npos) break;
      start = slash + 1;
    }
  }
}

const SourceFile* PathSuffixIndex::Find(const std::string& suffix, bool* ambiguous) const {
  *ambiguous = false;
  auto it = by_suffix_.find(suffix);
  if (it == by_suffix_.end()) return nullptr;
  if (it->second == nullptr) *ambiguous = true;
  return it->second;
}

}  // namespace easel::data
