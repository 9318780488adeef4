// Statistics of image datasets (stats.h): class counts, image sizes and formats, and for
// detection the boxes. Memory grows with the number of classes and formats, not samples.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "data/stats.h"

namespace easel::data {
namespace {

// min / max / mean of a stream of integers; nulls while empty.
class Summary {
 public:
  void Add(int64_t v) {
    min_ = std::min(min_, v);
    max_ = std::max(max_, v);
    sum_ += static_cast<double>(v);
    ++n_;
  }
  Json ToJson() const {
    if (n_ == 0) return Json{{"min", nullptr}, {"max", nullptr}, {"mean", nullptr}};
    return Json{{"min", min_}, {"max", max_}, {"mean", sum_ / static_cast<double>(n_)}};
  }

 private:
  int64_t min_ = std::numeric_limits<int64_t>::max();
  int64_t max_ = std::numeric_limits<int64_t>::min();
  double sum_ = 0;
  uint64_t n_ = 0;
};

std::optional<int64_t> MetaInt(const Json& meta, const char* key) {
  if (!meta.is_object()) return std::nullopt;
  auto it = meta.find(key);
  if (it == meta.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int64_t>();
}

class ImageStats : public StatsBuilder {
 public:
  explicit ImageStats(DatasetType type) : detection_(type == DatasetType::kObjectDetection) {}

  void Add(const Sample& sample) override {
    ++num_samples_;
    for (const std::string& label : sample.labels) ++class_counts_[label];
    if (auto w = MetaInt(sample.meta, "width")) width_.Add(*w);
    if (auto h = MetaInt(sample.meta, "height")) height_.Add(*h);
    if (sample.meta.is_object()) {
      auto f = sample.meta.find("format");
      if (f != sample.meta.end() && f->is_string()) ++formats_[f->get<std::string>()];
    }
    if (!detection_) return;
    box_count_ += sample.boxes.size();
    boxes_per_image_.Add(static_cast<int64_t>(sample.boxes.size()));
    std::set<std::string_view> classes_here;
    for (const Box& box : sample.boxes) {
      ++boxes_per_class_[box.label];
      classes_here.insert(box.label);
    }
    // Detection: images in which each class appears (boxes.per_class counts the boxes).
    for (std::string_view label : classes_here) ++class_counts_[std::string(label)];
  }

  Json Finish() override {
    Json stats = {{"num_samples", num_samples_}};
    if (!class_counts_.empty()) stats["class_counts"] = class_counts_;
    stats["images"] = {{"width", width_.ToJson()},
                       {"height", height_.ToJson()},
                       {"formats", formats_.empty() ? Json::object() : Json(formats_)}};
    if (detection_) {
      stats["boxes"] = {
          {"count", box_count_},
          {"per_class", boxes_per_class_.empty() ? Json::object() : Json(boxes_per_class_)},
          {"per_image", boxes_per_image_.ToJson()}};
    }
    return stats;
  }

 private:
  bool detection_;
  uint64_t num_samples_ = 0;
  std::map<std::string, uint64_t> class_counts_;
  Summary width_, height_;
  std::map<std::string, uint64_t> formats_;
  uint64_t box_count_ = 0;
  std::map<std::string, uint64_t> boxes_per_class_;
  Summary boxes_per_image_;
};

}  // namespace

std::unique_ptr<StatsBuilder> MakeImageStats(DatasetType type) {
  return std::make_unique<ImageStats>(type);
}

}  // namespace easel::data
